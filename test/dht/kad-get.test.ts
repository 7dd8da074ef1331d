import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { multiaddr } from '@multiformats/multiaddr'
import { equals as uint8ArrayEquals } from 'uint8arrays/equals'
import { DHT_PROTOCOL, kadGet, MalformedAnswer } from '../../src/dht/index.js'
import { dhtPeerInfoMapper } from '../../src/node/libp2p.js'
import { routingKeyFor } from '../../src/record/index.js'
import { startGarbageDhtNode } from '../helpers/garbage-dht-node.js'
import { startPermissiveNode } from '../helpers/hostile-node.js'
import { startNetwork } from '../helpers/network.js'
import type { GarbageDhtNode } from '../helpers/garbage-dht-node.js'
import type { PermissiveNode } from '../helpers/hostile-node.js'
import type { TestNetwork } from '../helpers/network.js'
import type { AskPeer } from '../../src/dht/index.js'

/**
 * One GET_VALUE over real TCP, as keydir's lookup sends it: a keydir node's
 * answer holds the record and closer peers with their addresses; a garbage
 * node's answers are refused as malformed or stripped of what does not
 * parse, never thrown as anything else.
 */
describe('kadGet: one GET_VALUE to one peer', () => {
  let net: TestNetwork
  let asker: PermissiveNode
  let garbage: GarbageDhtNode
  let ask: AskPeer

  before(async () => {
    net = await startNetwork(3, { paths: { direct: false } })
    asker = await startPermissiveNode('keydir-kad-get-')
    garbage = await startGarbageDhtNode([net.anchor.node.getMultiaddrs()[0].toString()])
    ask = kadGet({ libp2p: asker.libp2p, protocol: DHT_PROTOCOL, peerInfoMapper: dhtPeerInfoMapper(true) })
  })

  after(async () => {
    await garbage.stop()
    await asker.stop()
    await net.stop()
  })

  it('a keydir node answers with the record it holds and closer peers it can name, at their addresses', async () => {
    const [holder, subject] = [net.nodes[0].node, net.nodes[1].node]
    const record = (await subject.resolve(subject.peerId)).record
    const answer = await ask({ id: holder.peerId, multiaddrs: holder.getMultiaddrs().map(a => multiaddr(a.toString())) }, routingKeyFor(subject.peerId), { signal: AbortSignal.timeout(10_000) })
    assert.ok(answer.value !== undefined && uint8ArrayEquals(answer.value, record.bytes), 'the holder serves the subject\'s record')
    assert.ok(answer.closer.length > 0, 'it names closer peers')
    assert.ok(answer.closer.every(peer => peer.multiaddrs.length > 0), 'each with an address to dial')
  })

  it('a garbage node\'s answers are malformed, or carry nothing that parses; never another error', async () => {
    const key = routingKeyFor(net.nodes[1].node.peerId)
    const peer = { id: garbage.peerId, multiaddrs: [multiaddr(garbage.multiaddr)] }
    const outcomes: string[] = []
    for (let i = 0; i < 7; i++) {
      try {
        const answer = await ask(peer, key, { signal: AbortSignal.timeout(10_000) })
        assert.equal(answer.closer.length, 0, 'bogus closer peers are dropped')
        outcomes.push(answer.value === undefined ? 'empty' : 'value')
      } catch (err) {
        assert.ok(err instanceof MalformedAnswer, `${(err as Error).name}: ${(err as Error).message}`)
        outcomes.push('malformed')
      }
    }
    // noise, bad-length, wrong-key, broken-record: malformed; random-value: a value (the /pqk/ check refuses it); bogus-closer-peers, empty: nothing
    assert.deepEqual(outcomes.sort(), ['empty', 'empty', 'malformed', 'malformed', 'malformed', 'malformed', 'value'])
  })
})
