import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { equals as uint8ArrayEquals } from 'uint8arrays/equals'
import { KeyPush } from '../../protobuf/key-exchange.js'
import { createKeyPush, PUSH_PROTOCOL, PUSH_RATE_LIMIT, RATE_LIMIT_WINDOW_S } from '../../src/exchange/index.js'
import { libp2pOf } from '../../src/node/index.js'
import { assertCounted, assertHolds, refusals } from '../helpers/attacks.js'
import { nextNonce, signerOf } from '../helpers/exchange.js'
import { counterValue, startNode, waitUntil } from '../helpers/network.js'
import { framed, sendRaw } from '../helpers/raw-stream.js'
import type { ExchangeSigner } from '../../src/exchange/index.js'
import type { KeyRecord } from '../../src/record/index.js'
import type { TestNode } from '../helpers/network.js'
import type { PeerId } from '@libp2p/interface'

const minute = 60_000

/** One KeyPush, sent raw from `from` to `to`; whether `to` took it (closed the stream) or refused it (reset). */
async function sendPush (from: TestNode, to: PeerId, push: KeyPush): Promise<'taken' | 'refused'> {
  const { reset } = await sendRaw(libp2pOf(from.node), to, PUSH_PROTOCOL, framed(KeyPush.encode(push)))
  return reset ? 'refused' : 'taken'
}

describe('key push: a rotation reaches the peers that hold the keys', () => {
  let a: TestNode
  let b: TestNode
  let c: TestNode

  before(async () => {
    a = await startNode({ paths: { dht: false } })
    // b and c resolve a over the direct exchange: a answers them, so they are a's holders.
    b = await startNode({ paths: { dht: false }, bootstrap: [a.node.getMultiaddrs()[0].toString()] })
    c = await startNode({ paths: { dht: false } })
    await b.node.resolve(a.node.peerId)
  })

  after(async () => {
    for (const n of [a, b, c]) { await n.node.stop(); await n.dir.remove() }
  })

  it('a connected holder has the new key after rotate(), without resolving again', async () => {
    const before = await a.node.resolve(a.node.peerId)
    const rotated = await a.node.rotate()
    assert.ok(!uint8ArrayEquals(rotated.mlDsaPublicKey, before.mlDsaPublicKey))
    await waitUntil(() => uint8ArrayEquals(b.node.registry.getCached(a.node.peerId)?.record.mlDsaPublicKey ?? new Uint8Array(), rotated.mlDsaPublicKey),
      'b holds a\'s rotated key')
    assert.equal((await b.node.registry.getPin(a.node.peerId))?.highestSeq, rotated.seq)
    assert.equal(await counterValue(b.node, 'keydir_key_pushes_total', { role: 'receiver', result: 'stored' }), 1)
    assert.ok(await counterValue(a.node, 'keydir_key_pushes_total', { role: 'pusher', result: 'sent' }) >= 1)
    const keys = await b.node.resolve(a.node.peerId)
    assert.equal(keys.source, 'registry')
    assert.deepEqual(keys.mlDsaPublicKey, rotated.mlDsaPublicKey)
  })

  describe('hostile pushes: refused, counted, nothing stored is lost', () => {
    let signerA: ExchangeSigner
    let held: KeyRecord

    before(async () => {
      signerA = await signerOf(a.node, a.dir.path)
      held = (await b.node.registry.get(a.node.peerId))!.record
    })

    it('from a peer the receiver never asked about: ERR_PUSH_UNSOLICITED, nothing stored', async () => {
      const signerC = await signerOf(c.node, c.dir.path)
      await libp2pOf(c.node).dial(b.node.getMultiaddrs()[0])
      await assertCounted(b.node, 'push', 'ERR_PUSH_UNSOLICITED', async () => {
        assert.equal(await sendPush(c, b.node.peerId, await createKeyPush(signerC, b.node.peerId, await nextNonce(c.node))), 'refused')
      }, 1)
      assert.equal(await b.node.registry.get(c.node.peerId), undefined)
      assert.equal(await b.node.registry.getPin(c.node.peerId), undefined)
      // A stranger's push is not scored: free PeerIds would only fill the table.
      assert.equal(b.node.reputation.score(c.node.peerId), 0)
    })

    it('a replayed push: ERR_REPLAYED_NONCE', async () => {
      const push = await createKeyPush(signerA, b.node.peerId, await nextNonce(a.node))
      assert.equal(await sendPush(a, b.node.peerId, push), 'taken')
      await assertCounted(b.node, 'push', 'ERR_REPLAYED_NONCE', async () => {
        assert.equal(await sendPush(a, b.node.peerId, push), 'refused')
      }, 1)
      await assertHolds(b.node, a.node.peerId, held.bytes)
    })

    it('a forged signature, another recipient, a stale timestamp: refused with their codes, and noted against the pusher', async () => {
      const invalidBefore = await counterValue(b.node, 'keydir_peer_outcomes_total', { outcome: 'invalid' })
      const staleBefore = await counterValue(b.node, 'keydir_peer_outcomes_total', { outcome: 'stale' })
      const scoreBefore = b.node.reputation.score(a.node.peerId)
      const forged = await createKeyPush(signerA, b.node.peerId, await nextNonce(a.node))
      forged.signature[10] ^= 1
      await assertCounted(b.node, 'push', 'ERR_BAD_PUSH_SIGNATURE', async () => { assert.equal(await sendPush(a, b.node.peerId, forged), 'refused') }, 1)
      const misaddressed = await createKeyPush(signerA, c.node.peerId, await nextNonce(a.node))
      await assertCounted(b.node, 'push', 'ERR_WRONG_RECIPIENT', async () => { assert.equal(await sendPush(a, b.node.peerId, misaddressed), 'refused') }, 1)
      const stale = await createKeyPush(signerA, b.node.peerId, await nextNonce(a.node), Date.now() - 6 * minute)
      await assertCounted(b.node, 'push', 'ERR_STALE_TIMESTAMP', async () => { assert.equal(await sendPush(a, b.node.peerId, stale), 'refused') }, 1)
      await assertHolds(b.node, a.node.peerId, held.bytes)
      assert.equal(await counterValue(b.node, 'keydir_peer_outcomes_total', { outcome: 'invalid' }), invalidBefore + 2)
      assert.equal(await counterValue(b.node, 'keydir_peer_outcomes_total', { outcome: 'stale' }), staleBefore + 1)
      assert.ok(b.node.reputation.score(a.node.peerId) < scoreBefore - 19)
    })

    it('a record of another peer, pushed by a: refused by the record\'s binding to the connection', async () => {
      const signerC = await signerOf(c.node, c.dir.path)
      // Signed by c's key, carrying c's record, but sent over a's connection.
      const foreign = await createKeyPush(signerC, b.node.peerId, await nextNonce(a.node))
      await assertCounted(b.node, 'push', 'ERR_PEER_ID_MISMATCH', async () => { assert.equal(await sendPush(a, b.node.peerId, foreign), 'refused') }, 1)
      assert.equal(await b.node.registry.get(c.node.peerId), undefined)
      await assertHolds(b.node, a.node.peerId, held.bytes)
    })

    it('an older record of a (the one before the rotation): ERR_ROLLBACK, the new one stays', async () => {
      const oldSigner = { ...signerA, record: held }
      const older = await a.node.publish()
      // b now holds `older` only if a pushed it; a publish is not a rotation, so b keeps `held`.
      assert.ok(older.seq > held.seq)
      await assertHolds(b.node, a.node.peerId, held.bytes)
      const push = await createKeyPush({ ...oldSigner, record: older }, b.node.peerId, await nextNonce(a.node))
      assert.equal(await sendPush(a, b.node.peerId, push), 'taken')
      await assertHolds(b.node, a.node.peerId, older.bytes)
      const rollback = await createKeyPush(oldSigner, b.node.peerId, await nextNonce(a.node))
      await assertCounted(b.node, 'push', 'ERR_ROLLBACK', async () => { assert.equal(await sendPush(a, b.node.peerId, rollback), 'refused') }, 1)
      await assertHolds(b.node, a.node.peerId, older.bytes)
    })

    it('a message that is no KeyPush, or one over the size limit: refused', async () => {
      await assertCounted(b.node, 'push', 'ERR_MESSAGE_MALFORMED', async () => {
        assert.equal((await sendRaw(libp2pOf(c.node), b.node.peerId, PUSH_PROTOCOL, framed(new Uint8Array([0xff, 0xff, 0xff])))).reset, true)
      }, 1)
      await assertCounted(b.node, 'push', 'ERR_MESSAGE_TOO_LARGE', async () => {
        assert.equal((await sendRaw(libp2pOf(c.node), b.node.peerId, PUSH_PROTOCOL, framed(new Uint8Array(10), 1 << 20))).reset, true)
      }, 1)
    })

    it(`a flood of pushes from one peer: past ${PUSH_RATE_LIMIT} in ${RATE_LIMIT_WINDOW_S} s, ERR_RATE_LIMITED`, async () => {
      const before = await refusals(b.node, 'push', 'ERR_RATE_LIMITED')
      const bytes = framed(new Uint8Array([0xff]))
      for (let i = 0; i < PUSH_RATE_LIMIT + 3; i++) {
        await sendRaw(libp2pOf(c.node), b.node.peerId, PUSH_PROTOCOL, bytes).catch(() => {})
      }
      assert.ok(await refusals(b.node, 'push', 'ERR_RATE_LIMITED') - before >= 3)
      await assertHolds(b.node, a.node.peerId, (await b.node.registry.get(a.node.peerId))!.record.bytes)
    })
  })
})

describe('key push: in nonce order with the key requests to the same peer', () => {
  let a: TestNode
  let b: TestNode

  before(async () => {
    a = await startNode({ paths: { dht: false } })
    b = await startNode({ paths: { dht: false }, bootstrap: [a.node.getMultiaddrs()[0].toString()] })
    await b.node.resolve(a.node.peerId)
    await a.node.resolve(b.node.peerId)
  })

  after(async () => {
    for (const n of [a, b]) { await n.node.stop(); await n.dir.remove() }
  })

  it('a push that took its nonce before a key request, and is slow to send, is taken, not refused as a replayed nonce', async () => {
    const services = libp2pOf(a.node).services
    const nonces = services.keyExchange.nonces
    const take = nonces.nextOutbound.bind(nonces)
    let first = true
    // The push takes the lower nonce and sends it late (as a slow signature would); the request takes the next one.
    nonces.nextOutbound = async () => {
      const nonce = await take()
      if (first) {
        first = false
        await new Promise(resolve => setTimeout(resolve, 300))
      }
      return nonce
    }
    try {
      await Promise.all([services.keyPush.pushTo(b.node.peerId), services.keyExchange.request(b.node.peerId)])
    } finally {
      nonces.nextOutbound = take
    }
    assert.equal(await refusals(b.node, 'push', 'ERR_REPLAYED_NONCE'), 0)
    assert.equal(await refusals(b.node, 'exchange', 'ERR_REPLAYED_NONCE'), 0)
    assert.equal(await counterValue(b.node, 'keydir_key_pushes_total', { role: 'receiver', result: 'unchanged' }), 1)
  })

  it('a push the receiver refuses fails at the pusher with ERR_REFUSED_BY_PEER', async () => {
    const stranger = await startNode({ paths: { dht: false }, bootstrap: [b.node.getMultiaddrs()[0].toString()] })
    try {
      // b holds no keys of the stranger: ERR_PUSH_UNSOLICITED, and it resets the stream.
      await assert.rejects(libp2pOf(stranger.node).services.keyPush.pushTo(b.node.peerId), (err: any) => err.code === 'ERR_REFUSED_BY_PEER' && /refused the push/.test(err.message))
    } finally { await stranger.node.stop(); await stranger.dir.remove() }
  })
})
