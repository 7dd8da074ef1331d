import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { EQUIVOCATION_CONTENT_TYPE } from '../../src/api/index.js'
import { ResolveError } from '../../src/errors.js'
import { MAX_EVIDENCE_BYTES, recordDigest } from '../../src/record/index.js'
import { makeEquivocation } from '../helpers/evidence.js'
import { makeIdentity, makeRecord } from '../helpers/records.js'
import { apiFixture, assertApiError, type ApiFixture } from '../helpers-daemon/api.js'

const token = 'test-token-0123456789abcdefghijklmnop'
const auth = { authorization: `Bearer ${token}` }

describe('GET /v1/evidence/{peerId}, POST /v1/evidence, and an equivocating peer\'s keys', () => {
  let f: ApiFixture

  before(async () => { f = await apiFixture({ token }) })
  after(async () => { await f.api.close() })

  test('POST /v1/evidence takes a proof\'s bytes; GET serves it as JSON or raw bytes, and lists it', async () => {
    const peer = await makeIdentity()
    const proof = await makeEquivocation(peer, 7)
    const res = await f.api.app.inject({ method: 'POST', url: '/v1/evidence', headers: { ...auth, 'content-type': EQUIVOCATION_CONTENT_TYPE }, payload: Buffer.from(proof.bytes) })
    assert.equal(res.statusCode, 200, res.body)
    const body = res.json()
    assert.deepEqual(Object.keys(body).sort(), ['differs', 'peerId', 'proof', 'records', 'seq'])
    assert.equal(body.peerId, peer.peerId.toString())
    assert.equal(body.seq, 7)
    assert.deepEqual(body.differs, ['issuedAt', 'expiresAt'])
    assert.equal(body.records[0].sha256, Buffer.from(recordDigest(proof.records[0])).toString('hex'))

    const json = await f.api.app.inject({ method: 'GET', url: `/v1/evidence/${peer.peerId.toString()}` })
    assert.equal(json.statusCode, 200)
    assert.deepEqual(Buffer.from(json.json().proof, 'base64'), Buffer.from(proof.bytes))
    const raw = await f.api.app.inject({ method: 'GET', url: `/v1/evidence/${peer.peerId.toString()}`, headers: { accept: EQUIVOCATION_CONTENT_TYPE } })
    assert.equal(raw.statusCode, 200)
    assert.equal(raw.headers['content-type'], EQUIVOCATION_CONTENT_TYPE)
    assert.deepEqual(raw.rawPayload, Buffer.from(proof.bytes))
    const listed = await f.api.app.inject({ method: 'GET', url: '/v1/evidence' })
    assert.ok(listed.json().evidence.some((e: { peerId: string }) => e.peerId === peer.peerId.toString()))
  })

  test('GET answers 404 ERR_NO_EVIDENCE for a peer without a proof, 400 for a bad PeerId, 406 for another type', async () => {
    const peer = await makeIdentity()
    assertApiError(await f.api.app.inject({ method: 'GET', url: `/v1/evidence/${peer.peerId.toString()}` }), 404, 'ERR_NO_EVIDENCE')
    assertApiError(await f.api.app.inject({ method: 'GET', url: '/v1/evidence/not-a-peer' }), 400, 'ERR_BAD_PEER_ID')
    assertApiError(await f.api.app.inject({ method: 'GET', url: `/v1/evidence/${peer.peerId.toString()}`, headers: { accept: 'text/html' } }), 406, 'ERR_NOT_ACCEPTABLE')
  })

  test('POST refuses no token (401), no body (400), oversized (413), and forged evidence with its code (400)', async () => {
    const url = '/v1/evidence'
    const headers = { ...auth, 'content-type': EQUIVOCATION_CONTENT_TYPE }
    assertApiError(await f.api.app.inject({ method: 'POST', url, headers: { 'content-type': EQUIVOCATION_CONTENT_TYPE }, payload: Buffer.from([1]) }), 401, 'ERR_UNAUTHORIZED')
    assertApiError(await f.api.app.inject({ method: 'POST', url, headers: auth }), 400, 'ERR_NO_EVIDENCE')
    assert.equal((await f.api.app.inject({ method: 'POST', url, headers, payload: Buffer.alloc(MAX_EVIDENCE_BYTES + 1) })).statusCode, 413)
    const record = await makeRecord(await makeIdentity())
    assertApiError(await f.api.app.inject({ method: 'POST', url, headers, payload: Buffer.from(record.bytes) }), 400, 'ERR_EVIDENCE_MALFORMED')
  })

  test('resolving an equivocating peer is 409 ERR_EQUIVOCATION', async () => {
    const peer = await makeIdentity()
    f.node.failures.set(peer.peerId.toString(), new ResolveError('ERR_EQUIVOCATION', 'it equivocated'))
    assertApiError(await f.api.app.inject({ method: 'GET', url: `/v1/keys/${peer.peerId.toString()}` }), 409, 'ERR_EQUIVOCATION')
  })
})
