import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { libp2pOf } from '../../src/node/index.js'
import { mlDsaPeerIdString, mlDsaRoutingKey } from '../../src/record/index.js'
import { dhtPut } from '../helpers/kad-wire.js'
import { counterValue, startNetwork, waitUntil } from '../helpers/network.js'
import { makeIdentity } from '../helpers/records.js'
import { startStaleDhtNode } from '../helpers/stale-dht-node.js'
import type { TestNetwork, TestNode } from '../helpers/network.js'
import type { PeerId } from '@libp2p/interface'

/**
 * The bridge to ML-DSA PeerIds over real TCP on loopback (issue 24): nodes
 * with the direct path off find a peer by the ML-DSA PeerId of its key
 * through the DHT alone, follow it across a rotation, and refuse a hostile
 * DHT node's answer under that key that is another peer's record.
 */

const SIZE = 5

describe('resolving by ML-DSA PeerId over the DHT', { timeout: 120_000 }, () => {
  let net: TestNetwork
  let a: TestNode
  let b: TestNode
  before(async () => {
    net = await startNetwork(SIZE)
    a = net.nodes[1]
    b = await net.add({ paths: { direct: false } })
    await waitUntil(async () => (await b.node.status()).dhtSize >= SIZE - 1, 'B\'s routing table filled')
  })
  after(async () => { await net?.stop() })

  it('B, with the direct path off, resolves A by its ML-DSA PeerId: A\'s keys, both PeerIds, asked as mlDsaPeerId', async () => {
    const own = await a.node.resolve(a.node.peerId)
    const keys = await b.node.resolve(own.mlDsaPeerId)
    assert.equal(keys.peerId.toString(), a.node.peerId.toString())
    assert.equal(keys.mlDsaPeerId, own.mlDsaPeerId)
    assert.deepEqual(keys.mlDsaPublicKey, own.mlDsaPublicKey)
    assert.equal(keys.asked, 'mlDsaPeerId')
    assert.equal(keys.source, 'dht')
    // By its libp2p PeerId the answer carries the ML-DSA PeerId too.
    const byPeerId = await b.node.resolve(a.node.peerId)
    assert.equal(byPeerId.mlDsaPeerId, own.mlDsaPeerId)
    assert.equal(byPeerId.asked, 'peerId')
  })

  it('after A rotates, its old ML-DSA PeerId still resolves to the current keys through the chain: from B\'s index, and for a node that never saw A', async () => {
    const before = await a.node.resolve(a.node.peerId)
    const rotated = await a.node.rotate()
    const fromIndex = await b.node.resolve(before.mlDsaPeerId, { refresh: true })
    assert.deepEqual(fromIndex.mlDsaPublicKey, rotated.mlDsaPublicKey)
    assert.equal(fromIndex.asked, 'previousMlDsaPeerId')
    assert.equal(fromIndex.previousMlDsaPeerId, before.mlDsaPeerId)
    assert.equal(fromIndex.mlDsaPeerId, mlDsaPeerIdString(rotated.mlDsaPublicKey))

    const fresh = await net.add({ paths: { direct: false } })
    await waitUntil(async () => (await fresh.node.status()).dhtSize >= SIZE - 1, 'the fresh node\'s routing table filled')
    const fromDht = await fresh.node.resolve(before.mlDsaPeerId)
    assert.deepEqual(fromDht.mlDsaPublicKey, rotated.mlDsaPublicKey)
    assert.equal(fromDht.asked, 'previousMlDsaPeerId')
    // And the new ML-DSA PeerId is the current one.
    assert.equal((await fresh.node.resolve(fromDht.mlDsaPeerId)).asked, 'mlDsaPeerId')
  })

  it('a hostile DHT node\'s answer under an ML-DSA PeerId\'s key that is another peer\'s record is refused, counted, never served', async () => {
    const hostile = await startStaleDhtNode(net.nodes.slice(0, SIZE).map(n => n.node.getMultiaddrs()[0].toString()))
    try {
      const c = net.nodes[2]
      const recordOfC = (await c.node.resolve(c.node.peerId)).record
      const aKeys = await a.node.resolve(a.node.peerId)
      // A key nobody published: the hostile node is the only one with anything under it. And A's own key, which honest nodes hold.
      const ghostKey = (await makeIdentity()).mlDsaSigner.publicKey
      const ghost = mlDsaPeerIdString(ghostKey)
      const from = libp2pOf(net.nodes[0].node)
      // By address: the hostile node's own bootstrap dials may not have reached node 0 yet (it would know no address to dial).
      await from.dial(hostile.libp2p.getMultiaddrs()[0])
      assert.ok(await dhtPut(from, hostile.peerId, mlDsaRoutingKey(ghostKey), recordOfC.bytes), 'the hostile node took C\'s record under the ghost key')
      assert.ok(await dhtPut(from, hostile.peerId, mlDsaRoutingKey(aKeys.mlDsaPublicKey), recordOfC.bytes), 'the hostile node took C\'s record under A\'s key')
      hostile.freeze()

      const victim = await net.add({ paths: { direct: false } })
      await waitUntil(async () => await knows(victim, hostile.peerId), 'the hostile node is in the resolving node\'s routing table')
      const served = hostile.stats.valuesServed
      await assert.rejects(victim.node.resolve(ghost), { code: 'ERR_UNKNOWN_ML_DSA_PEER_ID' })
      const keys = await victim.node.resolve(aKeys.mlDsaPeerId)
      assert.equal(keys.peerId.toString(), a.node.peerId.toString(), 'A\'s ML-DSA PeerId resolved to A, never to C')
      assert.ok(hostile.stats.valuesServed > served, 'the hostile node answered with C\'s record')
      assert.ok(await counterValue(victim.node, 'keydir_verification_failures_total', { source: 'dht', reason: 'ERR_PEER_ID_MISMATCH' }) > 0, 'the answer was refused and counted')
      assert.equal(await victim.node.registry.get(c.node.peerId), undefined, 'C was not stored from the hostile answer')
    } finally {
      await hostile.stop()
    }
  })
})

async function knows (node: TestNode, peer: PeerId): Promise<boolean> {
  const table = libp2pOf(node.node).services.dht.routingTable as unknown as { find (peer: PeerId): Promise<PeerId | undefined> }
  return await table.find(peer) !== undefined
}
