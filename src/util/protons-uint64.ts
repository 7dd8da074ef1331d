/**
 * Whether protons-runtime (7.1.2 and 8.0.1) writes this uint64 wrongly. Its
 * LongBits keeps the low half signed, so for values from 2^31 to 2^32 - 1
 * the varint writer stops after one byte of the five it reserved, and the
 * other four are whatever was in the buffer. Values keydir must write back
 * (a record's seq and times, a request's nonce) are refused in this range;
 * keydir's own values are clock readings, far above it.
 */
export function protonsMisencodesUint64 (value: number | bigint): boolean {
  return value >= 2 ** 31 && value < 2 ** 32
}

/** The largest protobuf uint64. */
export const MAX_UINT64 = (1n << 64n) - 1n
