import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { keydirVersion } from '../../src/util/version.js'
import { apiFixture, assertApiError, type ApiFixture } from '../helpers-daemon/api.js'

describe('GET /v1/status and GET /healthz', () => {
  let f: ApiFixture

  before(async () => { f = await apiFixture() })
  after(async () => { await f.api.close() })

  test('status has the PeerId, full multiaddrs, counts, own record and anchor entry', async () => {
    const res = await f.api.app.inject({ url: '/v1/status' })
    assert.equal(res.statusCode, 200)
    const body = res.json()
    assert.deepEqual(Object.keys(body).sort(), ['anchor', 'connections', 'crypto', 'dhtSize', 'maxConnections', 'multiaddrs', 'peerId', 'record', 'registry', 'reputation', 'uptimeMs', 'version'])
    assert.equal(body.version, keydirVersion())
    assert.equal(body.uptimeMs, f.node.uptimeMs)
    assert.equal(body.peerId, f.node.peerId.toString())
    for (const ma of body.multiaddrs) assert.match(ma, new RegExp(`/p2p/${body.peerId}$`))
    assert.equal(typeof body.dhtSize, 'number')
    assert.deepEqual(Object.keys(body.registry).sort(), ['peers', 'verified'])
    assert.deepEqual(body.reputation, { peers: 0, belowThreshold: 0 })
    assert.deepEqual(Object.keys(body.record).sort(), ['expiresAt', 'issuedAt', 'seq'])
    assert.deepEqual(Object.keys(body.anchor).sort(), ['mlDsaPublicKey', 'multiaddr', 'peerId'])
    assert.equal(body.anchor.peerId, body.peerId)
    assert.equal(Buffer.from(body.anchor.mlDsaPublicKey, 'base64').length, 1952)
  })

  test('status takes no query parameters', async () => {
    assertApiError(await f.api.app.inject({ url: '/v1/status?verbose=1' }), 400, 'ERR_UNKNOWN_PARAM')
  })

  test('healthz says ok', async () => {
    const res = await f.api.app.inject({ url: '/healthz' })
    assert.equal(res.statusCode, 200)
    assert.deepEqual(res.json(), { status: 'ok' })
  })
})
