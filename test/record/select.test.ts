import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { describe, it } from 'node:test'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { nativeCrypto } from '../../src/crypto/index.js'
import { compareKeyRecords, createKeyRecord, selectKeyRecord } from '../../src/record/index.js'
import type { KeyRecord } from '../../src/record/index.js'

const issuedAt = 1_800_000_000_000

describe('selectKeyRecord', async () => {
  const privateKey = await generateKeyPair('Ed25519')
  const signer = nativeCrypto.mlDsa65.createSigner(randomBytes(32))
  const kem = nativeCrypto.mlKem768.createDecapsulator(randomBytes(64))
  const make = async (seq: number, at: number, lifetimeMs = 60_000): Promise<KeyRecord> =>
    createKeyRecord({ privateKey, mlDsaSigner: signer, mlKemPublicKey: kem.publicKey, seq, issuedAt: at, lifetimeMs })

  it('prefers the higher sequence in either order', async () => {
    const low = await make(1, issuedAt + 1000, 120_000)
    const high = await make(2, issuedAt)
    assert.equal(selectKeyRecord([low, high]), 1)
    assert.equal(selectKeyRecord([high, low]), 0)
  })

  it('breaks a sequence tie by later expiry, then later issue time', async () => {
    const early = await make(3, issuedAt)
    const late = await make(3, issuedAt + 1000)
    assert.equal(selectKeyRecord([early, late]), 1)
    assert.equal(selectKeyRecord([late, early]), 0)
    const longer = await make(3, issuedAt, 61_000 + 999)
    const laterIssued = await make(3, issuedAt + 999, 61_000 - 999 + 999)
    assert.ok(compareKeyRecords(longer, laterIssued) !== 0)
  })

  it('breaks a full tie by bytes, the same way in both orders', async () => {
    const a = await make(4, issuedAt)
    const b = await make(4, issuedAt) // same fields, new hedged ML-DSA signature
    const first = selectKeyRecord([a, b]) === 0 ? a : b
    const second = selectKeyRecord([b, a]) === 0 ? b : a
    assert.equal(first, second)
    assert.equal(compareKeyRecords(a, a), 0)
  })
})
