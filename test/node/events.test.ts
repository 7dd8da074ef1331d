import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { counterValue, startNetwork } from '../helpers/network.js'
import type { KeyChangeDetail, KeyDirectory } from '../../src/node/index.js'
import type { PeerId } from '@libp2p/interface'

/** Every key-change a node dispatches from now on. */
function recordChanges (node: KeyDirectory): KeyChangeDetail[] {
  const seen: KeyChangeDetail[] = []
  node.addEventListener('key-change', evt => { seen.push(evt.detail) })
  return seen
}

/** The event follows the registry's write, which a resolve does not wait for. */
async function eventually (check: () => void, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    try {
      check()
      return
    } catch (err) {
      if (Date.now() > deadline) throw err
      await new Promise(resolve => setTimeout(resolve, 10))
    }
  }
}

const about = (changes: KeyChangeDetail[], peer: PeerId): Array<[string, number]> =>
  changes.filter(c => c.peerId.equals(peer)).map(c => [c.change, c.seq])

/**
 * key-change events over real TCP on loopback: three nodes (an anchor and
 * two peers joined through it), B learning A's keys and following A's
 * rotation.
 */
describe('KeyDirectory key-change events', () => {
  it('B resolving A is new, A rotating is rotated, a re-store or a republish is nothing', async () => {
    const net = await startNetwork(3)
    try {
      const [, a, b] = net.nodes
      const atB = recordChanges(b.node)
      const atA = recordChanges(a.node)

      const first = await b.node.resolve(a.node.peerId)
      await eventually(() => { assert.deepEqual(about(atB, a.node.peerId), [['new', first.seq]]) })
      const detail = atB.find(c => c.peerId.equals(a.node.peerId))
      assert.equal(typeof detail?.peerId.toMultihash, 'function', 'peerId is a PeerId object')

      // The same record again (from the DHT, skipping the registry): no change.
      await b.node.resolve(a.node.peerId, { refresh: true })
      // A republish: a higher seq under the same key is no change either.
      const republished = await a.node.publish()
      const again = await b.node.resolve(a.node.peerId, { refresh: true })
      assert.ok(again.seq === republished.seq || again.seq === first.seq)
      // Whatever B stored has landed once its registry answers from disk for the peer (get waits for the peer's lock).
      await b.node.registry.getPin(a.node.peerId)
      assert.deepEqual(about(atB, a.node.peerId), [['new', first.seq]])

      const rotated = await a.node.rotate()
      // A's own registry follows its rotation too.
      assert.deepEqual(about(atA, a.node.peerId), [['rotated', rotated.seq]])
      const followed = await b.node.resolve(a.node.peerId, { refresh: true })
      assert.deepEqual(followed.mlDsaPublicKey, rotated.mlDsaPublicKey)
      await eventually(() => { assert.deepEqual(about(atB, a.node.peerId), [['new', first.seq], ['rotated', rotated.seq]]) })

      assert.equal(await counterValue(b.node, 'keydir_key_changes_total', { change: 'rotated' }), 1)
      assert.ok(await counterValue(b.node, 'keydir_key_changes_total', { change: 'new' }) >= 1)
      const metric = await b.node.metrics.registry.getSingleMetric('keydir_key_changes_total')?.get()
      assert.deepEqual(metric?.values.map(v => v.labels.change).sort(), ['equivocated', 'new', 'revoked', 'rotated'])
      assert.equal(await counterValue(b.node, 'keydir_key_changes_total', { change: 'revoked' }), 0)

      let stops = 0
      b.node.addEventListener('stop', evt => { stops++; assert.equal(evt.detail, b.node) })
      await b.node.stop()
      await b.node.stop()
      assert.equal(stops, 1)
    } finally {
      await net.stop()
    }
  })
})
