import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { createEquivocationProof } from '../../src/record/index.js'
import { makeConflictingRecords, makeEquivocation } from '../helpers/evidence.js'
import { makeIdentity, makeRecord, rotateIdentity, withForeignPqKeys } from '../helpers/records.js'
import { hour, openFixture } from './fixture.js'
import type { EquivocationProof } from '../../src/record/index.js'
import type { EvidenceSource, KeyChange } from '../../src/registry/index.js'

const registryError = (code: string) => (err: any) => err.name === 'RegistryError' && err.code === code
const evidenceError = (code: string) => (err: any) => err.name === 'EvidenceError' && err.code === code

describe('PeerKeyRegistry: equivocation', () => {
  it('refuses a record with the stored seq and other signed content (ERR_EQUIVOCATION), keeps the proof, reports it once', async () => {
    const changes: KeyChange[] = []
    const taken: Array<{ proof: EquivocationProof, source: EvidenceSource }> = []
    const f = await openFixture({ onKeyChange: c => { changes.push(c) }, onEquivocation: (proof, source) => { taken.push({ proof, source }) } })
    try {
      const id = await makeIdentity()
      const [a, b] = await makeConflictingRecords(id, 5, f.clock.ms)
      assert.equal(await f.registry.storePeerKeys(a, 'dht'), 'stored')
      await assert.rejects(f.registry.storePeerKeys(b, 'direct'), registryError('ERR_EQUIVOCATION'))
      const proof = f.registry.getEquivocation(id.peerId)
      assert.ok(proof)
      assert.deepEqual(proof.bytes, createEquivocationProof(a, b).bytes)
      assert.deepEqual(taken.map(t => t.source), ['exchange'])
      assert.deepEqual(changes.map(c => c.change), ['new', 'equivocated'])
      assert.equal(changes[1].seq, 5)
      // The stored record stays; every later record is refused, a higher seq too, and the peer has no keys to ask for.
      assert.deepEqual((await f.registry.get(id.peerId))?.record.bytes, a.bytes)
      await assert.rejects(f.registry.storePeerKeys(await makeRecord(id, { seq: 6 }), 'dht'), registryError('ERR_EQUIVOCATION'))
      await assert.rejects(f.registry.storePeerKeys(a, 'dht'), registryError('ERR_EQUIVOCATION'))
      assert.equal(await f.registry.requestKeysIfNeeded(id.peerId), false)
      assert.equal(f.registry.isRefused(id.peerId), true)
      assert.equal(taken.length, 1)
    } finally { await f.cleanup() }
  })

  it('counts the source the caller names (a push)', async () => {
    const taken: EvidenceSource[] = []
    const f = await openFixture({ onEquivocation: (_proof, source) => { taken.push(source) } })
    try {
      const id = await makeIdentity()
      const [a, b] = await makeConflictingRecords(id, 2, f.clock.ms)
      await f.registry.storePeerKeys(a, 'dht')
      await assert.rejects(f.registry.storePeerKeys(b, 'direct', { evidenceSource: 'push' }), registryError('ERR_EQUIVOCATION'))
      assert.deepEqual(taken, ['push'])
    } finally { await f.cleanup() }
  })

  it('keeps the proof across a reopen, validated again', async () => {
    const f = await openFixture()
    try {
      const id = await makeIdentity()
      const [a, b] = await makeConflictingRecords(id, 4, f.clock.ms)
      await f.registry.storePeerKeys(a, 'dht')
      await assert.rejects(f.registry.storePeerKeys(b, 'dht'), registryError('ERR_EQUIVOCATION'))
      // Past the records' expiry too: a proof does not expire.
      f.clock.advance(48 * hour)
      const reopened = await f.reopen()
      assert.ok(reopened.getEquivocation(id.peerId))
      assert.equal(reopened.listEquivocations().length, 1)
      await assert.rejects(reopened.storePeerKeys(await makeRecord(id, { seq: 9, issuedAt: f.clock.ms }), 'dht'), registryError('ERR_EQUIVOCATION'))
    } finally { await f.cleanup() }
  })

  it('skips a stored proof that no longer validates, and reports it', async () => {
    const f = await openFixture()
    try {
      const id = await makeIdentity()
      const proof = await makeEquivocation(id)
      await f.registry.close()
      const broken = proof.bytes.slice()
      broken[broken.length - 5] ^= 1
      await f.writeRaw('equivocations', id.peerId.toString(), broken)
      const reopened = await f.reopen()
      assert.equal(reopened.getEquivocation(id.peerId), undefined)
      assert.ok(f.corrupt.some(c => c.key === `equivocations/${id.peerId.toString()}`))
    } finally { await f.cleanup() }
  })

  it('takes a valid proof from outside for a peer it never saw, and one whose records both link to the pin', async () => {
    const f = await openFixture()
    try {
      const stranger = await makeIdentity()
      assert.equal(await f.registry.storeEquivocation((await makeEquivocation(stranger)).bytes, 'api'), 'stored')
      assert.equal(await f.registry.storeEquivocation((await makeEquivocation(stranger)).bytes, 'api'), 'unchanged')

      const pinned = await makeIdentity()
      await f.registry.storePeerKeys(await makeRecord(pinned, { seq: 1 }), 'dht')
      const { identity: next, rotation } = rotateIdentity(pinned)
      const issuedAt = f.clock.ms
      const proof = createEquivocationProof(await makeRecord(next, { seq: 3, issuedAt, rotation }), await makeRecord(next, { seq: 3, issuedAt: issuedAt + 1, rotation }))
      assert.equal(await f.registry.storeEquivocation(proof.bytes, 'dht_evidence', pinned.peerId), 'stored')
      await assert.rejects(f.registry.storePeerKeys(await makeRecord(next, { seq: 4, rotation }), 'dht'), registryError('ERR_EQUIVOCATION'))
    } finally { await f.cleanup() }
  })

  it('never marks a peer for forged or mismatched evidence', async () => {
    const taken: EquivocationProof[] = []
    const f = await openFixture({ onEquivocation: proof => { taken.push(proof) } })
    try {
      const id = await makeIdentity()
      const genuine = await makeRecord(id, { seq: 7, issuedAt: f.clock.ms })
      await f.registry.storePeerKeys(genuine, 'dht')
      // The Ed25519 key alone: a fresh ML-DSA-65 key paired with the peer's own public record.
      const thief = withForeignPqKeys(id, await makeIdentity())
      const forged = createEquivocationProof(genuine, await makeRecord(thief, { seq: 7, issuedAt: f.clock.ms }))
      await assert.rejects(f.registry.storeEquivocation(forged.bytes, 'api'), evidenceError('ERR_EVIDENCE_KEY_UNKNOWN'))
      assert.equal(f.registry.equivocationApplies(forged), false)
      // Bytes that are no proof, a proof of another peer than expected, two seqs.
      await assert.rejects(f.registry.storeEquivocation(genuine.bytes, 'api'), evidenceError('ERR_EVIDENCE_MALFORMED'))
      const other = await makeEquivocation(await makeIdentity())
      await assert.rejects(f.registry.storeEquivocation(other.bytes, 'api', id.peerId), evidenceError('ERR_EVIDENCE_PEER_MISMATCH'))
      await assert.rejects(f.registry.noteEquivocation(genuine, await makeRecord(id, { seq: 8 })), evidenceError('ERR_EVIDENCE_NOT_CONFLICTING'))
      assert.equal(f.registry.getEquivocation(id.peerId), undefined)
      assert.equal(taken.length, 0)
      assert.equal((await f.registry.storePeerKeys(await makeRecord(id, { seq: 8 }), 'dht')), 'stored')
    } finally { await f.cleanup() }
  })

  it('notes a lookup\'s two conflicting answers (noteEquivocation)', async () => {
    const taken: EvidenceSource[] = []
    const f = await openFixture({ onEquivocation: (_proof, source) => { taken.push(source) } })
    try {
      const id = await makeIdentity()
      const [a, b] = await makeConflictingRecords(id, 3, f.clock.ms)
      assert.equal(await f.registry.noteEquivocation(a, b), 'stored')
      assert.deepEqual(taken, ['dht_lookup'])
      await assert.rejects(f.registry.storePeerKeys(a, 'dht'), registryError('ERR_EQUIVOCATION'))
    } finally { await f.cleanup() }
  })

  it('keeps a revocation over a proof: a revoked peer is refused as revoked', async () => {
    const f = await openFixture()
    try {
      const id = await makeIdentity()
      const [a, b] = await makeConflictingRecords(id, 3, f.clock.ms)
      await f.registry.noteEquivocation(a, b)
      const { makeRevocation } = await import('../helpers/revocations.js')
      await f.registry.storeRevocation(await makeRevocation(id))
      await assert.rejects(f.registry.storePeerKeys(await makeRecord(id, { seq: 9 }), 'dht'), registryError('ERR_REVOKED'))
    } finally { await f.cleanup() }
  })
})
