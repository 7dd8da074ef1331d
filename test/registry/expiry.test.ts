import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { makeIdentity, makeRecord } from '../helpers/records.js'
import { hour, minute, openFixture } from './fixture.js'

describe('PeerKeyRegistry: expiry and the hot layer', () => {
  it('treats an expired record as absent everywhere but keeps the pin', async () => {
    const f = await openFixture()
    try {
      const [a, b] = await Promise.all([makeIdentity(), makeIdentity()])
      await f.registry.storePeerKeys(await makeRecord(a, { seq: 7, issuedAt: f.clock.ms, lifetimeMs: minute }), 'direct')
      await f.registry.storePeerKeys(await makeRecord(b, { issuedAt: f.clock.ms, lifetimeMs: hour }), 'direct')
      f.clock.advance(minute)
      assert.equal(f.registry.getCached(a.peerId), undefined)
      assert.equal(await f.registry.get(a.peerId), undefined)
      assert.equal(await f.registry.getMlKemKey(a.peerId), undefined)
      assert.equal(await f.registry.hasCompleteKeys(a.peerId), false)
      assert.equal(await f.registry.isVerified(a.peerId), false)
      await assert.rejects(f.registry.markVerified(a.peerId), (err: any) => err.code === 'ERR_NO_RECORD')
      assert.deepEqual((await f.registry.getVerifiedPeers()).map(p => p.toString()), [b.peerId.toString()])
      assert.equal((await f.registry.getPin(a.peerId))?.highestSeq, 7)
      assert.equal(f.registry.size(), 2, 'still on disk until removed')

      assert.equal(await f.registry.removeExpiredRecords(), 1)
      assert.equal(f.registry.size(), 1)
      assert.equal((await f.registry.getPin(a.peerId))?.highestSeq, 7)
      assert.equal(await f.registry.removeExpiredRecords(), 0)
      assert.equal(f.corrupt.length, 0)
    } finally { await f.cleanup() }
  })

  it('stores a fresh record over an expired one of the same seq', async () => {
    const f = await openFixture()
    try {
      const id = await makeIdentity()
      await f.registry.storePeerKeys(await makeRecord(id, { seq: 2, issuedAt: f.clock.ms, lifetimeMs: minute }), 'dht')
      f.clock.advance(minute)
      assert.equal(await f.registry.storePeerKeys(await makeRecord(id, { seq: 2, issuedAt: f.clock.ms }), 'dht'), 'stored')
      assert.equal((await f.registry.get(id.peerId))?.record.seq, 2)
    } finally { await f.cleanup() }
  })

  it('refuses bytes that have expired by the registry\'s clock', async () => {
    const f = await openFixture()
    try {
      const id = await makeIdentity()
      const record = await makeRecord(id, { issuedAt: f.clock.ms, lifetimeMs: minute })
      f.clock.advance(minute)
      await assert.rejects(f.registry.storePeerKeys(record.bytes, 'dht'), (err: any) => err.code === 'ERR_RECORD_EXPIRED')
    } finally { await f.cleanup() }
  })

  it('serves only what it loaded or stored from memory, and evicts beyond cacheSize', async () => {
    const f = await openFixture({ cacheSize: 2 })
    try {
      const ids = await Promise.all([makeIdentity(), makeIdentity(), makeIdentity()])
      for (const id of ids) {
        await f.registry.storePeerKeys(await makeRecord(id), 'dht')
      }
      assert.equal(f.registry.getCached(ids[0].peerId), undefined, 'evicted')
      assert.equal(f.registry.getCached(ids[2].peerId)?.record.seq, 1)
      assert.equal((await f.registry.get(ids[0].peerId))?.record.seq, 1, 'still on disk')
      assert.equal(f.registry.getCached(ids[0].peerId)?.record.seq, 1, 'loaded into memory')

      const registry = await f.reopen()
      assert.equal(registry.getCached(ids[1].peerId), undefined)
      await registry.get(ids[1].peerId)
      assert.equal(registry.getCached(ids[1].peerId)?.record.seq, 1)
    } finally { await f.cleanup() }
  })

  it('returns read-only entries', async () => {
    const f = await openFixture()
    try {
      const id = await makeIdentity()
      await f.registry.storePeerKeys(await makeRecord(id), 'dht')
      const entry = await f.registry.get(id.peerId)
      assert.throws(() => { (entry as any).trust = 'self' }, TypeError)
      assert.equal(f.registry.getCached(id.peerId)?.trust, 'dht')
    } finally { await f.cleanup() }
  })
})
