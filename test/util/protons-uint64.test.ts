import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { KeyRecord as KeyRecordMessage } from '../../protobuf/key-record.js'
import { protonsMisencodesUint64 } from '../../src/util/protons-uint64.js'

/** The minimal varint of `value`, as the protobuf encoding defines it. */
function varint (value: bigint): string {
  const out: number[] = []
  for (; value >= 0x80n; value >>= 7n) out.push(Number(value & 0x7fn) | 0x80)
  out.push(Number(value))
  return Buffer.from(out).toString('hex')
}

/** How protons writes `value` as a uint64 field (seq, field 4) of an otherwise empty message. */
function protonsVarint (value: bigint): string {
  const empty = new Uint8Array(0)
  const bytes = KeyRecordMessage.encode({ peerId: empty, mlDsaPublicKey: empty, mlKemPublicKey: empty, seq: value, issuedAt: 0n, expiresAt: 0n, libp2pSignature: empty, mlDsaSignature: empty })
  return Buffer.from(bytes.subarray(1)).toString('hex')
}

describe('protonsMisencodesUint64', () => {
  it('is true exactly where protons-runtime writes a uint64 wrongly (when protons is fixed, this fails and the workaround can go)', () => {
    for (const value of [1n, 127n, 128n, 2n ** 31n - 1n, 2n ** 31n, 2n ** 31n + 5n, 3_000_000_000n, 2n ** 32n - 1n, 2n ** 32n, 2n ** 40n, 2n ** 53n - 1n]) {
      assert.equal(protonsMisencodesUint64(value), protonsVarint(value) !== varint(value), `${value}`)
      assert.equal(protonsMisencodesUint64(Number(value)), protonsMisencodesUint64(value), `${value} as a number`)
    }
  })
})
