import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { HopCount } from '../../bench/lib/hops.js'
import { makeIdentity } from '../helpers/records.js'
import type { PeerId } from '@libp2p/interface'

async function peers (n: number): Promise<PeerId[]> {
  return Promise.all(Array.from({ length: n }, async () => (await makeIdentity()).peerId))
}

describe('bench hop count', () => {
  it('counts a peer from the routing table as hop 1 and one named by a hop-h answer as h + 1, first naming kept', async () => {
    const [a, b, c, d] = await peers(4)
    const hops = new HopCount()
    assert.equal(hops.summary(), undefined, 'no one asked')
    hops.asked(a)
    hops.answered(a, [{ id: b }], false)
    hops.asked(b)
    // c is named by b (hop 2) first, then by a (hop 1): it stays at hop 3.
    hops.answered(b, [{ id: c }], false)
    hops.answered(a, [{ id: c }, { id: d }], false)
    hops.asked(c)
    hops.answered(c, [], true)
    hops.asked(d)
    hops.answered(d, [], true)
    assert.deepEqual(hops.summary(), { firstRecord: 3, deepestAsked: 3 })
  })

  it('keeps the hop of the first answer with a record, not a later shallower one', async () => {
    const [a, b] = await peers(2)
    const hops = new HopCount()
    hops.asked(a)
    hops.answered(a, [{ id: b }], false)
    hops.asked(b)
    hops.answered(b, [], true)
    hops.answered(a, [], true)
    assert.deepEqual(hops.summary(), { firstRecord: 2, deepestAsked: 2 })
  })
})
