import { hasNativePqCrypto, nativeCrypto, nobleCrypto, type PqCrypto } from '../../src/crypto/index.js'

/** Both implementations; native is skipped, with the reason, on a Node without it. */
export const implementations: Array<{ impl: PqCrypto, skip: string | false }> = [
  { impl: nativeCrypto, skip: hasNativePqCrypto() ? false : 'node:crypto has no ML-DSA-65 / ML-KEM-768 here' },
  { impl: nobleCrypto, skip: false }
]

export function fromHex (hex: string): Uint8Array {
  return new Uint8Array(Buffer.from(hex, 'hex'))
}

/** Hex for comparisons: a failing assert then prints a readable diff, not 3309 numbers. */
export function toHex (bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex')
}

export function concat (...parts: Uint8Array[]): Uint8Array {
  return new Uint8Array(Buffer.concat(parts))
}

/** A copy of `bytes` with bit `bit` flipped. */
export function flipBit (bytes: Uint8Array, bit: number): Uint8Array {
  const flipped = bytes.slice()
  flipped[bit >> 3] ^= 1 << (bit & 7)
  return flipped
}

export function seedOf (length: number, fill: number): Uint8Array {
  return new Uint8Array(length).fill(fill)
}
