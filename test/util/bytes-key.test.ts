import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { bytesKey } from '../../src/util/bytes-key.js'

describe('bytesKey', () => {
  it('gives distinct strings for distinct bytes, every byte value included, and equal ones for equal bytes', () => {
    const all = Uint8Array.from({ length: 256 }, (_, i) => i)
    const keys = new Set([...all].map(byte => bytesKey(Uint8Array.of(byte))))
    assert.equal(keys.size, 256)
    assert.equal(bytesKey(all).length, 256)
    assert.equal(bytesKey(Uint8Array.of(1, 2, 3)), bytesKey(Buffer.from([1, 2, 3])))
    assert.notEqual(bytesKey(Uint8Array.of(1, 2)), bytesKey(Uint8Array.of(1, 2, 0)))
  })

  it('keys a view, or a range of it, by those bytes only', () => {
    const shared = Uint8Array.from([9, 9, 1, 2, 3, 9])
    assert.equal(bytesKey(shared.subarray(2, 5)), bytesKey(Uint8Array.of(1, 2, 3)))
    assert.equal(bytesKey(shared, 2, 3), bytesKey(Uint8Array.of(1, 2, 3)))
    assert.equal(bytesKey(shared.subarray(1), 1, 3), bytesKey(Uint8Array.of(1, 2, 3)))
  })
})
