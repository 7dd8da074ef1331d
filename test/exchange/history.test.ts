import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { pbStream } from '@libp2p/utils'
import { HistoryRequest, HistoryResponse } from '../../protobuf/key-history.js'
import { fingerprint } from '../../src/crypto/index.js'
import {
  createHistoryRequest, createHistoryResponse, HISTORY_PROTOCOL, MAX_HISTORY_REQUEST_BYTES, MAX_HISTORY_RESPONSE_BYTES, RATE_LIMIT_REQUESTS, RATE_LIMIT_WINDOW_S
} from '../../src/exchange/index.js'
import { libp2pOf } from '../../src/node/index.js'
import { assertCounted, hasCode, refusals } from '../helpers/attacks.js'
import { startNode } from '../helpers/network.js'
import { framed, sendRaw } from '../helpers/raw-stream.js'
import type { KeyHistory } from '../../src/exchange/index.js'
import type { RotationLink } from '../../src/record/index.js'
import type { TestNode } from '../helpers/network.js'
import type { Stream } from '@libp2p/interface'

/**
 * The key history service (`/numi/keyhist/1.0.0`) between running nodes
 * over TCP: h rotated four times and answers from its identity; r asks.
 * Then h turns hostile (its handler swapped for one that sends crafted
 * answers) and r refuses each, counted `{source="history"}`; and h refuses
 * bad requests, counted on h.
 */

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex')

describe('key history service', () => {
  let h: TestNode
  let r: TestNode
  let c: TestNode
  /** h's ML-DSA-65 keys K0 … K4. */
  const keys: Uint8Array[] = []
  /** h's hand-overs, newest first, as its identity keeps them. */
  let handOvers: RotationLink[]
  const history = (node: TestNode): KeyHistory => libp2pOf(node.node).services.keyHistory

  before(async () => {
    h = await startNode({ paths: { dht: false } })
    r = await startNode({ paths: { dht: false }, bootstrap: [h.node.getMultiaddrs()[0].toString()] })
    c = await startNode({ paths: { dht: false }, bootstrap: [h.node.getMultiaddrs()[0].toString()] })
    keys.push((await h.node.resolve(h.node.peerId)).mlDsaPublicKey)
    for (let i = 0; i < 4; i++) keys.push((await h.node.rotate()).mlDsaPublicKey)
    handOvers = libp2pOf(h.node).services.publisher.handOvers()
  })

  after(async () => {
    for (const n of [h, r, c]) { await n.node.stop(); await n.dir.remove() }
  })

  it('the publisher keeps every hand-over, newest first', () => {
    assert.equal(handOvers.length, 4)
    handOvers.forEach((link, i) => {
      assert.equal(hex(link.mlDsaPublicKey), hex(keys[4 - i]))
      assert.equal(hex(link.previousFingerprint), hex(fingerprint(keys[3 - i])))
    })
  })

  it('answers the run asked for, which the requester checks from the pinned key', async () => {
    const links = await history(r).fetchHistory(h.node.peerId, fingerprint(keys[0]), fingerprint(keys[2]), { fromKey: keys[0] })
    assert.deepEqual(links.map(link => hex(link.mlDsaPublicKey)), [keys[2], keys[1]].map(hex))
    const one = await history(r).fetchHistory(h.node.peerId, fingerprint(keys[2]), fingerprint(keys[3]))
    assert.deepEqual(one.map(link => hex(link.mlDsaPublicKey)), [hex(keys[3])])
  })

  it('answers nothing for a key it never held', async () => {
    assert.deepEqual(await history(r).fetchHistory(h.node.peerId, new Uint8Array(32).fill(7), fingerprint(keys[2])), [])
  })

  it('refuses a request addressed to another peer, or one over its size cap, counted on the responder', async () => {
    const misaddressed = HistoryRequest.encode(createHistoryRequest(r.node.peerId, { from: fingerprint(keys[0]), to: fingerprint(keys[2]) }))
    await assertCounted(h.node, 'history', 'ERR_WRONG_RESPONDER', async () => {
      assert.equal((await sendRaw(libp2pOf(r.node), h.node.peerId, HISTORY_PROTOCOL, framed(misaddressed))).reset, true)
    }, 1)
    await assertCounted(h.node, 'history', 'ERR_BAD_FINGERPRINT', async () => {
      const short = HistoryRequest.encode({ ...createHistoryRequest(h.node.peerId, { from: fingerprint(keys[0]), to: fingerprint(keys[2]) }), toFingerprint: new Uint8Array(31) })
      assert.equal((await sendRaw(libp2pOf(r.node), h.node.peerId, HISTORY_PROTOCOL, framed(short))).reset, true)
    }, 1)
    await assertCounted(h.node, 'history', 'ERR_MESSAGE_TOO_LARGE', async () => {
      assert.equal((await sendRaw(libp2pOf(r.node), h.node.peerId, HISTORY_PROTOCOL, framed(new Uint8Array(MAX_HISTORY_REQUEST_BYTES + 1)))).reset, true)
    }, 1)
  })

  it(`a flood of requests from one peer: past ${RATE_LIMIT_REQUESTS} in ${RATE_LIMIT_WINDOW_S} s, ERR_RATE_LIMITED`, async () => {
    const before = await refusals(h.node, 'history', 'ERR_RATE_LIMITED')
    let answered = 0
    for (let i = 0; i < RATE_LIMIT_REQUESTS + 3; i++) {
      try {
        await history(c).fetchHistory(h.node.peerId, fingerprint(keys[0]), fingerprint(keys[1]))
        answered++
      } catch (err) {
        hasCode('ERR_REFUSED_BY_PEER', 'ExchangeError')(err)
      }
    }
    assert.ok(answered <= RATE_LIMIT_REQUESTS, `${answered} answered`)
    assert.ok(await refusals(h.node, 'history', 'ERR_RATE_LIMITED') - before >= 3)
    // A refusal by the peer is not the requester's verification failure.
    assert.equal(await refusals(c.node, 'history', 'ERR_REFUSED_BY_PEER'), 0)
  })

  describe('a hostile responder: refused and counted by the requester', () => {
    let answer: (request: HistoryRequest) => Uint8Array

    before(async () => {
      await history(h).stop()
      await libp2pOf(h.node).handle(HISTORY_PROTOCOL, async (stream: Stream) => {
        const pb = pbStream(stream, { maxDataLength: MAX_HISTORY_REQUEST_BYTES })
        const request = await pb.read(HistoryRequest)
        stream.send(answer(request))
        await stream.close()
      })
    })

    after(async () => {
      await libp2pOf(h.node).unhandle(HISTORY_PROTOCOL)
      await history(h).start()
    })

    const respondWith = (links: RotationLink[]) => (): Uint8Array => framed(HistoryResponse.encode(createHistoryResponse(links)))
    const fetch = async (): Promise<RotationLink[]> => history(r).fetchHistory(h.node.peerId, fingerprint(keys[0]), fingerprint(keys[2]), { fromKey: keys[0] })

    it('a forged link: ERR_BAD_HISTORY_SIGNATURE', async () => {
      const forged = { ...handOvers[3], signature: handOvers[3].signature.slice() }
      forged.signature[5] ^= 1
      answer = respondWith([handOvers[2], forged])
      await assertCounted(r.node, 'history', 'ERR_BAD_HISTORY_SIGNATURE', async () => { await assert.rejects(fetch(), hasCode('ERR_BAD_HISTORY_SIGNATURE', 'ExchangeError')) }, 1)
    })

    it('links out of order, or another run than asked: ERR_BROKEN_CHAIN', async () => {
      answer = respondWith([handOvers[3], handOvers[2]])
      await assertCounted(r.node, 'history', 'ERR_BROKEN_CHAIN', async () => { await assert.rejects(fetch(), hasCode('ERR_BROKEN_CHAIN', 'ExchangeError')) }, 1)
      answer = respondWith([handOvers[1], handOvers[2], handOvers[3]])
      await assertCounted(r.node, 'history', 'ERR_BROKEN_CHAIN', async () => { await assert.rejects(fetch(), hasCode('ERR_BROKEN_CHAIN', 'ExchangeError')) }, 1)
    })

    it('an answer over 340 KiB: ERR_MESSAGE_TOO_LARGE on its length prefix; bytes that are no answer: ERR_MESSAGE_MALFORMED', async () => {
      answer = () => framed(new Uint8Array(16), MAX_HISTORY_RESPONSE_BYTES + 1)
      await assertCounted(r.node, 'history', 'ERR_MESSAGE_TOO_LARGE', async () => { await assert.rejects(fetch(), hasCode('ERR_MESSAGE_TOO_LARGE', 'ExchangeError')) }, 1)
      answer = () => framed(Uint8Array.of(0x0a, 0xff, 0xff, 0xff, 0x01))
      await assertCounted(r.node, 'history', 'ERR_MESSAGE_MALFORMED', async () => { await assert.rejects(fetch(), hasCode('ERR_MESSAGE_MALFORMED', 'ExchangeError')) }, 1)
    })
  })

  it('a peer that cannot be reached: a network error, not a verification failure', async () => {
    await c.node.stop()
    const counted = await refusals(r.node, 'history', 'ERR_UNEXPECTED')
    await assert.rejects(history(r).fetchHistory(c.node.peerId, fingerprint(keys[0]), fingerprint(keys[2]), { signal: AbortSignal.timeout(5_000) }),
      (err: any) => err?.name !== 'ExchangeError')
    assert.equal(await refusals(r.node, 'history', 'ERR_UNEXPECTED'), counted)
  })
})
