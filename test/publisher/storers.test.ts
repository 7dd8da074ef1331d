import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { MAX_REMEMBERED_STORERS } from '../../src/publisher/constants.js'
import { RecordStorers } from '../../src/publisher/storers.js'
import { makeIdentity } from '../helpers/records.js'

describe('RecordStorers: the peers that stored the own record', () => {
  it('names the remembered storers a later put did not reach', async () => {
    const [a, b, c] = await Promise.all([makeIdentity(), makeIdentity(), makeIdentity()])
    const storers = new RecordStorers()
    storers.note({ targeted: 2, stored: 2, storers: [a.peerId, b.peerId] })
    assert.deepEqual(storers.missedBy({ targeted: 2, stored: 2, storers: [b.peerId, c.peerId] }).map(String), [a.peerId.toString()])
    storers.note({ targeted: 2, stored: 2, storers: [b.peerId, c.peerId] })
    assert.deepEqual(storers.missedBy({ targeted: 0, stored: 0, storers: [] }).map(String).sort(), [a, b, c].map(i => i.peerId.toString()).sort())
  })

  it(`remembers at most ${MAX_REMEMBERED_STORERS}, the most recent`, async () => {
    const storers = new RecordStorers()
    const peers = await Promise.all(Array.from({ length: MAX_REMEMBERED_STORERS + 5 }, async () => (await makeIdentity()).peerId))
    storers.note({ targeted: peers.length, stored: peers.length, storers: peers })
    const missed = storers.missedBy({ targeted: 0, stored: 0, storers: [] })
    assert.equal(missed.length, MAX_REMEMBERED_STORERS)
    assert.ok(!missed.some(peer => peer.equals(peers[0])), 'the oldest went first')
  })
})
