import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { pbStream } from '@libp2p/utils'
import { KeyRequest, KeyResponse } from '../../protobuf/key-exchange.js'
import { selectPqCrypto } from '../../src/crypto/index.js'
import { createKeyRequest, EXCHANGE_PROTOCOL, KeyExchange, MAX_EARLY_SIGNATURES, MAX_MESSAGE_BYTES, MAX_PENDING_PER_PEER, MAX_PENDING_REQUESTS, PendingKeyRequests, RATE_LIMIT_REQUESTS, RATE_LIMIT_WINDOW_S } from '../../src/exchange/index.js'
import { createKeydirMetrics } from '../../src/metrics/index.js'
import { KeyRecordValidator } from '../../src/record/index.js'
import { openFixture } from '../registry/fixture.js'
import { assertHolds, hasCode, refusals } from '../helpers/attacks.js'
import { exchangeComponents, nextNonce, signerOf, sendKeyRequest } from '../helpers/exchange.js'
import { startHostileNode } from '../helpers/hostile-node.js'
import { counterValue, startNode } from '../helpers/network.js'
import { libp2pOf } from '../../src/node/index.js'
import type { ExchangeSigner } from '../../src/exchange/index.js'
import type { HostileNode } from '../helpers/hostile-node.js'
import type { TestNode } from '../helpers/network.js'

/**
 * Attack catalogue, floods (docs/security.md, "Floods"): a peer sending
 * KeyRequests as fast as it can, and the tables of pending requests filled to
 * their bounds. The flood is refused (ERR_RATE_LIMITED, counted) before any
 * of it is read, so memory stays bounded; the tables never grow past their
 * bound and free up as requests end.
 */

describe('a flood of KeyRequests from one peer', () => {
  let a: TestNode
  let b: TestNode
  let signerA: ExchangeSigner

  before(async () => {
    a = await startNode({ paths: { dht: false } })
    b = await startNode({ paths: { dht: false }, bootstrap: [a.node.getMultiaddrs()[0].toString()] })
    signerA = await signerOf(a.node, a.dir.path)
  })

  after(async () => {
    for (const n of [a, b]) { await n.node.stop(); await n.dir.remove() }
  })

  it(`is answered ${RATE_LIMIT_REQUESTS} times per ${RATE_LIMIT_WINDOW_S} s, the rest refused unread: ERR_RATE_LIMITED`, async () => {
    const flood = 60
    const limitedBefore = await refusals(b.node, 'exchange', 'ERR_RATE_LIMITED')
    const started = Date.now()
    // Half one after another, half all at once.
    const send = async (): Promise<boolean> => {
      const request = await createKeyRequest(signerA, b.node.peerId, await nextNonce(a.node))
      return sendKeyRequest(libp2pOf(a.node), b.node.peerId, request).then(() => true, () => false)
    }
    const results: boolean[] = []
    for (let i = 0; i < flood / 2; i++) results.push(await send())
    results.push(...await Promise.all(Array.from({ length: flood / 2 }, send)))
    const windows = Math.ceil((Date.now() - started + 1) / (RATE_LIMIT_WINDOW_S * 1000))

    const answered = results.filter(Boolean).length
    const limited = await refusals(b.node, 'exchange', 'ERR_RATE_LIMITED') - limitedBefore
    assert.ok(answered >= 1 && answered <= RATE_LIMIT_REQUESTS * windows, `answered ${answered} of ${flood}`)
    console.log(`# flood of ${flood}: ${answered} answered, ${limited} refused ERR_RATE_LIMITED, ${flood - answered - limited} reset by the stream limit`)
    assert.ok(limited >= flood / 2 - RATE_LIMIT_REQUESTS * windows, `only ${limited} refusals counted as ERR_RATE_LIMITED`)
    // Every request is either answered, counted as rate-limited, or reset by the muxer's stream limit.
    assert.ok(answered + limited <= flood)
    // Only answered requests reached the registry: the requester's record is the right one.
    await assertHolds(b.node, a.node.peerId, signerA.record.bytes)
    assert.equal(await counterValue(b.node, 'keydir_key_exchanges_total', { result: 'success', role: 'responder' }), answered)
  })

  it(`badly signed: costs the responder at most ${MAX_EARLY_SIGNATURES} signatures in flight, and none of them is sent`, async () => {
    // B's exchange on a test protocol, its signer counted and slowed so that early signatures overlap.
    const protocol = '/keydir-test/early-signatures/1.0.0'
    const signerB = await signerOf(b.node, b.dir.path)
    let inFlight = 0
    let most = 0
    let started = 0
    const counted: ExchangeSigner = {
      ...signerB,
      mlDsaSigner: {
        publicKey: signerB.mlDsaSigner.publicKey,
        signsOffEventLoop: true,
        sign: (message, context) => signerB.mlDsaSigner.sign(message, context),
        signAsync: async (message, context) => {
          started++
          most = Math.max(most, ++inFlight)
          try {
            await new Promise(resolve => setTimeout(resolve, 50))
            return await signerB.mlDsaSigner.signAsync(message, context)
          } finally { inFlight-- }
        }
      }
    }
    const crypto = selectPqCrypto()
    const metrics = createKeydirMetrics()
    const responder = new KeyExchange(exchangeComponents(libp2pOf(b.node)),
      { crypto, validator: new KeyRecordValidator({ crypto }), registry: b.node.registry, requests: new PendingKeyRequests(), metrics, self: () => counted, protocol, rateLimitRequests: 1000 })
    await responder.start()
    try {
      const send = async (request: KeyRequest): Promise<boolean> => {
        const stream = await libp2pOf(a.node).dialProtocol(b.node.peerId, protocol, { signal: AbortSignal.timeout(10_000) })
        const pb = pbStream(stream, { maxDataLength: MAX_MESSAGE_BYTES })
        await pb.write(request, KeyRequest)
        return pb.read(KeyResponse, { signal: AbortSignal.timeout(10_000) }).then(() => true, () => false)
      }
      const forged = async (): Promise<KeyRequest> => {
        const request = await createKeyRequest(signerA, b.node.peerId, await nextNonce(a.node))
        const signature = request.signature.slice()
        signature[100] ^= 1
        return { ...request, signature }
      }
      // Four at once (the per-connection stream limit), three rounds.
      let answered = 0
      for (let round = 0; round < 3; round++) {
        const requests = await Promise.all(Array.from({ length: 4 }, forged))
        answered += (await Promise.all(requests.map(send))).filter(Boolean).length
      }
      assert.equal(answered, 0, 'no badly signed request is answered')
      assert.ok(most <= MAX_EARLY_SIGNATURES, `${most} signatures were in flight at once`)
      assert.ok(started >= 1 && started <= 3 * MAX_EARLY_SIGNATURES, `${started} signatures started for 12 bad requests`)
      // A request whose carried record fails the cheap checks (here: another peer's record) starts none.
      const before = started
      const foreign = { ...await createKeyRequest(signerA, b.node.peerId, await nextNonce(a.node)), requesterRecord: signerB.record.bytes as Uint8Array<ArrayBuffer> }
      assert.equal(await send(foreign), false)
      assert.equal(started, before, 'no signature for a request carrying a record that is not the requester\'s')
      const refused = (await metrics.verificationFailures.get()).values.find(v => v.labels.source === 'exchange' && v.labels.reason === 'ERR_BAD_REQUEST_SIGNATURE')
      assert.equal(refused?.value, 12)
      const mismatched = (await metrics.verificationFailures.get()).values.find(v => v.labels.source === 'exchange' && v.labels.reason === 'ERR_PEER_ID_MISMATCH')
      assert.equal(mismatched?.value, 1)
      // An honest request is still answered, with a response signed for it.
      assert.equal(await send(await createKeyRequest(signerA, b.node.peerId, await nextNonce(a.node))), true)
    } finally {
      await responder.stop()
    }
  })

  it('an honest requester over its budget is told it was refused, not given a bare stream error', async () => {
    // B answers one request per window on a test protocol; A asks through its own KeyExchange on it.
    const protocol = '/keydir-test/rate-limited/1.0.0'
    const signerB = await signerOf(b.node, b.dir.path)
    const crypto = selectPqCrypto()
    const responderMetrics = createKeydirMetrics()
    const responder = new KeyExchange(exchangeComponents(libp2pOf(b.node)),
      { crypto, validator: new KeyRecordValidator({ crypto }), registry: b.node.registry, requests: new PendingKeyRequests(), metrics: responderMetrics, self: () => signerB, protocol, rateLimitRequests: 1, rateLimitWindowSeconds: 60 })
    const requester = new KeyExchange(exchangeComponents(libp2pOf(a.node)),
      { crypto, validator: new KeyRecordValidator({ crypto }), registry: a.node.registry, requests: new PendingKeyRequests(), metrics: createKeydirMetrics(), self: () => signerA, protocol })
    await responder.start()
    try {
      assert.ok((await requester.request(b.node.peerId)).peerId.equals(b.node.peerId))
      await assert.rejects(requester.request(b.node.peerId), hasCode('ERR_REFUSED_BY_PEER'))
      const limited = (await responderMetrics.verificationFailures.get()).values.find(v => v.labels.reason === 'ERR_RATE_LIMITED')
      // Every attempt (the first and its retries) was refused unread.
      assert.ok((limited?.value ?? 0) >= 1)
    } finally {
      await responder.stop()
    }
  })
})

describe('the pending-request tables filled to their bounds', () => {
  let a: TestNode
  let hostile: HostileNode

  before(async () => {
    a = await startNode({ paths: { dht: false } })
    hostile = await startHostileNode([a.node.getMultiaddrs()[0].toString()])
    // A peer that reads every KeyRequest and never answers.
    await hostile.libp2p.unhandle(EXCHANGE_PROTOCOL)
    await hostile.libp2p.handle(EXCHANGE_PROTOCOL, async stream => {
      await pbStream(stream).read(KeyRequest).catch(() => {})
    })
  })

  after(async () => {
    await hostile.stop()
    await a.node.stop()
    await a.dir.remove()
  })

  it(`requests to one peer: at most ${MAX_PENDING_PER_PEER} in flight, the next refused: ERR_TOO_MANY_PENDING`, async () => {
    const crypto = selectPqCrypto()
    const metrics = createKeydirMetrics()
    const signer = await signerOf(a.node, a.dir.path)
    const exchange = new KeyExchange(exchangeComponents(libp2pOf(a.node)), { crypto, validator: new KeyRecordValidator({ crypto }), registry: a.node.registry, requests: new PendingKeyRequests(), metrics, self: () => signer })
    const stop = new AbortController()
    const pending = Array.from({ length: MAX_PENDING_PER_PEER }, async () => exchange.request(hostile.identity.peerId, { signal: stop.signal }).catch(err => err))
    await new Promise(resolve => setTimeout(resolve, 200))
    for (let i = 0; i < 5; i++) {
      await assert.rejects(exchange.request(hostile.identity.peerId), hasCode('ERR_TOO_MANY_PENDING', 'ExchangeError'))
    }
    const counted = (await metrics.verificationFailures.get()).values.find(v => v.labels.source === 'exchange' && v.labels.reason === 'ERR_TOO_MANY_PENDING')
    assert.equal(counted?.value, 5)
    // The table frees up when they end: a new request is taken (and ends on our signal).
    stop.abort()
    for (const result of await Promise.all(pending)) assert.ok(result instanceof Error)
    const next = new AbortController()
    const again = exchange.request(hostile.identity.peerId, { signal: next.signal })
    await new Promise(resolve => setTimeout(resolve, 100))
    next.abort()
    await assert.rejects(again, (err: any) => err?.code !== 'ERR_TOO_MANY_PENDING')
    assert.equal(await a.node.registry.get(hostile.identity.peerId), undefined)
  })

  it(`the registry's table of key requests stays at ${MAX_PENDING_REQUESTS} under a flood of new peers, and frees up as they expire`, async () => {
    const f = await openFixture()
    try {
      const peers = await Promise.all(Array.from({ length: 3 * MAX_PENDING_REQUESTS }, async () => peerIdFromPrivateKey(await generateKeyPair('Ed25519'))))
      let taken = 0
      for (const peer of peers) {
        if (await f.registry.requestKeysIfNeeded(peer)) taken++
        assert.ok(f.registry.pendingRequestCount() <= MAX_PENDING_REQUESTS)
      }
      assert.equal(taken, MAX_PENDING_REQUESTS)
      assert.equal(await f.registry.requestKeysIfNeeded(peers[0]), false, 'a pending request is not sent twice')
      f.clock.advance(30_000)
      assert.equal(f.registry.cleanupExpiredRequests(), MAX_PENDING_REQUESTS)
      assert.equal(f.registry.pendingRequestCount(), 0)
      assert.equal(await f.registry.requestKeysIfNeeded(peers[peers.length - 1]), true)
    } finally {
      await f.cleanup()
    }
  })
})
