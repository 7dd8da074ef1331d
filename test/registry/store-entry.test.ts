import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { RegistryEntry as EntryMessage } from '../../protobuf/registry-entry.js'
import { fingerprint } from '../../src/crypto/index.js'
import { decodeEntry, decodeNonce, decodePin, encodeEntry, encodeNonce, encodePin } from '../../src/registry/store-entry.js'
import { makeIdentity, makeRecord } from '../helpers/records.js'
import { isError } from './fixture.js'
import type { Pin } from '../../src/registry/index.js'

describe('registry store-entry codec', () => {
  it('round-trips an entry', async () => {
    const record = await makeRecord(await makeIdentity())
    const decoded = decodeEntry(encodeEntry({ record, trust: 'direct', verified: true, storedAt: 1_700_000_000_123 }))
    assert.deepEqual(decoded.recordBytes, record.bytes)
    assert.equal(decoded.trust, 'direct')
    assert.equal(decoded.verified, true)
    assert.equal(decoded.storedAt, 1_700_000_000_123)
  })

  it('rejects unknown trust, a missing record, a huge time and bad protobuf', () => {
    const record = new Uint8Array([1, 2, 3])
    for (const bytes of [
      EntryMessage.encode({ record, trust: 'toString', storedAt: 1n }),
      EntryMessage.encode({ record, trust: '', storedAt: 1n }),
      EntryMessage.encode({ trust: 'dht', storedAt: 1n }),
      EntryMessage.encode({ record, trust: 'dht', storedAt: 1n << 60n }),
      new Uint8Array([0x12, 0x05, 0x61])
    ]) {
      assert.throws(() => decodeEntry(bytes), isError('RegistryError', 'ERR_CORRUPT_VALUE'))
    }
  })

  it('round-trips seen and anchor pins', async () => {
    const id = await makeIdentity()
    const key = id.mlDsaSigner.publicKey
    const seen: Pin = { mlDsaPublicKey: key, fingerprint: fingerprint(key), highestSeq: 9, source: 'seen' }
    assert.deepEqual(decodePin(encodePin(seen)), { ...seen, anchorFingerprint: undefined })
    const anchor: Pin = { fingerprint: fingerprint(key), highestSeq: 0, source: 'anchor', anchorFingerprint: fingerprint(key) }
    assert.deepEqual(decodePin(encodePin(anchor)), { ...anchor, mlDsaPublicKey: undefined })
  })

  it('round-trips nonces over the whole uint64 range', () => {
    for (const value of [0n, 1n, 1_700_000_000_000_000n, (1n << 64n) - 1n]) {
      assert.equal(decodeNonce(encodeNonce(value)), value)
    }
    assert.throws(() => decodeNonce(new Uint8Array([0x08])), isError('RegistryError', 'ERR_CORRUPT_VALUE'))
  })
})
