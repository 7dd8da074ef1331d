import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { startNetwork } from '../helpers/network.js'
import type { ResolveProgressEvents } from '../../src/index.js'
import type { PeerId } from '@libp2p/interface'
import type { TestNetwork } from '../helpers/network.js'

describe('twenty nodes joined through one anchor, DHT only', () => {
  let net: TestNetwork

  before(async () => {
    net = await startNetwork(20, { paths: { direct: false } })
  })

  after(async () => {
    await net.stop()
  })

  it('every node resolves every other with the right keys', async () => {
    const expected = new Map(await Promise.all(net.nodes.map(async ({ node }) => {
      const own = await node.resolve(node.peerId)
      return [node.peerId.toString(), own] as const
    })))
    let resolved = 0
    for (const { node } of net.nodes) {
      const results = await Promise.all(net.nodes
        .filter(other => !other.node.peerId.equals(node.peerId))
        .map(async other => node.resolve(other.node.peerId)))
      for (const keys of results) {
        const own = expected.get(keys.peerId.toString())!
        assert.deepEqual(keys.mlDsaPublicKey, own.mlDsaPublicKey)
        assert.deepEqual(keys.mlKemPublicKey, own.mlKemPublicKey)
        assert.ok(keys.source === 'dht', `resolved through ${keys.source}`)
        resolved++
      }
    }
    assert.equal(resolved, 20 * 19)
  })

  it('a second resolve is answered by the registry', async () => {
    const [a, b] = net.nodes
    const keys = await a.node.resolve(b.node.peerId.toString())
    assert.equal(keys.source, 'registry')
    assert.equal(keys.trust, keys.trust === 'anchor' ? 'anchor' : 'dht')
  })

  it('concurrent resolves of one peer share one DHT lookup', async () => {
    const fresh = await net.add()
    const target = net.nodes[7].node.peerId
    const lookups = async (): Promise<number> => {
      const { values } = await fresh.node.metrics.dhtResolveSeconds.get()
      return values.filter(v => v.metricName === 'keydir_dht_resolve_seconds_count').reduce((sum, v) => sum + v.value, 0)
    }
    const before = await lookups()
    const results = await Promise.all(Array.from({ length: 10 }, async () => fresh.node.resolve(target)))
    assert.ok(results.every(keys => keys.peerId.equals(target)))
    assert.equal(await lookups(), before + 1)
  })

  it('a first contact reports its path and its answers over real connections', async () => {
    // No exchange on connect: a peer met while joining would be pinned, and its lookup a refresh (no quorum).
    const fresh = await net.add({ discoverOnConnect: false })
    let target: PeerId | undefined
    for (const { node } of net.nodes.slice(1)) {
      if (!node.peerId.equals(fresh.node.peerId) && !await fresh.node.registry.holds(node.peerId)) {
        target = node.peerId
        break
      }
    }
    assert.ok(target !== undefined, 'a peer the fresh node has not met: its resolve is a first contact')
    const events: ResolveProgressEvents[] = []
    const keys = await fresh.node.resolve(target, { onProgress: event => { events.push(event) } })
    assert.equal(keys.source, 'dht')
    const [path] = events
    assert.ok(path.type === 'keydir:resolve:path' && path.detail.path === 'dht' && path.detail.peer.equals(target), 'the DHT path starts first, for the PeerId asked')
    const records = events.filter(e => e.type === 'keydir:dht:answer' && e.detail.result === 'record' && !e.detail.own)
    assert.ok(records.length >= 1, 'valid answers from other nodes are heard')
    // A node outside the K that the target's last put reached may still hold its start-up record: older, never newer.
    for (const e of records) {
      assert.ok(e.type === 'keydir:dht:answer' && e.detail.seq !== undefined && e.detail.seq <= keys.seq, `a record of seq ${(e.detail as { seq?: number }).seq}, the best ${keys.seq}`)
      assert.ok(net.nodes.some(n => n.node.peerId.equals(e.detail.from)), 'from a node of the network')
    }
    // The quorum is reached even from a routing table of one or two peers (a walk short of it asks the peers it was named),
    // and reported once, after three valid answers from other nodes.
    const quorums = events.flatMap((e, i) => e.type === 'keydir:dht:quorum' ? [i] : [])
    assert.equal(quorums.length, 1, `one quorum; heard ${records.length} valid answers`)
    const before = events.slice(0, quorums[0]).filter(e => e.type === 'keydir:dht:answer' && e.detail.result === 'record' && !e.detail.own)
    assert.ok(before.length >= 3, `three valid answers before the quorum, heard ${before.length}`)
    assert.ok(!events.some(e => e.type === 'keydir:dht:answer' && (e.detail.result === 'refused' || e.detail.result === 'outdated')), 'an honest network answers with nothing refused')
  })

  it('a node resolves itself with trust self', async () => {
    const { node } = net.nodes[3]
    const keys = await node.resolve(node.peerId)
    assert.equal(keys.trust, 'self')
  })

  it('fails with ERR_NOT_FOUND for a peer nobody published, and ERR_BAD_PEER_ID for garbage', async () => {
    const { node } = net.nodes[1]
    const stranger = (await import('../helpers/records.js')).makeIdentity
    const { peerId } = await stranger()
    await assert.rejects(node.resolve(peerId), (err: any) => err.code === 'ERR_NOT_FOUND')
    await assert.rejects(node.resolve('not-a-peer-id'), (err: any) => err.code === 'ERR_BAD_PEER_ID')
  })
})
