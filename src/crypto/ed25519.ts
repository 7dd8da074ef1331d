import { createPublicKey, verify, type KeyObject } from 'node:crypto'
import { LRUCache } from 'lru-cache'
import { bytesKey } from '../util/bytes-key.js'

/**
 * Ed25519 verification of the libp2p signature on key records, with the
 * node:crypto key object kept per public key: @libp2p/crypto rebuilds it on
 * every verify, which costs about as much as the verify itself.
 */

const ED25519_PUBLIC_KEY_LENGTH = 32
const ED25519_SIGNATURE_LENGTH = 64
/** DER SubjectPublicKeyInfo header for a raw 32-byte Ed25519 key (RFC 8410). */
const SPKI_PREFIX = Uint8Array.from([0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00])

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

/** True only for a valid signature; false for any malformed input. */
export function verifyEd25519 (publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  if (publicKey.length !== ED25519_PUBLIC_KEY_LENGTH || signature.length !== ED25519_SIGNATURE_LENGTH) {
    return false
  }
  try {
    return verify(null, message, keyObjectFor(publicKey), signature)
  } catch {
    return false
  }
}
