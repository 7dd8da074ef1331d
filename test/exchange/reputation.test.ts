import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { pbStream } from '@libp2p/utils'
import { KeyRequest } from '../../protobuf/key-exchange.js'
import { createKeyResponse, EXCHANGE_PROTOCOL, MAX_MESSAGE_BYTES } from '../../src/exchange/index.js'
import { createKeyDirectory, libp2pOf } from '../../src/node/index.js'
import { OUTCOME_WEIGHTS } from '../../src/reputation/index.js'
import { hostileRecord, startHostileNode, type HostileNode } from '../helpers/hostile-node.js'
import { counterValue, startNode, type TestNode } from '../helpers/network.js'
import type { KeyDirectory } from '../../src/node/index.js'

/**
 * The direct exchange notes each request's outcome in the requester's peer
 * scores (src/exchange/peer-outcome.ts); the scores outlive a restart.
 */
const outcomes = async (node: KeyDirectory, outcome: string): Promise<number> => counterValue(node, 'keydir_peer_outcomes_total', { outcome })
const rounded = (x: number): number => Math.round(x * 100) / 100

describe('peer scores from the direct exchange', () => {
  let a: TestNode
  let hostile: HostileNode

  before(async () => {
    a = await startNode({ paths: { dht: false } })
    hostile = await startHostileNode([a.node.getMultiaddrs()[0].toString()])
  })

  after(async () => {
    await hostile.stop()
    await a.node.stop()
    await a.dir.remove()
  })

  it('a valid answer counts for the peer, and the score is kept across a restart', async () => {
    const b = await startNode({ paths: { dht: false }, bootstrap: [a.node.getMultiaddrs()[0].toString()] })
    try {
      assert.equal(b.node.reputation.score(a.node.peerId), 0)
      await b.node.resolve(a.node.peerId)
      assert.equal(rounded(b.node.reputation.score(a.node.peerId)), OUTCOME_WEIGHTS.valid)
      assert.equal(await outcomes(b.node, 'valid'), 1)
      await b.node.stop()
      const again = await createKeyDirectory({ dataDir: b.dir.path, discoverOnConnect: false })
      try {
        assert.equal(rounded(again.reputation.score(a.node.peerId)), OUTCOME_WEIGHTS.valid)
      } finally {
        await again.stop()
      }
    } finally {
      await b.node.stop()
      await b.dir.remove()
    }
  })

  it('a forged answer counts as invalid', async () => {
    const record = await hostileRecord(hostile, { seq: 3 })
    await hostile.answerKeyRequests(async (request, remote) => {
      const response = await createKeyResponse({ peerId: hostile.identity.peerId, record, mlDsaSigner: hostile.identity.mlDsaSigner }, remote, request.nonce)
      response.signature[0] ^= 0xff
      return response
    })
    await libp2pOf(a.node).dial(hostile.libp2p.peerId)
    const before = await outcomes(a.node, 'invalid')
    await assert.rejects(a.node.resolve(hostile.identity.peerId))
    assert.equal(await outcomes(a.node, 'invalid'), before + 1)
    assert.equal(rounded(a.node.reputation.score(hostile.identity.peerId)), OUTCOME_WEIGHTS.invalid)
    // One forged answer is not yet enough to skip the peer; a second is.
    assert.equal(a.node.reputation.isBelowThreshold(hostile.identity.peerId), false)
    await assert.rejects(a.node.resolve(hostile.identity.peerId, { refresh: true }))
    assert.equal(a.node.reputation.isBelowThreshold(hostile.identity.peerId), true)
    assert.equal((await a.node.status()).reputation.belowThreshold, 1)
  })

  it('an answer with an expired record counts as stale', async () => {
    const expired = await hostileRecord(hostile, { seq: 4, issuedAt: Date.now() - 2 * 60 * 60_000, lifetimeMs: 60 * 60_000 })
    await hostile.answerKeyRequests(async (request, remote) =>
      await createKeyResponse({ peerId: hostile.identity.peerId, record: expired, mlDsaSigner: hostile.identity.mlDsaSigner }, remote, request.nonce))
    const before = await outcomes(a.node, 'stale')
    await assert.rejects(libp2pOf(a.node).services.keyExchange.request(hostile.identity.peerId))
    assert.equal(await outcomes(a.node, 'stale'), before + 1)
  })

  it('a peer that resets the stream counts as refused', async () => {
    await hostile.libp2p.unhandle(EXCHANGE_PROTOCOL)
    await hostile.libp2p.handle(EXCHANGE_PROTOCOL, async stream => {
      await pbStream(stream, { maxDataLength: MAX_MESSAGE_BYTES }).read(KeyRequest)
      stream.abort(new Error('refused'))
    })
    const before = await outcomes(a.node, 'refused')
    await assert.rejects(libp2pOf(a.node).services.keyExchange.request(hostile.identity.peerId), { code: 'ERR_REFUSED_BY_PEER' })
    assert.equal(await outcomes(a.node, 'refused'), before + 1)
  })

  it('a peer that cannot be reached counts as a timeout', async () => {
    const c = await startNode({ paths: { dht: false } })
    await libp2pOf(a.node).dial(c.node.getMultiaddrs()[0])
    await c.node.stop()
    await c.dir.remove()
    const before = await outcomes(a.node, 'timeout')
    await assert.rejects(libp2pOf(a.node).services.keyExchange.request(c.node.peerId))
    assert.equal(await outcomes(a.node, 'timeout'), before + 1)
    assert.equal(rounded(a.node.reputation.score(c.node.peerId)), OUTCOME_WEIGHTS.timeout)
  })

  it('a request the caller gave up on notes nothing', async () => {
    await hostile.answerKeyRequests(async () => await new Promise(() => {}))
    const total = async (): Promise<number> => counterValue(a.node, 'keydir_peer_outcomes_total')
    const before = await total()
    const scoreBefore = a.node.reputation.score(hostile.identity.peerId)
    await assert.rejects(libp2pOf(a.node).services.keyExchange.request(hostile.identity.peerId, { signal: AbortSignal.timeout(300) }))
    assert.equal(await total(), before)
    assert.equal(rounded(a.node.reputation.score(hostile.identity.peerId)), rounded(scoreBefore))
  })
})
