import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { makeIdentity, makeRecord } from '../helpers/records.js'
import { crypto, hour, isError, minute, openFixture } from './fixture.js'
import { KeyRecordValidator } from '../../src/record/index.js'
import { PeerKeyRegistry } from '../../src/registry/index.js'
import { makeTempDir } from '../helpers/temp-dir.js'

describe('PeerKeyRegistry: storing and reading', () => {
  it('stores validated bytes and serves both keys', async () => {
    const f = await openFixture()
    try {
      const id = await makeIdentity()
      const record = await makeRecord(id)
      assert.equal(await f.registry.storePeerKeys(record.bytes, 'dht'), 'stored')
      const entry = await f.registry.get(id.peerId)
      assert.ok(entry)
      assert.equal(entry.trust, 'dht')
      assert.equal(entry.verified, false)
      assert.equal(entry.storedAt, f.clock.ms)
      assert.deepEqual(entry.record.bytes, record.bytes)
      assert.deepEqual(await f.registry.getMlDsaKey(id.peerId), id.mlDsaSigner.publicKey)
      assert.deepEqual(await f.registry.getMlKemKey(id.peerId.toString()), id.mlKem.publicKey)
      assert.equal(await f.registry.hasCompleteKeys(id.peerId), true)
      assert.equal(f.registry.size(), 1)
    } finally { await f.cleanup() }
  })

  it('accepts a KeyRecord object as already validated', async () => {
    const f = await openFixture()
    try {
      const id = await makeIdentity()
      assert.equal(await f.registry.storePeerKeys(await makeRecord(id), 'direct'), 'stored')
      assert.equal((await f.registry.get(id.peerId))?.trust, 'direct')
    } finally { await f.cleanup() }
  })

  it('answers undefined / false for an unknown peer', async () => {
    const f = await openFixture()
    try {
      const id = await makeIdentity()
      assert.equal(await f.registry.get(id.peerId), undefined)
      assert.equal(f.registry.getCached(id.peerId), undefined)
      assert.equal(await f.registry.getMlDsaKey(id.peerId), undefined)
      assert.equal(await f.registry.getMlKemKey(id.peerId), undefined)
      assert.equal(await f.registry.hasCompleteKeys(id.peerId), false)
      assert.equal(await f.registry.isVerified(id.peerId), false)
      assert.equal(await f.registry.getPin(id.peerId), undefined)
    } finally { await f.cleanup() }
  })

  it('serves a stored entry from the hot layer, by PeerId or its string', async () => {
    const f = await openFixture()
    try {
      const id = await makeIdentity()
      await f.registry.storePeerKeys(await makeRecord(id), 'dht')
      assert.equal(f.registry.getCached(id.peerId)?.record.seq, 1)
      assert.equal(f.registry.getCached(id.peerId.toString())?.record.seq, 1)
    } finally { await f.cleanup() }
  })

  it('refuses bytes that fail validation with the validator\'s error', async () => {
    const f = await openFixture()
    try {
      const id = await makeIdentity()
      const bytes = (await makeRecord(id)).bytes.slice()
      bytes[bytes.length - 1] ^= 1
      await assert.rejects(f.registry.storePeerKeys(bytes, 'dht'), isError('InvalidRecordError', 'ERR_BAD_ML_DSA_SIGNATURE'))
      await assert.rejects(f.registry.storePeerKeys(new Uint8Array([1, 2, 3]), 'dht'), (err: any) => err.name === 'InvalidRecordError')
      assert.equal(await f.registry.get(id.peerId), undefined)
      assert.equal(f.registry.size(), 0)
    } finally { await f.cleanup() }
  })

  it('refuses bytes fetched for another peer', async () => {
    const f = await openFixture()
    try {
      const a = await makeIdentity()
      const b = await makeIdentity()
      const record = await makeRecord(a)
      await assert.rejects(f.registry.storePeerKeys(record.bytes, 'dht', { peerId: b.peerId }), isError('InvalidRecordError', 'ERR_PEER_ID_MISMATCH'))
      await assert.rejects(f.registry.storePeerKeys(record, 'dht', { peerId: b.peerId.toString() }), isError('RegistryError', 'ERR_PEER_ID_MISMATCH'))
      assert.equal(await f.registry.storePeerKeys(record.bytes, 'dht', { peerId: a.peerId.toString() }), 'stored')
    } finally { await f.cleanup() }
  })

  it('refuses an expired record object, an unknown trust level and a bad PeerId string', async () => {
    const f = await openFixture()
    try {
      const id = await makeIdentity()
      const record = await makeRecord(id, { issuedAt: f.clock.ms - 2 * hour, lifetimeMs: hour })
      await assert.rejects(f.registry.storePeerKeys(record, 'dht'), isError('RegistryError', 'ERR_RECORD_EXPIRED'))
      await assert.rejects(f.registry.storePeerKeys(await makeRecord(id), 'trusted' as any), isError('RegistryError', 'ERR_BAD_TRUST'))
      await assert.rejects(f.registry.get('not-a-peer-id'), isError('RegistryError', 'ERR_BAD_PEER_ID'))
    } finally { await f.cleanup() }
  })

  it('keeps its own copy of stored bytes', async () => {
    const f = await openFixture()
    try {
      const id = await makeIdentity()
      const bytes = (await makeRecord(id)).bytes.slice()
      await f.registry.storePeerKeys(bytes, 'dht')
      const copy = bytes.slice()
      bytes.fill(0)
      assert.deepEqual((await f.reopen().then(async r => r.get(id.peerId)))?.record.bytes, copy)
    } finally { await f.cleanup() }
  })

  it('returns unchanged for the same bytes, and upgrades trust but never downgrades it', async () => {
    const f = await openFixture()
    try {
      const id = await makeIdentity()
      const record = await makeRecord(id)
      assert.equal(await f.registry.storePeerKeys(record.bytes, 'dht'), 'stored')
      assert.equal(await f.registry.storePeerKeys(record.bytes, 'dht'), 'unchanged')
      assert.equal(await f.registry.storePeerKeys(record.bytes, 'direct'), 'unchanged')
      assert.equal((await f.registry.get(id.peerId))?.trust, 'direct')
      assert.equal(await f.registry.storePeerKeys(record.bytes, 'dht'), 'unchanged')
      assert.equal((await f.registry.get(id.peerId))?.trust, 'direct')
      assert.equal((await f.reopen().then(async r => r.get(id.peerId)))?.trust, 'direct')
    } finally { await f.cleanup() }
  })

  it('carries trust and verified over to a newer record of the same key', async () => {
    const f = await openFixture()
    try {
      const id = await makeIdentity()
      await f.registry.storePeerKeys(await makeRecord(id, { seq: 1 }), 'direct')
      assert.equal(await f.registry.storePeerKeys(await makeRecord(id, { seq: 2 }), 'dht'), 'stored')
      const entry = await f.registry.get(id.peerId)
      assert.equal(entry?.record.seq, 2)
      assert.equal(entry?.trust, 'direct')
      assert.equal(entry?.verified, true)
    } finally { await f.cleanup() }
  })

  it('orders trust self > anchor > direct > dht', async () => {
    const f = await openFixture()
    try {
      const id = await makeIdentity()
      const record = await makeRecord(id)
      await f.registry.setAnchor(id.peerId, { mlDsaPublicKey: id.mlDsaSigner.publicKey })
      await f.registry.storePeerKeys(record, 'dht')
      assert.equal((await f.registry.get(id.peerId))?.trust, 'anchor')
      await f.registry.storePeerKeys(record, 'self')
      assert.equal((await f.registry.get(id.peerId))?.trust, 'self')
      await f.registry.storePeerKeys(record, 'anchor')
      await f.registry.storePeerKeys(record, 'direct')
      assert.equal((await f.registry.get(id.peerId))?.trust, 'self')
    } finally { await f.cleanup() }
  })

  it('keeps the stored record for the same seq and content signed again (the ML-DSA-65 signature differs)', async () => {
    const f = await openFixture()
    try {
      const id = await makeIdentity()
      const first = await makeRecord(id, { seq: 3, issuedAt: f.clock.ms, lifetimeMs: hour })
      const again = await makeRecord(id, { seq: 3, issuedAt: f.clock.ms, lifetimeMs: hour })
      assert.notDeepEqual(first.bytes, again.bytes)
      assert.equal(await f.registry.storePeerKeys(first, 'dht'), 'stored')
      assert.equal(await f.registry.storePeerKeys(again, 'direct', { verified: true }), 'unchanged')
      const entry = await f.registry.get(id.peerId)
      assert.deepEqual(entry?.record.bytes, first.bytes)
      // The same statement from a stronger source confirms the stored one.
      assert.equal(entry?.trust, 'direct')
      assert.equal(f.registry.getEquivocation(id.peerId), undefined)
    } finally { await f.cleanup() }
  })

  it('stores a record of the pin\'s seq after the record was removed', async () => {
    const f = await openFixture()
    try {
      const id = await makeIdentity()
      await f.registry.storePeerKeys(await makeRecord(id, { seq: 4 }), 'dht')
      await f.registry.removePeerKeys(id.peerId)
      assert.equal(await f.registry.storePeerKeys(await makeRecord(id, { seq: 4 }), 'dht'), 'stored')
    } finally { await f.cleanup() }
  })

  it('marks verified, lists verified peers and filters by trust', async () => {
    const f = await openFixture()
    try {
      const a = await makeIdentity()
      const b = await makeIdentity()
      const c = await makeIdentity()
      await f.registry.storePeerKeys(await makeRecord(a), 'dht')
      await f.registry.storePeerKeys(await makeRecord(b), 'dht')
      await f.registry.storePeerKeys(await makeRecord(c), 'direct')
      assert.equal(await f.registry.isVerified(a.peerId), false)
      assert.equal(await f.registry.isVerified(c.peerId), true, 'the peer\'s own answer is verified')
      await f.registry.markVerified(a.peerId)
      await f.registry.markVerified(a.peerId)
      assert.equal(await f.registry.isVerified(a.peerId), true)
      const verified = (await f.registry.getVerifiedPeers()).map(p => p.toString()).sort()
      assert.deepEqual(verified, [a.peerId.toString(), c.peerId.toString()].sort())
      assert.deepEqual((await f.registry.listPeers({ trust: 'dht' })).map(e => e.record.peerId.toString()).sort(),
        [a.peerId.toString(), b.peerId.toString()].sort())
      assert.deepEqual((await f.registry.listPeers({ trust: 'dht', verified: false })).map(e => e.record.peerId.toString()), [b.peerId.toString()])
      assert.equal((await f.registry.listPeers()).length, 3)
    } finally { await f.cleanup() }
  })

  it('stores with verified: true', async () => {
    const f = await openFixture()
    try {
      const id = await makeIdentity()
      await f.registry.storePeerKeys(await makeRecord(id), 'dht', { verified: true })
      assert.equal(await f.registry.isVerified(id.peerId), true)
    } finally { await f.cleanup() }
  })

  it('refuses to mark verified a peer without a record', async () => {
    const f = await openFixture()
    try {
      const id = await makeIdentity()
      await assert.rejects(f.registry.markVerified(id.peerId), isError('RegistryError', 'ERR_NO_RECORD'))
    } finally { await f.cleanup() }
  })

  it('removes a record but keeps the pin', async () => {
    const f = await openFixture()
    try {
      const id = await makeIdentity()
      await f.registry.storePeerKeys(await makeRecord(id, { seq: 2 }), 'dht')
      await f.registry.removePeerKeys(id.peerId)
      await f.registry.removePeerKeys(id.peerId)
      assert.equal(await f.registry.get(id.peerId), undefined)
      assert.equal(f.registry.getCached(id.peerId), undefined)
      assert.equal(f.registry.size(), 0)
      assert.equal((await f.registry.getPin(id.peerId))?.highestSeq, 2)
    } finally { await f.cleanup() }
  })

  it('opens and closes twice safely, refuses calls when closed, and honours an abort signal', async () => {
    const dir = await makeTempDir()
    try {
      const registry = new PeerKeyRegistry({ path: dir.path, crypto, validator: new KeyRecordValidator({ crypto }) })
      await assert.rejects(registry.get((await makeIdentity()).peerId), isError('RegistryError', 'ERR_NOT_OPEN'))
      await registry.open()
      await registry.open()
      const id = await makeIdentity()
      const record = await makeRecord(id)
      await assert.rejects(registry.storePeerKeys(record, 'dht', { signal: AbortSignal.abort() }), (err: any) => err.name === 'AbortError')
      assert.equal(await registry.get(id.peerId), undefined)
      await registry.close()
      await registry.close()
      await assert.rejects(registry.storePeerKeys(record, 'dht'), isError('RegistryError', 'ERR_NOT_OPEN'))
      await registry.open()
      assert.equal(await registry.storePeerKeys(record, 'dht'), 'stored')
      await registry.close()
    } finally { await dir.remove() }
  })

  it('defaults its clock to Date.now', async () => {
    const dir = await makeTempDir()
    try {
      const registry = new PeerKeyRegistry({ path: dir.path, crypto, validator: new KeyRecordValidator({ crypto }) })
      await registry.open()
      const id = await makeIdentity()
      const before = Date.now()
      await registry.storePeerKeys(await makeRecord(id, { lifetimeMs: 10 * minute }), 'dht')
      assert.ok((await registry.get(id.peerId))!.storedAt >= before)
      await registry.close()
    } finally { await dir.remove() }
  })
})
