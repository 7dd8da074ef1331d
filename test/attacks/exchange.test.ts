import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { KeyRecord as KeyRecordMessage } from '../../protobuf/key-record.js'
import { KeyRequest, KeyResponse } from '../../protobuf/key-exchange.js'
import { selectPqCrypto } from '../../src/crypto/index.js'
import { createKeyRequest, createKeyResponse, EXCHANGE_PROTOCOL, KeyExchange, MAX_MESSAGE_BYTES, PendingKeyRequests } from '../../src/exchange/index.js'
import { createKeydirMetrics } from '../../src/metrics/index.js'
import { KeyRecordValidator } from '../../src/record/index.js'
import { assertCounted, assertHolds, hasCode } from '../helpers/attacks.js'
import { nextNonce, signerOf, sendKeyRequest } from '../helpers/exchange.js'
import { hostileRecord, startHostileNode } from '../helpers/hostile-node.js'
import { startNode } from '../helpers/network.js'
import { concat, encodeFields, encodeVarint, parseFields } from '../helpers/protobuf-wire.js'
import { framed, sendRaw } from '../helpers/raw-stream.js'
import { libp2pOf } from '../../src/node/index.js'
import type { ExchangeSigner } from '../../src/exchange/index.js'
import type { KeyRecord } from '../../src/record/index.js'
import type { HostileNode } from '../helpers/hostile-node.js'
import type { TestNode } from '../helpers/network.js'

/**
 * Attack catalogue, direct exchange (docs/security.md, "Direct exchange").
 * A asks B; H is a hostile responder; C is an honest bystander. Each attack
 * is refused with its code, counted in keydir_verification_failures_total,
 * and leaves the victim's registry holding the right record.
 */

const minute = 60_000

describe('attacks on the direct exchange', () => {
  let a: TestNode
  let b: TestNode
  let c: TestNode
  let hostile: HostileNode
  let signerA: ExchangeSigner
  let recordA: KeyRecord
  let recordB: KeyRecord

  before(async () => {
    a = await startNode({ paths: { dht: false } })
    b = await startNode({ paths: { dht: false }, bootstrap: [a.node.getMultiaddrs()[0].toString()] })
    c = await startNode({ paths: { dht: false }, bootstrap: [a.node.getMultiaddrs()[0].toString()] })
    hostile = await startHostileNode([a.node.getMultiaddrs()[0].toString()])
    signerA = await signerOf(a.node, a.dir.path)
    recordA = signerA.record
    recordB = (await b.node.resolve(b.node.peerId)).record
    // A learns B, and B learns A, through one honest exchange.
    assert.equal((await a.node.resolve(b.node.peerId)).source, 'direct')
    await assertHolds(b.node, a.node.peerId, recordA.bytes)
  })

  after(async () => {
    await hostile.stop()
    for (const n of [a, b, c]) { await n.node.stop(); await n.dir.remove() }
  })

  /** H as a requester, its record already learned by B through one honest request. */
  let hostileSigner: { signer: ExchangeSigner, good: KeyRecord } | undefined
  async function hostileRequester (): Promise<{ signer: ExchangeSigner, good: KeyRecord }> {
    if (hostileSigner === undefined) {
      const good = await hostileRecord(hostile, { seq: 10 })
      const signer = { peerId: hostile.identity.peerId, record: good, mlDsaSigner: hostile.identity.mlDsaSigner }
      await sendKeyRequest(hostile.libp2p, b.node.peerId, await createKeyRequest(signer, b.node.peerId, 1n))
      await assertHolds(b.node, hostile.identity.peerId, good.bytes)
      hostileSigner = { signer, good }
    }
    return hostileSigner
  }

  const request = async (nonceOffset = 0n, timestamp = Date.now(), signer = signerA): Promise<ReturnType<typeof createKeyRequest>> =>
    await createKeyRequest(signer, b.node.peerId, await nextNonce(a.node) + nonceOffset, timestamp)

  it('a replayed KeyRequest (same nonce) is refused: ERR_REPLAYED_NONCE', async () => {
    const captured = await request()
    await sendKeyRequest(libp2pOf(a.node), b.node.peerId, captured)
    await assertCounted(b.node, 'exchange', 'ERR_REPLAYED_NONCE', async () => {
      await assert.rejects(sendKeyRequest(libp2pOf(a.node), b.node.peerId, captured))
    }, 1)
    await assertHolds(b.node, a.node.peerId, recordA.bytes)
  })

  it('a KeyRequest with a lower nonce is refused: ERR_REPLAYED_NONCE', async () => {
    const newer = await request()
    await sendKeyRequest(libp2pOf(a.node), b.node.peerId, newer)
    await assertCounted(b.node, 'exchange', 'ERR_REPLAYED_NONCE', async () => {
      await assert.rejects(sendKeyRequest(libp2pOf(a.node), b.node.peerId, await createKeyRequest(signerA, b.node.peerId, newer.nonce - 1000n)))
    }, 1)
    await assertHolds(b.node, a.node.peerId, recordA.bytes)
  })

  it('a KeyRequest with a stale or future timestamp is refused: ERR_STALE_TIMESTAMP', async () => {
    await assertCounted(b.node, 'exchange', 'ERR_STALE_TIMESTAMP', async () => {
      await assert.rejects(sendKeyRequest(libp2pOf(a.node), b.node.peerId, await request(0n, Date.now() - 6 * minute)))
      await assert.rejects(sendKeyRequest(libp2pOf(a.node), b.node.peerId, await request(0n, Date.now() + 6 * minute)))
    }, 2)
    await assertHolds(b.node, a.node.peerId, recordA.bytes)
  })

  it('a KeyRequest with a nonce protons-runtime cannot write back (2^31 … 2^32 - 1) is refused: ERR_BAD_NONCE', async () => {
    // Written by hand: protons itself mis-encodes such a nonce. The responder would store it and echo it in its response.
    const { signer, good } = await hostileRequester()
    const fields = parseFields(KeyRequest.encode(await request(0n, Date.now(), signer)))!
    for (const nonce of [2n ** 31n, 2n ** 32n - 1n]) {
      const body = encodeFields(fields.map(f => f.field === 4 ? { ...f, value: encodeVarint(nonce) } : f))
      await assertCounted(b.node, 'exchange', 'ERR_BAD_NONCE', async () => {
        const result = await sendRaw(hostile.libp2p, b.node.peerId, EXCHANGE_PROTOCOL, framed(body))
        assert.equal(result.reply.length, 0, 'no response')
      }, 1)
    }
    await assertHolds(b.node, hostile.identity.peerId, good.bytes)
  })

  it('a KeyRequest that is not a protobuf is refused: ERR_MESSAGE_MALFORMED', async () => {
    await assertCounted(b.node, 'exchange', 'ERR_MESSAGE_MALFORMED', async () => {
      const result = await sendRaw(libp2pOf(a.node), b.node.peerId, EXCHANGE_PROTOCOL, framed(Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0x0f, 0x0a)))
      assert.equal(result.reset, true)
      assert.equal(result.reply.length, 0)
    }, 1)
    await assertHolds(b.node, a.node.peerId, recordA.bytes)
  })

  it('a KeyRequest over the size limit is refused before it is read: ERR_MESSAGE_TOO_LARGE', async () => {
    await assertCounted(b.node, 'exchange', 'ERR_MESSAGE_TOO_LARGE', async () => {
      // Only the length prefix and a few bytes: the refusal comes from the claimed length.
      const result = await sendRaw(libp2pOf(a.node), b.node.peerId, EXCHANGE_PROTOCOL, framed(new Uint8Array(16), MAX_MESSAGE_BYTES + 1))
      assert.equal(result.reset, true)
    }, 1)
    await assertHolds(b.node, a.node.peerId, recordA.bytes)
  })

  // B answers 10 requests per peer per 10 s; the tests above use 9 of A's. These come from H.
  it('a KeyRequest carrying a record with trailing bytes or a duplicate field is refused: ERR_RECORD_NOT_CANONICAL / ERR_RECORD_MALFORMED', async () => {
    const { signer, good } = await hostileRequester()
    const trailingField = concat([good.bytes, Uint8Array.of(0x60, 0x01)]) // field 12, varint 1
    const duplicate = concat([good.bytes, KeyRecordMessage.encode({ seq: BigInt(good.seq) })])
    const trailingGarbage = concat([good.bytes, Uint8Array.of(0x00)])
    const send = async (bytes: Uint8Array): Promise<void> => {
      await assert.rejects(sendKeyRequest(hostile.libp2p, b.node.peerId, await request(0n, Date.now(), { ...signer, record: { ...good, bytes } })))
    }
    await assertCounted(b.node, 'exchange', 'ERR_RECORD_NOT_CANONICAL', async () => { await send(trailingField); await send(duplicate) }, 2)
    await assertCounted(b.node, 'exchange', 'ERR_RECORD_MALFORMED', async () => { await send(trailingGarbage) }, 1)
    await assertHolds(b.node, hostile.identity.peerId, good.bytes)
  })

  it('a KeyRequest carrying a record with a wrong key length is refused: ERR_BAD_KEY_LENGTH', async () => {
    const { signer, good } = await hostileRequester()
    const decoded = KeyRecordMessage.decode(good.bytes)
    const shortKem = KeyRecordMessage.encode({ ...decoded, mlKemPublicKey: decoded.mlKemPublicKey.subarray(1) })
    const longDsa = KeyRecordMessage.encode({ ...decoded, mlDsaPublicKey: concat([decoded.mlDsaPublicKey, Uint8Array.of(0)]) as Uint8Array<ArrayBuffer> })
    await assertCounted(b.node, 'exchange', 'ERR_BAD_KEY_LENGTH', async () => {
      for (const bytes of [shortKem, longDsa]) {
        await assert.rejects(sendKeyRequest(hostile.libp2p, b.node.peerId, await request(0n, Date.now(), { ...signer, record: { ...good, bytes } })))
      }
    }, 2)
    await assertHolds(b.node, hostile.identity.peerId, good.bytes)
  })

  it('a KeyResponse replayed to another request is refused: ERR_NONCE_MISMATCH', async () => {
    const hostileGood = await hostileRecord(hostile, { seq: 10 })
    let captured: KeyResponse | undefined
    await hostile.answerKeyRequests(async (req, remote) => {
      captured ??= await createKeyResponse({ peerId: hostile.identity.peerId, record: hostileGood, mlDsaSigner: hostile.identity.mlDsaSigner }, remote, req.nonce)
      return captured
    })
    await libp2pOf(a.node).dial(hostile.libp2p.peerId)
    assert.equal((await a.node.resolve(hostile.identity.peerId)).seq, 10)
    await assertCounted(a.node, 'exchange', 'ERR_NONCE_MISMATCH', async () => {
      await assert.rejects(a.node.resolve(hostile.identity.peerId, { refresh: true }), hasCode('ERR_NOT_FOUND'))
    }, 1)
    await assertHolds(a.node, hostile.identity.peerId, hostileGood.bytes)
  })

  it('a KeyResponse from a peer other than the one asked is refused: ERR_WRONG_RESPONDER', async () => {
    // A dialer that lands on H when asked for B (a poisoned address book). An honest peer would
    // refuse the request, which names B; H answers with its own valid, signed response.
    await hostile.answerKeyRequests(async (req, remote) =>
      await createKeyResponse({ peerId: hostile.identity.peerId, record: await hostileRecord(hostile, { seq: 11 }), mlDsaSigner: hostile.identity.mlDsaSigner }, remote, req.nonce))
    const crypto = selectPqCrypto()
    const metrics = createKeydirMetrics()
    const misrouted = new KeyExchange({
      registrar: { handle: async () => {}, unhandle: async () => {} },
      connectionManager: {
        getConnections: () => [],
        openConnection: async (_peer, options) => libp2pOf(a.node).dial(hostile.libp2p.peerId, options)
      }
    }, {
      crypto,
      validator: new KeyRecordValidator({ crypto }),
      registry: a.node.registry,
      requests: new PendingKeyRequests(),
      metrics,
      self: () => signerA
    })
    await assert.rejects(misrouted.request(b.node.peerId), hasCode('ERR_WRONG_RESPONDER', 'ExchangeError'))
    const counted = (await metrics.verificationFailures.get()).values.find(v => v.labels.reason === 'ERR_WRONG_RESPONDER' && v.labels.source === 'exchange')
    assert.equal(counted?.value, 1)
    await assertHolds(a.node, b.node.peerId, recordB.bytes)
  })

  it('an honest peer refuses a KeyRequest addressed to another peer: ERR_WRONG_RESPONDER', async () => {
    await assertCounted(c.node, 'exchange', 'ERR_WRONG_RESPONDER', async () => {
      await assert.rejects(sendKeyRequest(libp2pOf(a.node), c.node.peerId, await createKeyRequest(signerA, b.node.peerId, await nextNonce(a.node))))
    }, 1)
  })
})
