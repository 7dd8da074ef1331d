import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { fingerprintHex } from '../../src/api/index.js'
import { apiFixture, assertApiError, type ApiFixture } from '../helpers-daemon/api.js'
import { makeFakePeer, type FakePeer } from '../helpers-daemon/fake-node.js'

describe('GET /v1/peers', () => {
  let f: ApiFixture
  let anchor: FakePeer
  let direct: FakePeer
  let dht: FakePeer

  before(async () => {
    f = await apiFixture()
    ;[anchor, direct, dht] = await Promise.all([makeFakePeer(1), makeFakePeer(2), makeFakePeer(3)])
    f.node.addPeer(anchor, 'anchor')
    f.node.addPeer(direct, 'direct')
    f.node.addPeer(dht, 'dht')
  })
  after(async () => { await f.api.close() })

  test('pages: limit, then after the page\'s next', async () => {
    const all = (await f.api.app.inject({ url: '/v1/peers' })).json().peers.map((p: { peerId: string }) => p.peerId)
    const first = (await f.api.app.inject({ url: '/v1/peers?limit=2' })).json()
    assert.deepEqual(first.peers.map((p: { peerId: string }) => p.peerId), all.slice(0, 2))
    assert.equal(first.next, all[1])
    const second = (await f.api.app.inject({ url: `/v1/peers?limit=2&after=${first.next as string}` })).json()
    assert.deepEqual(second.peers.map((p: { peerId: string }) => p.peerId), all.slice(2))
    assert.equal(second.next, undefined)
  })

  test('lists every known peer with its trust, sorted by PeerId', async () => {
    const res = await f.api.app.inject({ url: '/v1/peers' })
    assert.equal(res.statusCode, 200)
    const { peers } = res.json<{ peers: Array<Record<string, unknown>> }>()
    assert.equal(peers.length, 3)
    assert.deepEqual(peers.map(p => p.peerId), [...peers.map(p => p.peerId)].sort())
    for (const peer of peers) {
      assert.deepEqual(Object.keys(peer).sort(), ['expiresAt', 'issuedAt', 'mlDsaFingerprint', 'peerId', 'score', 'seq', 'storedAt', 'trust', 'verified'])
    }
    const a = peers.find(p => p.peerId === anchor.peerId.toString())
    assert.equal(a?.trust, 'anchor')
    assert.equal(a?.verified, true)
    assert.equal(a?.mlDsaFingerprint, fingerprintHex(anchor.record.mlDsaPublicKey))
    assert.equal(peers.find(p => p.peerId === dht.peerId.toString())?.verified, false)
  })

  test('gives each peer this node\'s score of it, 2 decimals, 0 for a peer never scored', async () => {
    f.node.reputation.note(direct.peerId, 'invalid')
    f.node.reputation.note(direct.peerId, 'timeout')
    f.node.reputation.note(dht.peerId, 'valid')
    const { peers } = (await f.api.app.inject({ url: '/v1/peers' })).json<{ peers: Array<{ peerId: string, score: number }> }>()
    const scoreOf = (peer: FakePeer): number | undefined => peers.find(p => p.peerId === peer.peerId.toString())?.score
    // The scores decay between the note and the answer: by far less than the 2 decimals show.
    assert.equal(scoreOf(direct), -9)
    assert.equal(scoreOf(dht), 1)
    assert.equal(scoreOf(anchor), 0)
    for (const peer of peers) assert.equal(peer.score, Math.round(peer.score * 100) / 100)
  })

  test('filters by trust', async () => {
    const res = await f.api.app.inject({ url: '/v1/peers?trust=direct' })
    assert.deepEqual(res.json().peers.map((p: { peerId: string }) => p.peerId), [direct.peerId.toString()])
  })

  test('filters by verified', async () => {
    const verified = (await f.api.app.inject({ url: '/v1/peers?verified=true' })).json().peers
    assert.deepEqual(verified.map((p: { peerId: string }) => p.peerId).sort(), [anchor.peerId.toString(), direct.peerId.toString()].sort())
    const unverified = (await f.api.app.inject({ url: '/v1/peers?verified=false' })).json().peers
    assert.deepEqual(unverified.map((p: { peerId: string }) => p.peerId), [dht.peerId.toString()])
  })

  test('rejects an unknown trust level, a bad boolean and unknown parameters', async () => {
    assert.match(assertApiError(await f.api.app.inject({ url: '/v1/peers?trust=friend' }), 400, 'ERR_BAD_PARAM').message, /self, anchor, direct, dht/)
    assertApiError(await f.api.app.inject({ url: '/v1/peers?verified=1' }), 400, 'ERR_BAD_PARAM')
    assertApiError(await f.api.app.inject({ url: '/v1/peers?page=2' }), 400, 'ERR_UNKNOWN_PARAM')
    assertApiError(await f.api.app.inject({ url: '/v1/peers?limit=0' }), 400, 'ERR_BAD_PARAM')
    assertApiError(await f.api.app.inject({ url: '/v1/peers?limit=1001' }), 400, 'ERR_BAD_PARAM')
    assertApiError(await f.api.app.inject({ url: `/v1/peers?trust=${'a'.repeat(5000)}` }), 400, 'ERR_QUERY_TOO_LONG')
  })
})
