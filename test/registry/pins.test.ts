import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { fingerprint } from '../../src/crypto/index.js'
import { makeIdentity, makeRecord, rotateIdentity, withForeignPqKeys } from '../helpers/records.js'
import { isError, openFixture } from './fixture.js'

describe('PeerKeyRegistry: pins, rollback and key changes', () => {
  it('pins the ML-DSA-65 key of the first record seen', async () => {
    const f = await openFixture()
    try {
      const id = await makeIdentity()
      await f.registry.storePeerKeys(await makeRecord(id, { seq: 3 }), 'dht')
      const pin = await f.registry.getPin(id.peerId)
      assert.ok(pin)
      assert.equal(pin.source, 'seen')
      assert.equal(pin.highestSeq, 3)
      assert.deepEqual(pin.mlDsaPublicKey, id.mlDsaSigner.publicKey)
      assert.deepEqual(pin.fingerprint, fingerprint(id.mlDsaSigner.publicKey))
    } finally { await f.cleanup() }
  })

  it('refuses a lower seq (ERR_ROLLBACK), also after the record is removed or expired', async () => {
    const f = await openFixture()
    try {
      const id = await makeIdentity()
      const old = await makeRecord(id, { seq: 1 })
      await f.registry.storePeerKeys(await makeRecord(id, { seq: 5, lifetimeMs: 60_000 }), 'dht')
      await assert.rejects(f.registry.storePeerKeys(old.bytes, 'direct'), isError('RegistryError', 'ERR_ROLLBACK'))
      await f.registry.removePeerKeys(id.peerId)
      await assert.rejects(f.registry.storePeerKeys(old, 'dht'), isError('RegistryError', 'ERR_ROLLBACK'))

      await f.registry.storePeerKeys(await makeRecord(id, { seq: 6, lifetimeMs: 60_000 }), 'dht')
      f.clock.advance(120_000)
      assert.equal(await f.registry.get(id.peerId), undefined)
      await assert.rejects(f.registry.storePeerKeys(await makeRecord(id, { seq: 4 }), 'dht'), isError('RegistryError', 'ERR_ROLLBACK'))
      assert.equal((await f.registry.getPin(id.peerId))?.highestSeq, 6)
    } finally { await f.cleanup() }
  })

  it('refuses a different ML-DSA-65 key without a rotation proof (ERR_KEY_CHANGED) and keeps the stored record', async () => {
    const f = await openFixture()
    try {
      const id = await makeIdentity()
      const record = await makeRecord(id, { seq: 1 })
      await f.registry.storePeerKeys(record, 'dht')
      const impostor = withForeignPqKeys(id, await makeIdentity())
      await assert.rejects(f.registry.storePeerKeys((await makeRecord(impostor, { seq: 2 })).bytes, 'direct'), isError('RegistryError', 'ERR_KEY_CHANGED'))
      // Same seq, other key: refused as a key change, not quietly dropped by the selector.
      await assert.rejects(f.registry.storePeerKeys(await makeRecord(impostor, { seq: 1 }), 'dht'), isError('RegistryError', 'ERR_KEY_CHANGED'))
      assert.deepEqual((await f.registry.get(id.peerId))?.record.bytes, record.bytes)
      assert.equal((await f.registry.getPin(id.peerId))?.highestSeq, 1)
    } finally { await f.cleanup() }
  })

  it('refuses a key change even after the record is removed', async () => {
    const f = await openFixture()
    try {
      const id = await makeIdentity()
      await f.registry.storePeerKeys(await makeRecord(id), 'dht')
      await f.registry.removePeerKeys(id.peerId)
      const impostor = withForeignPqKeys(id, await makeIdentity())
      await assert.rejects(f.registry.storePeerKeys(await makeRecord(impostor, { seq: 2 }), 'dht'), isError('RegistryError', 'ERR_KEY_CHANGED'))
    } finally { await f.cleanup() }
  })

  it('refuses a rotation proof made by another key', async () => {
    const f = await openFixture()
    try {
      const id = await makeIdentity()
      await f.registry.storePeerKeys(await makeRecord(id), 'dht')
      const stranger = await makeIdentity()
      const { identity: next } = rotateIdentity(id)
      const { rotation: foreignProof } = rotateIdentity({ ...stranger, peerId: id.peerId })
      await assert.rejects(f.registry.storePeerKeys(await makeRecord(next, { seq: 2, rotation: foreignProof }), 'dht'), isError('RegistryError', 'ERR_KEY_CHANGED'))
    } finally { await f.cleanup() }
  })

  it('accepts a key change with a rotation proof by the pinned key and moves the pin', async () => {
    const f = await openFixture()
    try {
      const id = await makeIdentity()
      await f.registry.storePeerKeys(await makeRecord(id), 'direct')
      const { identity: next, rotation } = rotateIdentity(id)
      assert.equal(await f.registry.storePeerKeys((await makeRecord(next, { seq: 2, rotation })).bytes, 'dht'), 'stored')
      const pin = await f.registry.getPin(id.peerId)
      assert.deepEqual(pin?.mlDsaPublicKey, next.mlDsaSigner.publicKey)
      assert.equal(pin?.source, 'seen')
      assert.equal(pin?.highestSeq, 2)
      const entry = await f.registry.get(id.peerId)
      assert.deepEqual(entry?.record.mlKemPublicKey, next.mlKem.publicKey)
      assert.equal(entry?.trust, 'dht', 'a new key starts from the new source\'s trust')
      assert.equal(entry?.verified, false)
      // The old key is no longer accepted: it handed the peer over, so a record it signs now is a fork.
      await assert.rejects(f.registry.storePeerKeys(await makeRecord(id, { seq: 3 }), 'dht'), isError('RegistryError', 'ERR_FORKED_CHAIN'))
    } finally { await f.cleanup() }
  })

  it('anchors by full key: a matching record is trust anchor and verified', async () => {
    const f = await openFixture()
    try {
      const id = await makeIdentity()
      await f.registry.setAnchor(id.peerId, { mlDsaPublicKey: id.mlDsaSigner.publicKey })
      const pin = await f.registry.getPin(id.peerId)
      assert.equal(pin?.source, 'anchor')
      assert.equal(pin?.highestSeq, 0)
      await f.registry.storePeerKeys((await makeRecord(id)).bytes, 'dht')
      const entry = await f.registry.get(id.peerId)
      assert.equal(entry?.trust, 'anchor')
      assert.equal(entry?.verified, true)
      assert.equal((await f.registry.getPin(id.peerId))?.source, 'anchor')
    } finally { await f.cleanup() }
  })

  it('refuses a record against an anchor pin (ERR_ANCHOR_CONFLICT)', async () => {
    const f = await openFixture()
    try {
      const id = await makeIdentity()
      await f.registry.setAnchor(id.peerId, { mlDsaPublicKey: id.mlDsaSigner.publicKey })
      const impostor = withForeignPqKeys(id, await makeIdentity())
      await assert.rejects(f.registry.storePeerKeys(await makeRecord(impostor), 'direct'), isError('RegistryError', 'ERR_ANCHOR_CONFLICT'))
      assert.equal(await f.registry.get(id.peerId), undefined)
    } finally { await f.cleanup() }
  })

  it('anchors by fingerprint: learns the full key from the first matching record', async () => {
    const f = await openFixture()
    try {
      const id = await makeIdentity()
      await f.registry.setAnchor(id.peerId.toString(), { mlDsaFingerprint: fingerprint(id.mlDsaSigner.publicKey) })
      assert.equal((await f.registry.getPin(id.peerId))?.mlDsaPublicKey, undefined)
      await f.registry.storePeerKeys(await makeRecord(id, { seq: 2 }), 'dht')
      const pin = await f.registry.getPin(id.peerId)
      assert.deepEqual(pin?.mlDsaPublicKey, id.mlDsaSigner.publicKey)
      assert.equal(pin?.highestSeq, 2)
      assert.equal((await f.registry.get(id.peerId))?.trust, 'anchor')
    } finally { await f.cleanup() }
  })

  it('refuses a rotation against a fingerprint-only anchor: the proof cannot be checked', async () => {
    const f = await openFixture()
    try {
      const id = await makeIdentity()
      await f.registry.setAnchor(id.peerId, { mlDsaFingerprint: fingerprint(id.mlDsaSigner.publicKey) })
      const { identity: next, rotation } = rotateIdentity(id)
      await assert.rejects(f.registry.storePeerKeys(await makeRecord(next, { seq: 2, rotation }), 'dht'), isError('RegistryError', 'ERR_ANCHOR_CONFLICT'))
    } finally { await f.cleanup() }
  })

  it('follows an anchor\'s rotation, keeps source anchor, and keeps the rotated pin when the same anchor is configured again', async () => {
    const f = await openFixture()
    try {
      const id = await makeIdentity()
      await f.registry.setAnchor(id.peerId, { mlDsaPublicKey: id.mlDsaSigner.publicKey })
      await f.registry.storePeerKeys(await makeRecord(id), 'dht')
      const { identity: next, rotation } = rotateIdentity(id)
      await f.registry.storePeerKeys(await makeRecord(next, { seq: 2, rotation }), 'dht')
      let pin = await f.registry.getPin(id.peerId)
      assert.equal(pin?.source, 'anchor')
      assert.deepEqual(pin?.mlDsaPublicKey, next.mlDsaSigner.publicKey)
      assert.deepEqual(pin?.anchorFingerprint, fingerprint(id.mlDsaSigner.publicKey))
      assert.equal((await f.registry.get(id.peerId))?.trust, 'anchor')

      // A restart configures the original anchor again.
      const registry = await f.reopen()
      await registry.setAnchor(id.peerId, { mlDsaPublicKey: id.mlDsaSigner.publicKey })
      pin = await registry.getPin(id.peerId)
      assert.deepEqual(pin?.mlDsaPublicKey, next.mlDsaSigner.publicKey)
      assert.equal(pin?.highestSeq, 2)
      assert.equal((await registry.get(id.peerId))?.record.seq, 2)
    } finally { await f.cleanup() }
  })

  it('turns a seen pin of the same key into an anchor and upgrades the stored record', async () => {
    const f = await openFixture()
    try {
      const id = await makeIdentity()
      await f.registry.storePeerKeys(await makeRecord(id, { seq: 4 }), 'dht')
      await f.registry.setAnchor(id.peerId, { mlDsaFingerprint: fingerprint(id.mlDsaSigner.publicKey) })
      const pin = await f.registry.getPin(id.peerId)
      assert.equal(pin?.source, 'anchor')
      assert.equal(pin?.highestSeq, 4)
      assert.deepEqual(pin?.mlDsaPublicKey, id.mlDsaSigner.publicKey)
      const entry = await f.registry.get(id.peerId)
      assert.equal(entry?.trust, 'anchor')
      assert.equal(entry?.verified, true)
    } finally { await f.cleanup() }
  })

  it('replaces a seen pin of another key with the anchor and deletes the conflicting record', async () => {
    const f = await openFixture()
    try {
      const id = await makeIdentity()
      const impostor = withForeignPqKeys(id, await makeIdentity())
      await f.registry.storePeerKeys(await makeRecord(impostor, { seq: 9 }), 'dht')
      await f.registry.setAnchor(id.peerId, { mlDsaPublicKey: id.mlDsaSigner.publicKey })
      assert.equal(await f.registry.get(id.peerId), undefined)
      assert.equal(f.registry.size(), 0)
      const pin = await f.registry.getPin(id.peerId)
      assert.deepEqual(pin?.mlDsaPublicKey, id.mlDsaSigner.publicKey)
      assert.equal(pin?.highestSeq, 0, 'a seq reached under an overridden key does not lock the peer out')
      assert.equal(await f.registry.storePeerKeys(await makeRecord(id, { seq: 1 }), 'dht'), 'stored')
    } finally { await f.cleanup() }
  })

  it('refuses trust anchor for a peer that is not an anchor (ERR_NOT_ANCHORED)', async () => {
    const f = await openFixture()
    try {
      const id = await makeIdentity()
      await assert.rejects(f.registry.storePeerKeys(await makeRecord(id), 'anchor'), isError('RegistryError', 'ERR_NOT_ANCHORED'))
      await f.registry.storePeerKeys(await makeRecord(id), 'dht')
      await assert.rejects(f.registry.storePeerKeys(await makeRecord(id, { seq: 2 }), 'anchor'), isError('RegistryError', 'ERR_NOT_ANCHORED'))
    } finally { await f.cleanup() }
  })

  it('refuses a malformed anchor key (ERR_BAD_ANCHOR)', async () => {
    const f = await openFixture()
    try {
      const id = await makeIdentity()
      await assert.rejects(f.registry.setAnchor(id.peerId, { mlDsaPublicKey: new Uint8Array(10) }), isError('RegistryError', 'ERR_BAD_ANCHOR'))
      await assert.rejects(f.registry.setAnchor(id.peerId, { mlDsaFingerprint: new Uint8Array(31) }), isError('RegistryError', 'ERR_BAD_ANCHOR'))
      assert.equal(await f.registry.getPin(id.peerId), undefined)
    } finally { await f.cleanup() }
  })
})
