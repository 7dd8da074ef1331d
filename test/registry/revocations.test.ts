import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { createRevocation } from '../../src/record/index.js'
import { makeIdentity, makeRecord, rotateIdentity } from '../helpers/records.js'
import { isError, openFixture } from './fixture.js'

describe('PeerKeyRegistry: revocations', () => {
  it('keeps a revocation for good: no record of the peer is taken after it, across a restart too', async () => {
    const f = await openFixture()
    try {
      const id = await makeIdentity()
      const certificate = await createRevocation({ privateKey: id.privateKey, mlDsaSigner: id.mlDsaSigner, reason: 'key-compromise' })
      assert.equal(await f.registry.storeRevocation(certificate.bytes), 'stored')
      assert.equal(await f.registry.storeRevocation(certificate.bytes), 'unchanged')
      assert.deepEqual(f.registry.getRevocation(id.peerId)?.bytes, certificate.bytes)
      await assert.rejects(f.registry.storePeerKeys(await makeRecord(id, { seq: Number.MAX_SAFE_INTEGER }), 'direct'), isError('RegistryError', 'ERR_REVOKED'))
      const registry = await f.reopen()
      assert.deepEqual(registry.getRevocation(id.peerId)?.bytes, certificate.bytes)
      assert.equal(registry.listRevocations().length, 1)
      await assert.rejects(registry.storePeerKeys(await makeRecord(id, { seq: 2 }), 'dht'), isError('RegistryError', 'ERR_REVOKED'))
      assert.equal(await registry.requestKeysIfNeeded(id.peerId), false, 'a revoked peer has no keys to ask for')
    } finally { await f.cleanup() }
  })

  it('a pinned peer: its record goes and its pin stays when the pinned key revokes it', async () => {
    const f = await openFixture()
    try {
      const id = await makeIdentity()
      await f.registry.storePeerKeys(await makeRecord(id, { seq: 3 }), 'direct', { verified: true })
      const certificate = await createRevocation({ privateKey: id.privateKey, mlDsaSigner: id.mlDsaSigner })
      assert.equal(await f.registry.storeRevocation(certificate), 'stored')
      assert.equal(await f.registry.get(id.peerId), undefined)
      assert.equal(f.registry.counts().records, 0)
      assert.equal((await f.registry.getPin(id.peerId))?.highestSeq, 3)
    } finally { await f.cleanup() }
  })

  it('a pinned peer: a certificate by an ML-DSA-65 key not linked to the pin is refused (ERR_REVOCATION_KEY_UNKNOWN), the record stays', async () => {
    const f = await openFixture()
    try {
      const id = await makeIdentity()
      const record = await makeRecord(id)
      await f.registry.storePeerKeys(record, 'dht')
      // The Ed25519 key alone, with an ML-DSA-65 key of the attacker's own.
      const attacker = await makeIdentity()
      const forged = await createRevocation({ privateKey: id.privateKey, mlDsaSigner: attacker.mlDsaSigner })
      await assert.rejects(f.registry.storeRevocation(forged), isError('RevocationError', 'ERR_REVOCATION_KEY_UNKNOWN'))
      assert.equal(f.registry.getRevocation(id.peerId), undefined)
      assert.deepEqual((await f.registry.get(id.peerId))?.record.bytes, record.bytes)
    } finally { await f.cleanup() }
  })

  it('a certificate pre-signed by the key before a rotation still revokes a node pinned at the new key', async () => {
    const f = await openFixture()
    try {
      const k0 = await makeIdentity()
      const preSigned = await createRevocation({ privateKey: k0.privateKey, mlDsaSigner: k0.mlDsaSigner })
      const { identity: k1, rotation } = rotateIdentity(k0)
      // This node first met the peer at K1: the record's proof names K0.
      await f.registry.storePeerKeys(await makeRecord(k1, { seq: 2, rotation }), 'dht')
      assert.equal(await f.registry.storeRevocation(preSigned), 'stored')
    } finally { await f.cleanup() }
  })

  it('a certificate pre-signed by a key the pin has since left (followed through two rotations) still revokes', async () => {
    const f = await openFixture()
    try {
      const k0 = await makeIdentity()
      const preSigned = await createRevocation({ privateKey: k0.privateKey, mlDsaSigner: k0.mlDsaSigner })
      await f.registry.storePeerKeys(await makeRecord(k0, { seq: 1 }), 'dht')
      const { identity: k1, rotation: r1 } = rotateIdentity(k0)
      await f.registry.storePeerKeys(await makeRecord(k1, { seq: 2, rotation: r1 }), 'dht')
      const { identity: k2, rotation: r2 } = rotateIdentity(k1)
      // The record at K2 names only K1 in its proof: K0 is known to the pin as a key it left.
      await f.registry.storePeerKeys(await makeRecord(k2, { seq: 3, rotation: r2 }), 'dht')
      assert.equal(await f.registry.storeRevocation(preSigned), 'stored')
    } finally { await f.cleanup() }
  })

  it('a pushed revocation of a peer held only as learned unasked is refused (ERR_REVOCATION_UNSOLICITED): nothing kept', async () => {
    const f = await openFixture()
    try {
      const id = await makeIdentity()
      await f.registry.storePeerKeys(await makeRecord(id), 'direct', { unsolicited: true })
      const certificate = await createRevocation({ privateKey: id.privateKey, mlDsaSigner: id.mlDsaSigner })
      await assert.rejects(f.registry.storeRevocation(certificate, { unsolicited: true }), isError('RevocationError', 'ERR_REVOCATION_UNSOLICITED'))
      assert.equal(f.registry.getRevocation(id.peerId), undefined)
      assert.equal(f.registry.counts().unsolicited, 1, 'the peer stays in the bounded store')
      // A resolve of ours, or the operator, may still revoke it.
      assert.equal(await f.registry.storeRevocation(certificate), 'stored')
    } finally { await f.cleanup() }
  })

  it('a stored revocation survives the clock stepping back (its issue time is not checked again at open)', async () => {
    const f = await openFixture()
    try {
      const id = await makeIdentity()
      const certificate = await createRevocation({ privateKey: id.privateKey, mlDsaSigner: id.mlDsaSigner, issuedAt: f.clock.ms })
      await f.registry.storeRevocation(certificate)
      f.clock.advance(-60 * 60_000)
      const registry = await f.reopen()
      assert.deepEqual(registry.getRevocation(id.peerId)?.bytes, certificate.bytes)
      assert.equal(f.corrupt.length, 0)
    } finally { await f.cleanup() }
  })

  it('a stored revocation that no longer validates is reported and skipped', async () => {
    const f = await openFixture()
    try {
      const id = await makeIdentity()
      const certificate = await createRevocation({ privateKey: id.privateKey, mlDsaSigner: id.mlDsaSigner })
      await f.registry.storeRevocation(certificate)
      const damaged = Uint8Array.from(certificate.bytes)
      damaged[damaged.length - 1] ^= 1
      await f.writeRaw('revocations', id.peerId.toString(), damaged)
      const registry = await f.reopen()
      assert.equal(registry.getRevocation(id.peerId), undefined)
      assert.deepEqual(f.corrupt.map(c => c.key), [`revocations/${id.peerId.toString()}`])
    } finally { await f.cleanup() }
  })
})
