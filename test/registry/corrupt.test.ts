import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { Nonce, Pin as PinMessage, RegistryEntry as EntryMessage } from '../../protobuf/registry-entry.js'
import { fingerprint } from '../../src/crypto/index.js'
import { makeIdentity, makeRecord, withForeignPqKeys } from '../helpers/records.js'
import { isError, openFixture } from './fixture.js'
import type { Fixture } from './fixture.js'
import type { TestIdentity } from '../helpers/records.js'

function entryBytes (record: Uint8Array, trust = 'dht', storedAt = 1n): Uint8Array {
  return EntryMessage.encode({ record: record as Uint8Array<ArrayBuffer>, trust, verified: true, storedAt })
}

/** Store a good record for `id`, then replace its stored value with `value` and reopen. */
async function corruptRecord (f: Fixture, id: TestIdentity, value: Uint8Array): Promise<void> {
  await f.registry.storePeerKeys(await makeRecord(id), 'dht')
  await f.writeRaw('records', id.peerId.toString(), value)
  await f.reopen()
}

async function assertAbsent (f: Fixture, id: TestIdentity): Promise<void> {
  assert.equal(await f.registry.get(id.peerId), undefined)
  assert.equal(await f.registry.hasCompleteKeys(id.peerId), false)
  assert.equal(await f.registry.isVerified(id.peerId), false)
  assert.deepEqual(await f.registry.listPeers(), [])
  assert.ok(f.corrupt.length > 0, 'reported')
  for (const { key } of f.corrupt) {
    assert.equal(key, `records/${id.peerId.toString()}`)
  }
}

describe('PeerKeyRegistry: corrupt and foreign values', () => {
  it('skips garbage bytes', async () => {
    const f = await openFixture()
    try {
      const id = await makeIdentity()
      await corruptRecord(f, id, new Uint8Array([0xff, 0xff, 0xff, 0x07, 0x01]))
      await assertAbsent(f, id)
      assert.equal(f.corrupt[0].err.name, 'RegistryError')
      // A fresh record replaces the garbage.
      assert.equal(await f.registry.storePeerKeys(await makeRecord(id, { seq: 2 }), 'dht'), 'stored')
      assert.equal((await f.registry.get(id.peerId))?.record.seq, 2)
    } finally { await f.cleanup() }
  })

  it('skips a valid protobuf whose record fails validation', async () => {
    const f = await openFixture()
    try {
      const id = await makeIdentity()
      const bytes = (await makeRecord(id)).bytes.slice()
      bytes[bytes.length - 5] ^= 0x10
      await corruptRecord(f, id, entryBytes(bytes))
      await assertAbsent(f, id)
      assert.equal((f.corrupt[0].err as any).code, 'ERR_BAD_ML_DSA_SIGNATURE')
    } finally { await f.cleanup() }
  })

  it('skips a record stored under another peer\'s key', async () => {
    const f = await openFixture()
    try {
      const [id, other] = await Promise.all([makeIdentity(), makeIdentity()])
      await corruptRecord(f, id, entryBytes((await makeRecord(other)).bytes))
      await assertAbsent(f, id)
      assert.equal((f.corrupt[0].err as any).code, 'ERR_PEER_ID_MISMATCH')
    } finally { await f.cleanup() }
  })

  it('skips an entry with an unknown trust level, or without a record', async () => {
    const f = await openFixture()
    try {
      const id = await makeIdentity()
      await corruptRecord(f, id, entryBytes((await makeRecord(id)).bytes, 'root'))
      await assertAbsent(f, id)
      await f.writeRaw('records', id.peerId.toString(), new Uint8Array(0))
      await f.reopen()
      assert.equal(await f.registry.get(id.peerId), undefined)
      assert.equal(f.corrupt.length, 2)
    } finally { await f.cleanup() }
  })

  it('skips a valid record that does not fit the peer\'s pin', async () => {
    const f = await openFixture()
    try {
      const id = await makeIdentity()
      const impostor = withForeignPqKeys(id, await makeIdentity())
      await corruptRecord(f, id, entryBytes((await makeRecord(impostor)).bytes))
      await assertAbsent(f, id)
      assert.match(f.corrupt[0].err.message, /pinned key/)
    } finally { await f.cleanup() }
  })

  it('skips a record that claims anchor trust for a peer that is no anchor', async () => {
    const f = await openFixture()
    try {
      const id = await makeIdentity()
      await corruptRecord(f, id, entryBytes((await makeRecord(id)).bytes, 'anchor'))
      await assertAbsent(f, id)
    } finally { await f.cleanup() }
  })

  it('skips a key that is not a PeerId when listing', async () => {
    const f = await openFixture()
    try {
      const id = await makeIdentity()
      await f.registry.storePeerKeys(await makeRecord(id), 'dht')
      await f.writeRaw('records', 'not-a-peer', entryBytes((await makeRecord(id)).bytes))
      await f.reopen()
      assert.deepEqual((await f.registry.listPeers()).map(e => e.record.peerId.toString()), [id.peerId.toString()])
      assert.equal(f.corrupt[0].key, 'records/not-a-peer')
    } finally { await f.cleanup() }
  })

  it('does not report an expired record as corrupt', async () => {
    const f = await openFixture()
    try {
      const id = await makeIdentity()
      await f.registry.storePeerKeys(await makeRecord(id, { issuedAt: f.clock.ms, lifetimeMs: 1000 }), 'dht')
      const registry = await f.reopen()
      f.clock.advance(1000)
      assert.equal(await registry.get(id.peerId), undefined)
      assert.deepEqual(await registry.listPeers(), [])
      assert.equal(f.corrupt.length, 0)
    } finally { await f.cleanup() }
  })

  it('reports a corrupt pin, refuses to store over it, and lets an anchor replace it', async () => {
    const f = await openFixture()
    try {
      const id = await makeIdentity()
      await f.registry.storePeerKeys(await makeRecord(id), 'dht')
      await f.writeRaw('pins', id.peerId.toString(), PinMessage.encode({ fingerprint: new Uint8Array(5), source: 'seen' }))
      await f.reopen()
      assert.equal(await f.registry.getPin(id.peerId), undefined)
      assert.equal(f.corrupt[0].key, `pins/${id.peerId.toString()}`)
      assert.equal(await f.registry.get(id.peerId), undefined, 'a record is not trusted without its pin')
      await assert.rejects(f.registry.storePeerKeys(await makeRecord(id, { seq: 2 }), 'dht'), isError('RegistryError', 'ERR_CORRUPT_PIN'))

      await f.registry.setAnchor(id.peerId, { mlDsaFingerprint: fingerprint(id.mlDsaSigner.publicKey) })
      assert.equal(await f.registry.storePeerKeys(await makeRecord(id, { seq: 2 }), 'dht'), 'stored')
      assert.equal((await f.registry.get(id.peerId))?.trust, 'anchor')
    } finally { await f.cleanup() }
  })

  it('rejects every malformed pin shape', async () => {
    const f = await openFixture()
    try {
      const id = await makeIdentity()
      const key = id.mlDsaSigner.publicKey as Uint8Array<ArrayBuffer>
      const fp = fingerprint(key) as Uint8Array<ArrayBuffer>
      const bad = [
        PinMessage.encode({ mlDsaPublicKey: key, fingerprint: fp, source: 'trusted' }),
        PinMessage.encode({ mlDsaPublicKey: key, fingerprint: new Uint8Array(32), source: 'seen' }),
        PinMessage.encode({ fingerprint: fp, source: 'seen' }),
        PinMessage.encode({ mlDsaPublicKey: key, fingerprint: fp, source: 'anchor' }),
        PinMessage.encode({ mlDsaPublicKey: key, fingerprint: fp, source: 'seen', anchorFingerprint: fp }),
        PinMessage.encode({ mlDsaPublicKey: key, fingerprint: fp, source: 'seen', highestSeq: 1n << 60n }),
        new Uint8Array([0x0a, 0xff])
      ]
      for (const value of bad) {
        await f.writeRaw('pins', id.peerId.toString(), value)
        await f.reopen()
        assert.equal(await f.registry.getPin(id.peerId), undefined)
      }
      assert.equal(f.corrupt.length, bad.length)
    } finally { await f.cleanup() }
  })

  it('treats a corrupt nonce as absent and reports it', async () => {
    const f = await openFixture()
    try {
      const id = await makeIdentity()
      // A peer the registry holds: only such a peer's nonce is on disk.
      await f.registry.storePeerKeys(await makeRecord(id), 'dht')
      await f.nonceBook().acceptInbound(id.peerId, 10n)
      await f.writeRaw('nonces', id.peerId.toString(), new Uint8Array([0x08]))
      await f.writeRaw('meta', 'outbound-nonce', new Uint8Array([0x08, 0xff]))
      await f.reopen()
      assert.equal(await f.nonceBook().acceptInbound(id.peerId, 3n), true)
      assert.equal(await f.nonceBook().acceptInbound(id.peerId, 3n), false)
      assert.ok(await f.nonceBook().nextOutbound() >= BigInt(f.clock.ms) * 1000n)
      // The outbound ceiling is read (and reported) on the first outbound nonce, the inbound nonce when it is used.
      assert.deepEqual(f.corrupt.map(c => c.key).sort(), ['meta/outbound-nonce', `nonces/${id.peerId.toString()}`])
      // A well-formed nonce is read back.
      await f.writeRaw('nonces', id.peerId.toString(), Nonce.encode({ value: 50n }))
      await f.reopen()
      assert.equal(await f.nonceBook().acceptInbound(id.peerId, 50n), false)
    } finally { await f.cleanup() }
  })
})
