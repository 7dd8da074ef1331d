import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { DHT_PROTOCOL } from '../../src/dht/index.js'
import { EXCHANGE_PROTOCOL, MAX_INBOUND_STREAMS, MAX_MESSAGE_BYTES } from '../../src/exchange/index.js'
import { startHostileNode } from '../helpers/hostile-node.js'
import { counterValue, startNode } from '../helpers/network.js'
import { encodeVarint } from '../helpers/protobuf-wire.js'
import { streamEnd } from '../helpers/raw-stream.js'
import { libp2pOf } from '../../src/node/index.js'
import type { HostileNode } from '../helpers/hostile-node.js'
import type { TestNode } from '../helpers/network.js'
import type { RawExchange } from '../helpers/raw-stream.js'
import type { PeerId, Stream } from '@libp2p/interface'

/**
 * Resource bounds (docs/security.md, "Resource bounds"): one peer opens many
 * exchange and DHT streams and leaves them idle; others send a message
 * slowly, a byte at a time, never finishing it. The node holds at most
 * MAX_INBOUND_STREAMS exchange streams (kad-dht: 32) per connection, reads at
 * most MAX_MESSAGE_BYTES of any message, and its read timeouts close every
 * one of those streams; afterwards it answers honest peers as before.
 */

const KAD_MAX_INBOUND_STREAMS = 32
const IDLE_EXCHANGE_STREAMS = 40
const IDLE_DHT_STREAMS = 50

describe('many streams and slow, endless messages', () => {
  let node: TestNode
  let honest: TestNode
  let attackers: HostileNode[]

  before(async () => {
    node = await startNode({ paths: { dht: false } })
    honest = await startNode({ paths: { dht: false } })
    const at = node.node.getMultiaddrs()[0].toString()
    attackers = await Promise.all([startHostileNode([at]), startHostileNode([at]), startHostileNode([at])])
  })

  after(async () => {
    for (const a of attackers) await a.stop()
    for (const n of [node, honest]) { await n.node.stop(); await n.dir.remove() }
  })

  /** Inbound streams of `protocol` the node holds open from `peer`. */
  const openStreams = (peer: PeerId, protocol: string): number =>
    libp2pOf(node.node).getConnections(peer).flatMap(c => c.streams).filter(s => s.protocol === protocol && s.direction === 'inbound').length

  /** Open a stream and watch for its end; a stream refused at once counts as ended. */
  async function open (attacker: HostileNode, protocol: string): Promise<{ stream?: Stream, ended: Promise<RawExchange> }> {
    try {
      const stream = await attacker.libp2p.dialProtocol(node.node.peerId, protocol, { signal: AbortSignal.timeout(10_000) })
      return { stream, ended: streamEnd(stream, { timeoutMs: 60_000 }) }
    } catch {
      return { ended: Promise.resolve({ reply: new Uint8Array(0), reset: true }) }
    }
  }

  /** Send a length prefix claiming `claimed` bytes, then one byte every `everyMs` until the stream ends. */
  function dribble (stream: Stream, claimed: number, everyMs: number): () => number {
    let sent = 0
    stream.send(encodeVarint(claimed))
    const timer = setInterval(() => {
      try {
        if (stream.status !== 'open' || stream.writeStatus !== 'writable') { clearInterval(timer); return }
        stream.send(Uint8Array.of(0x0a))
        sent++
      } catch {
        clearInterval(timer)
      }
    }, everyMs)
    stream.addEventListener('close', () => { clearInterval(timer) })
    return () => sent
  }

  it('bounds open streams per connection and closes idle and slow ones on their timeouts', async () => {
    const [idler, slowExchange, slowDht] = attackers
    const failuresBefore = await counterValue(node.node, 'keydir_key_exchanges_total', { result: 'failure', role: 'responder' })
    let maxExchange = 0
    let maxDht = 0
    const sampler = setInterval(() => {
      maxExchange = Math.max(maxExchange, openStreams(idler.libp2p.peerId, EXCHANGE_PROTOCOL))
      maxDht = Math.max(maxDht, openStreams(idler.libp2p.peerId, DHT_PROTOCOL))
    }, 25)

    try {
      const idle = await Promise.all([
        ...Array.from({ length: IDLE_EXCHANGE_STREAMS }, async () => open(idler, EXCHANGE_PROTOCOL)),
        ...Array.from({ length: IDLE_DHT_STREAMS }, async () => open(idler, DHT_PROTOCOL))
      ])
      const slowA = await open(slowExchange, EXCHANGE_PROTOCOL)
      const slowB = await open(slowDht, DHT_PROTOCOL)
      assert.ok(slowA.stream !== undefined && slowB.stream !== undefined)
      const sentA = dribble(slowA.stream, MAX_MESSAGE_BYTES, 100)
      const sentB = dribble(slowB.stream, MAX_MESSAGE_BYTES, 100)

      // Every one of them is ended by the node, not by us.
      const ends = await Promise.all([...idle.map(async s => s.ended), slowA.ended, slowB.ended])
      assert.ok(ends.every(e => e.reset), 'a stream ended without a reset from the node')
      assert.ok(sentA() < MAX_MESSAGE_BYTES && sentB() < MAX_MESSAGE_BYTES, 'a slow message was allowed to finish')
      console.log(`# resources: at most ${maxExchange} exchange and ${maxDht} DHT streams held open from one peer ` +
        `(${IDLE_EXCHANGE_STREAMS} and ${IDLE_DHT_STREAMS} opened); slow messages cut after ${sentA()} and ${sentB()} of ${MAX_MESSAGE_BYTES} bytes`)
    } finally {
      clearInterval(sampler)
    }

    assert.ok(maxExchange <= MAX_INBOUND_STREAMS, `${maxExchange} exchange streams held open from one connection`)
    assert.ok(maxDht <= KAD_MAX_INBOUND_STREAMS, `${maxDht} DHT streams held open from one connection`)
    for (const a of attackers) {
      assert.equal(openStreams(a.libp2p.peerId, EXCHANGE_PROTOCOL), 0)
      assert.equal(openStreams(a.libp2p.peerId, DHT_PROTOCOL), 0)
    }
    assert.ok(await counterValue(node.node, 'keydir_key_exchanges_total', { result: 'failure', role: 'responder' }) > failuresBefore)

    // And the node still answers an honest peer.
    await libp2pOf(honest.node).dial(node.node.getMultiaddrs()[0])
    const keys = await honest.node.resolve(node.node.peerId)
    assert.equal(keys.source, 'direct')
  })
})
