import { createPublicKey, verify, type KeyObject } from 'node:crypto'
import { LRUCache } from 'lru-cache'
import { bytesKey } from '../util/bytes-key.js'

/**
 * Ed25519 verification of the libp2p signature on key records, with the
 * node:crypto key object kept per public key: @libp2p/crypto rebuilds it on
 * every verify, which costs about as much as the verify itself.
 *
 * The rule is RFC 8032's, strict, named so other implementations agree
 * (docs/record-format.md, "Ed25519"): the key A and the signature's R must
 * be canonical encodings (y below 2^255 - 19, no sign bit on x = 0) of
 * points that are not of small order, S must be below L, and the
 * cofactorless equation [S]B = R + [k]A must hold. A ZIP-215 verifier
 * (noble's default) accepts more: the identity key with R = identity and
 * S = 0 verifies any message there, and a PeerId made of such a key would
 * be anyone's.
 */

const ED25519_PUBLIC_KEY_LENGTH = 32
const ED25519_SIGNATURE_LENGTH = 64
/** DER SubjectPublicKeyInfo header for a raw 32-byte Ed25519 key (RFC 8410). */
const SPKI_PREFIX = Uint8Array.from([0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00])

/** L, the order of the base point, little-endian. */
const GROUP_ORDER = Uint8Array.from(Buffer.from('edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010', 'hex'))

/**
 * The canonical encodings of the eight points of small order (the torsion
 * subgroup). A non-canonical encoding is refused before this list is looked
 * at, so these eight are all there is to refuse.
 */
export const SMALL_ORDER_ENCODINGS: readonly Uint8Array[] = [
  '0100000000000000000000000000000000000000000000000000000000000000', // identity
  'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f', // order 2
  '0000000000000000000000000000000000000000000000000000000000000000', // order 4
  '0000000000000000000000000000000000000000000000000000000000000080', // order 4
  '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05', // order 8
  '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85', // order 8
  'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a', // order 8
  'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa' // order 8
].map(hex => Uint8Array.from(Buffer.from(hex, 'hex')))

const keyObjects = new LRUCache<string, KeyObject>({ max: 4096 })

function keyObjectFor (publicKey: Uint8Array): KeyObject {
  const id = bytesKey(publicKey)
  let key = keyObjects.get(id)
  if (key == null) {
    const der = new Uint8Array(SPKI_PREFIX.length + ED25519_PUBLIC_KEY_LENGTH)
    der.set(SPKI_PREFIX)
    der.set(publicKey, SPKI_PREFIX.length)
    key = createPublicKey({ key: Buffer.from(der), format: 'der', type: 'spki' })
    keyObjects.set(id, key)
  }
  return key
}

/** The cofactorless equation, by whatever OpenSSL Node is built with. */
export type Ed25519Equation = (publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array) => boolean

function opensslEquation (publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  try {
    return verify(null, message, keyObjectFor(publicKey), signature)
  } catch {
    return false
  }
}

/**
 * True only for a valid signature by the strict rule; false for any
 * malformed input. `equation` is for tests: keydir's own checks must hold
 * whatever the library beneath accepts.
 */
export function verifyEd25519 (publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array, equation: Ed25519Equation = opensslEquation): boolean {
  if (publicKey.length !== ED25519_PUBLIC_KEY_LENGTH || signature.length !== ED25519_SIGNATURE_LENGTH) {
    return false
  }
  if (!isStrictPoint(publicKey) || !isStrictPoint(signature.subarray(0, 32)) || !isBelowGroupOrder(signature.subarray(32))) {
    return false
  }
  return equation(publicKey, message, signature)
}

/**
 * A canonical point encoding that is not of small order. Points off the
 * curve are left to the verify itself, which refuses them.
 */
export function isStrictPoint (encoding: Uint8Array): boolean {
  return isCanonicalEncoding(encoding) && !SMALL_ORDER_ENCODINGS.some(point => Buffer.compare(point, encoding) === 0)
}

/**
 * y below p = 2^255 - 19 (little-endian, the top bit is x's sign), and no
 * sign bit on x = 0, which happens for y = 1 and y = p - 1 only.
 */
function isCanonicalEncoding (encoding: Uint8Array): boolean {
  const top = encoding[31] & 0x7f
  const sign = encoding[31] & 0x80
  let yAtLeastP = top === 0x7f && encoding[0] >= 0xed
  for (let i = 1; i <= 30 && yAtLeastP; i++) yAtLeastP = encoding[i] === 0xff
  if (yAtLeastP) return false
  if (sign === 0) return true
  const y = Uint8Array.from(encoding)
  y[31] = top
  const one = new Uint8Array(32)
  one[0] = 1
  const minusOne = Uint8Array.from(SMALL_ORDER_ENCODINGS[1])
  return Buffer.compare(y, one) !== 0 && Buffer.compare(y, minusOne) !== 0
}

/** S < L, compared as 256-bit little-endian numbers. */
function isBelowGroupOrder (s: Uint8Array): boolean {
  for (let i = 31; i >= 0; i--) {
    if (s[i] !== GROUP_ORDER[i]) return s[i] < GROUP_ORDER[i]
  }
  return false
}
