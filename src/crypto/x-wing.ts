import { createHash, createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto'
import { CryptoError } from '../errors.js'
import { ML_KEM_768 } from './types.js'

/**
 * The X-Wing hybrid KEM's key material (ML-KEM-768 + X25519, as
 * @hpke/hybridkem-x-wing implements it): a 32-byte seed expands with
 * SHAKE256 to 96 bytes, the first 64 are the ML-KEM-768 seed d || z (the
 * form keydir already keeps), the last 32 the X25519 secret. The X-Wing
 * public key is the ML-KEM-768 public key (1184 bytes) followed by the
 * X25519 one (32 bytes).
 */
export const X_WING = {
  seed: 32,
  x25519PublicKey: 32,
  publicKey: ML_KEM_768.publicKey + 32
} as const

export interface ExpandedXWingSeed {
  /** ML-KEM-768 seed d || z, 64 bytes: `mlKem768.createDecapsulator(mlKemSeed)`. */
  mlKemSeed: Uint8Array
  /** X25519 secret, 32 bytes (clamped when used). */
  x25519Secret: Uint8Array
  /** X25519(x25519Secret, 9), 32 bytes. */
  x25519PublicKey: Uint8Array
}

/** SHAKE256(seed, 96) split as X-Wing does; throws CryptoError on a seed that is not 32 bytes. */
export function expandXWingSeed (seed: Uint8Array): ExpandedXWingSeed {
  if (seed.length !== X_WING.seed) {
    throw new CryptoError('ERR_BAD_SEED_LENGTH', `an X-Wing seed is ${X_WING.seed} bytes, got ${seed.length}`)
  }
  const expanded = new Uint8Array(createHash('shake256', { outputLength: 96 }).update(seed).digest())
  const x25519Secret = expanded.slice(64, 96)
  return { mlKemSeed: expanded.slice(0, 64), x25519Secret, x25519PublicKey: x25519PublicKeyOf(x25519Secret) }
}

/** PKCS #8 and SPKI headers of raw X25519 keys (RFC 8410): DER works on every Node keydir runs on, the raw key formats only on recent ones. */
const X25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b656e04220420', 'hex')
const X25519_SPKI_PREFIX = Buffer.from('302a300506032b656e032100', 'hex')

/** A node:crypto private key from a 32-byte X25519 secret. */
export function x25519PrivateKeyObject (secret: Uint8Array): KeyObject {
  return createPrivateKey({ key: Buffer.concat([X25519_PKCS8_PREFIX, secret]), format: 'der', type: 'pkcs8' })
}

/** A node:crypto public key from a 32-byte X25519 public key. */
export function x25519PublicKeyObject (publicKey: Uint8Array): KeyObject {
  return createPublicKey({ key: Buffer.concat([X25519_SPKI_PREFIX, publicKey]), format: 'der', type: 'spki' })
}

/** The 32 raw bytes of an X25519 public key object. */
export function x25519RawPublicKey (key: KeyObject): Uint8Array {
  const spki = key.export({ format: 'der', type: 'spki' })
  return new Uint8Array(spki.subarray(spki.length - X_WING.x25519PublicKey))
}

/** The X25519 public key of a 32-byte secret: X25519(secret, 9). */
export function x25519PublicKeyOf (secret: Uint8Array): Uint8Array {
  return x25519RawPublicKey(createPublicKey(x25519PrivateKeyObject(secret)))
}

/** What is wrong with an X25519 public key, or undefined when nothing is. */
export type X25519KeyProblem = 'length' | 'not-canonical' | 'small-order'

/**
 * The canonical encodings (u < 2^255 - 19) of the points of small order on
 * Curve25519 and its twist: X25519 of any of them with a clamped scalar
 * (a multiple of 8) is zero, so a sealed message to such a key has a
 * shared secret anyone knows. 0 and 1, the two points of order 8, and
 * p - 1 (libsodium's list without its non-canonical entries).
 */
const SMALL_ORDER_POINTS = [
  '0000000000000000000000000000000000000000000000000000000000000000',
  '0100000000000000000000000000000000000000000000000000000000000000',
  'e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800',
  '5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157',
  'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f'
].map(hex => Buffer.from(hex, 'hex'))

/**
 * Checks an X25519 public key as keydir's records carry it: exactly 32
 * bytes, canonical (little-endian u with the top bit clear and
 * u < 2^255 - 19, so each key has one encoding), and not a point of small
 * order.
 */
export function x25519KeyProblem (key: Uint8Array): X25519KeyProblem | undefined {
  if (key.length !== X_WING.x25519PublicKey) return 'length'
  if (!isCanonicalU(key)) return 'not-canonical'
  if (SMALL_ORDER_POINTS.some(point => Buffer.compare(point, key) === 0)) return 'small-order'
  return undefined
}

/** Little-endian u < 2^255 - 19: p is 0xed, 30 bytes of 0xff, 0x7f. */
function isCanonicalU (key: Uint8Array): boolean {
  if (key[31] > 0x7f) return false
  if (key[31] < 0x7f) return true
  for (let i = 30; i >= 1; i--) {
    if (key[i] !== 0xff) return true
  }
  return key[0] < 0xed
}
