import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { makeIdentity, makeRecord, rotateIdentity } from '../helpers/records.js'
import { openFixture } from './fixture.js'

describe('PeerKeyRegistry: concurrent calls', () => {
  it('ends with the higher seq whichever store runs first, and the pin never goes back', async () => {
    const f = await openFixture()
    try {
      for (let round = 0; round < 6; round++) {
        const id = await makeIdentity()
        const five = await makeRecord(id, { seq: 5 })
        const six = await makeRecord(id, { seq: 6 })
        const order = round % 2 === 0 ? [five, six] : [six, five]
        const results = await Promise.allSettled(order.map(async r => f.registry.storePeerKeys(r.bytes, 'dht')))
        for (const result of results) {
          assert.ok(result.status === 'fulfilled' || (result.reason).code === 'ERR_ROLLBACK')
        }
        assert.equal((await f.registry.get(id.peerId))?.record.seq, 6)
        assert.equal((await f.registry.getPin(id.peerId))?.highestSeq, 6)
      }
    } finally { await f.cleanup() }
  })

  it('ends with the highest of many concurrent records', async () => {
    const f = await openFixture()
    try {
      const id = await makeIdentity()
      const records = await Promise.all([3, 9, 1, 7, 4, 8, 2, 6, 5].map(async seq => makeRecord(id, { seq })))
      await Promise.allSettled(records.map(async r => f.registry.storePeerKeys(r, 'dht')))
      assert.equal((await f.registry.get(id.peerId))?.record.seq, 9)
      const registry = await f.reopen()
      assert.equal((await registry.get(id.peerId))?.record.seq, 9)
      assert.equal((await registry.getPin(id.peerId))?.highestSeq, 9)
    } finally { await f.cleanup() }
  })

  it('lets one of two competing key changes win, never a mix', async () => {
    const f = await openFixture()
    try {
      const id = await makeIdentity()
      await f.registry.storePeerKeys(await makeRecord(id), 'dht')
      const a = rotateIdentity(id)
      const b = rotateIdentity(id)
      const ra = await makeRecord(a.identity, { seq: 2, rotation: a.rotation })
      const rb = await makeRecord(b.identity, { seq: 3, rotation: b.rotation })
      await Promise.allSettled([f.registry.storePeerKeys(ra, 'dht'), f.registry.storePeerKeys(rb, 'dht')])
      const entry = await f.registry.get(id.peerId)
      const pin = await f.registry.getPin(id.peerId)
      assert.ok(entry !== undefined && pin !== undefined)
      assert.deepEqual(pin.mlDsaPublicKey, entry.record.mlDsaPublicKey)
      assert.equal(pin.highestSeq, entry.record.seq)
    } finally { await f.cleanup() }
  })

  it('never caches a stale entry when a read races a write', async () => {
    const f = await openFixture()
    try {
      const id = await makeIdentity()
      await f.registry.storePeerKeys(await makeRecord(id, { seq: 1 }), 'dht')
      const registry = await f.reopen() // empty hot layer
      const newer = await makeRecord(id, { seq: 2 })
      await Promise.all([registry.get(id.peerId), registry.storePeerKeys(newer, 'dht'), registry.get(id.peerId)])
      assert.equal(registry.getCached(id.peerId)?.record.seq, 2)
      assert.equal((await registry.get(id.peerId))?.record.seq, 2)
    } finally { await f.cleanup() }
  })

  it('waits for writes in progress before closing', async () => {
    const f = await openFixture()
    try {
      const id = await makeIdentity()
      const store = f.registry.storePeerKeys(await makeRecord(id), 'dht')
      await Promise.all([store, f.registry.close()])
      const registry = await f.reopen()
      assert.equal((await registry.get(id.peerId))?.record.seq, 1)
    } finally { await f.cleanup() }
  })
})
