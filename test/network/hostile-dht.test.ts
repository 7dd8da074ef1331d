import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { libp2pOf } from '../../src/node/index.js'
import { routingKeyFor } from '../../src/record/index.js'
import { counterValue, startNetwork, waitUntil } from '../helpers/network.js'
import { startStaleDhtNodes } from '../helpers/stale-dht-node.js'
import type { KeyRecord } from '../../src/record/index.js'
import type { TestNetwork, TestNode } from '../helpers/network.js'
import type { PeerId } from '@libp2p/interface'
import type { Placement } from '../helpers/stale-dht-node.js'

/**
 * Issue 21, part 4: a network where a fifth of the DHT nodes are hostile
 * (test/helpers/stale-dht-node.ts). They keep the victims' older, validly
 * signed records and serve them, answer routing queries with each other
 * only, and drop stores. Fresh nodes that never saw the victims resolve them
 * after their rotation through the DHT alone: they must get the rotated
 * record (its seq and ML-DSA-65 key), lookups of peers that did not rotate
 * must still succeed, and the hostile nodes' stale answers must show in the
 * fresh nodes' `keydir_verification_failures_total{source="dht",
 * reason="ERR_ROLLBACK"}`. Run with the hostile IDs at random and chosen near
 * the victims' routing keys.
 *
 * 24 honest keydir nodes (above K + 1 = 21, so that not every node stores
 * every record) and 6 hostile ones; the fresh nodes come on top.
 */

const HONEST = 24
const HOSTILE = 6
const VICTIMS = 3
const FRESH = 3
/** Peers that did not rotate, resolved by each fresh node. */
const OTHERS = 4

interface Outcome {
  fresh: number
  target: string
  /** The record resolved, or the error's code. */
  seq?: number
  current: boolean
  stale: boolean
  error?: string
}

async function resolveFrom (fresh: TestNode, index: number, target: TestNode, expected: KeyRecord, older: number | undefined): Promise<Outcome> {
  try {
    const keys = await fresh.node.resolve(target.node.peerId)
    const current = keys.seq === expected.seq && Buffer.from(keys.mlDsaPublicKey).equals(Buffer.from(expected.mlDsaPublicKey))
    return { fresh: index, target: target.node.peerId.toString(), seq: keys.seq, current, stale: older !== undefined && keys.seq <= older }
  } catch (err) {
    return { fresh: index, target: target.node.peerId.toString(), current: false, stale: false, error: (err as { code?: string }).code ?? (err as Error).message }
  }
}

async function hostileNetwork (net: TestNetwork, placement: Placement, victims: TestNode[], others: TestNode[]): Promise<void> {
  const hostile = await startStaleDhtNodes(HOSTILE, net.nodes.map(n => n.node.getMultiaddrs()[0].toString()), {
    placement,
    nearKeys: victims.map(v => routingKeyFor(v.node.peerId))
  })
  const fresh: TestNode[] = []
  try {
    // The hostile nodes are DHT nodes before the rotation: in the victims' routing tables, so that the victims'
    // puts reach them. Not necessarily all of them: a full k-bucket keeps its old contacts.
    await waitUntil(async () => {
      for (const v of victims) {
        const table = libp2pOf(v.node).services.dht.routingTable as unknown as { find (peer: PeerId): Promise<PeerId | undefined> }
        let known = 0
        for (const h of hostile.nodes) if (await table.find(h.peerId) !== undefined) known++
        if (known * 2 < HOSTILE) return false
      }
      return true
    }, 'the hostile nodes are in the victims\' routing tables', 30_000)
    const before = await Promise.all(victims.map(async v => v.node.publish()))
    await hostile.capture(victims.map(v => routingKeyFor(v.node.peerId)))
    // Setup: every hostile node holds every victim's pre-rotation record.
    for (const node of hostile.nodes) {
      victims.forEach((v, i) => {
        assert.equal(node.held(routingKeyFor(v.node.peerId))?.seq, BigInt(before[i].seq), 'the hostile node captured the victim\'s record')
      })
    }
    hostile.freeze()

    const rotated = await Promise.all(victims.map(async v => v.node.rotate()))
    const dropped = hostile.stats().putsDropped
    const own = await Promise.all(others.map(async o => (await o.node.resolve(o.node.peerId)).record))

    fresh.push(...await Promise.all(Array.from({ length: FRESH }, async () => net.add({ paths: { direct: false } }))))
    await waitUntil(async () => {
      const sizes = await Promise.all(fresh.map(async f => (await f.node.status()).dhtSize))
      return sizes.every(size => size >= K_FILLED)
    }, 'the fresh nodes\' routing tables filled')

    const served = hostile.stats().valuesServed
    const outcomes: Outcome[] = []
    const otherOutcomes: Outcome[] = []
    for (const [i, f] of fresh.entries()) {
      for (const [v, victim] of victims.entries()) outcomes.push(await resolveFrom(f, i, victim, rotated[v], before[v].seq))
      for (const [o, other] of others.entries()) otherOutcomes.push(await resolveFrom(f, i, other, own[o], undefined))
    }
    let noticed = 0
    for (const f of fresh) noticed += await counterValue(f.node, 'keydir_verification_failures_total', { source: 'dht', reason: 'ERR_ROLLBACK' })
    const stale = outcomes.filter(o => o.stale).length
    const failed = outcomes.filter(o => o.error !== undefined)
    console.log(`# ${placement} hostile IDs: ${stale} of ${outcomes.length} first contacts with rotated victims returned the pre-rotation record, ` +
      `${failed.length} failed (${failed.map(o => o.error).join(', ')}); other peers ${otherOutcomes.filter(o => o.current).length} of ${otherOutcomes.length} right; ` +
      `stale answers noticed (ERR_ROLLBACK, dht) ${noticed}; hostile GET_VALUE answers with a held record ${hostile.stats().valuesServed - served}, ` +
      `rotation PUTs dropped ${dropped}, FIND_NODE answers ${hostile.stats().findNodes}`)

    // The attack was exercised: the fresh nodes' lookups met the hostile nodes, which served their stale records.
    assert.ok(hostile.stats().valuesServed > served, 'the hostile nodes answered the fresh nodes\' lookups with their stale records')
    assert.ok(dropped > 0, 'the victims\' rotation puts reached hostile nodes, which dropped them')
    // What the defence must give: the rotated record for every first contact, other peers as before, the stale answers counted.
    assert.deepEqual(outcomes.filter(o => !o.current), [], 'every first contact with a rotated victim got the rotated record')
    assert.deepEqual(otherOutcomes.filter(o => !o.current), [], 'lookups of peers that did not rotate still succeed')
    assert.ok(noticed > 0, 'the hostile nodes\' stale answers were noticed (ERR_ROLLBACK from the DHT)')
  } finally {
    await hostile.stop()
    // The next placement's network is the honest one again, with a fifth hostile: these fresh nodes leave it.
    for (const f of fresh) {
      net.nodes.splice(net.nodes.indexOf(f), 1)
      await f.node.stop()
      await f.dir.remove()
    }
  }
}

/** A fresh node's routing table before it resolves: a few buckets' worth of the 30 DHT nodes it can learn of. */
const K_FILLED = 10

describe('a DHT where a fifth of the nodes serve stale records, answer routing with each other, and drop stores', { timeout: 180_000 }, () => {
  // One honest network for both placements, each with its own victims, other peers, hostile set and fresh nodes.
  let net: TestNetwork
  before(async () => { net = await startNetwork(HONEST) })
  after(async () => { await net?.stop() })
  const group = (i: number): { victims: TestNode[], others: TestNode[] } => {
    const first = 1 + i * (VICTIMS + OTHERS)
    return { victims: net.nodes.slice(first, first + VICTIMS), others: net.nodes.slice(first + VICTIMS, first + VICTIMS + OTHERS) }
  }

  it('hostile nodes with random IDs: fresh nodes get the rotated keys', async () => {
    const { victims, others } = group(0)
    await hostileNetwork(net, 'random', victims, others)
  })

  it('hostile nodes with IDs near their victims: fresh nodes get the rotated keys', async () => {
    const { victims, others } = group(1)
    await hostileNetwork(net, 'near', victims, others)
  })
})
