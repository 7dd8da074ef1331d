import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { describe, it } from 'node:test'
import { isMlKem768EncapsulationKey } from '../../src/crypto/checks.js'
import { selectPqCrypto } from '../../src/crypto/index.js'

describe('ML-KEM-768 encapsulation-key check (FIPS 203, 7.2)', () => {
  const crypto = selectPqCrypto()

  it('passes every generated key', () => {
    for (let i = 0; i < 20; i++) assert.ok(isMlKem768EncapsulationKey(crypto.mlKem768.createDecapsulator(randomBytes(64)).publicKey))
  })

  it('refuses all 0xff, a wrong length, and a single coefficient of q or more, in either half of a 3-byte pair', () => {
    assert.equal(isMlKem768EncapsulationKey(new Uint8Array(1184).fill(0xff)), false)
    const key = crypto.mlKem768.createDecapsulator(new Uint8Array(64).fill(7)).publicKey
    assert.equal(isMlKem768EncapsulationKey(key.subarray(1)), false)
    // Coefficient 0 of pair 100 set to q = 3329 = 0xd01: b0 = 0x01, low nibble of b1 = 0xd.
    const low = Uint8Array.from(key)
    low[300] = 0x01
    low[301] = (low[301] & 0xf0) | 0x0d
    assert.equal(isMlKem768EncapsulationKey(low), false)
    // Coefficient 1 of the last pair set to q: high nibble of b1 = 0x1, b2 = 0xd0.
    const high = Uint8Array.from(key)
    high[1150] = (high[1150] & 0x0f) | 0x10
    high[1151] = 0xd0
    assert.equal(isMlKem768EncapsulationKey(high), false)
    // q - 1 is fine; rho, the last 32 bytes, may be anything.
    const edge = Uint8Array.from(key)
    edge[1150] = (edge[1150] & 0x0f) | 0x00
    edge[1151] = 0xd0
    edge.fill(0xff, 1152)
    assert.ok(isMlKem768EncapsulationKey(edge))
  })
})
