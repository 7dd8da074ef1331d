import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { ByteWriter } from '../../src/util/byte-writer.js'

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex')

describe('ByteWriter', () => {
  it('writes the fixed layout: domain and zero byte, big-endian integers, u16-prefixed fields', () => {
    const bytes = new ByteWriter()
      .domain(new TextEncoder().encode('ab'))
      .u8(7)
      .u16(0x0102)
      .u64(0x0102030405060708n)
      .u64(1)
      .prefixed(Uint8Array.of(0xaa, 0xbb))
      .bytes(Uint8Array.of(0xcc))
      .finish()
    assert.equal(hex(bytes), '616200' + '07' + '0102' + '0102030405060708' + '0000000000000001' + '0002aabb' + 'cc')
  })

  it('grows past its capacity and hands out only what was written', () => {
    const big = Uint8Array.from({ length: 5000 }, (_, i) => i % 251)
    for (const capacity of [1, 2, 16, 5011, 10_000]) {
      const bytes = new ByteWriter(capacity).u8(1).u16(2).prefixed(big).u64(3).finish()
      assert.equal(bytes.length, 1 + 2 + 2 + big.length + 8, `capacity ${capacity}`)
      assert.equal(hex(bytes.subarray(0, 5)), '0100021388')
      assert.deepEqual(Uint8Array.from(bytes.subarray(5, 5 + big.length)), big)
      assert.equal(hex(bytes.subarray(5 + big.length)), '0000000000000003')
    }
  })

  it('gives independent writers independent bytes', () => {
    const first = new ByteWriter(4).u16(0xffff).finish()
    const second = new ByteWriter(4).u16(0x0001).finish()
    assert.equal(hex(first), 'ffff')
    assert.equal(hex(second), '0001')
  })
})
