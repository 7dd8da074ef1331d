import { createPublicKey, diffieHellman, generateKeyPairSync, type KeyObject } from 'node:crypto'
import { x25519PrivateKeyObject, x25519PublicKeyObject, x25519RawPublicKey } from '../crypto/index.js'
import { SessionError } from '../errors.js'
import { X25519_KEY_BYTES } from './constants.js'

/** X25519 on node:crypto, with raw 32-byte public keys as Noise sends them. */

export interface X25519KeyPair {
  privateKey: KeyObject
  /** 32 bytes. */
  publicKey: Uint8Array
}

/** A key pair from a fixed 32-byte private key (golden vectors); sessions use generateX25519. */
export function x25519FromPrivate (secret: Uint8Array): X25519KeyPair {
  if (secret.byteLength !== X25519_KEY_BYTES) throw new SessionError('ERR_SESSION_BAD_KEY', `an X25519 private key is ${X25519_KEY_BYTES} bytes, not ${secret.byteLength}`)
  const privateKey = x25519PrivateKeyObject(secret)
  return { privateKey, publicKey: x25519RawPublicKey(createPublicKey(privateKey)) }
}

export function generateX25519 (): X25519KeyPair {
  const { privateKey, publicKey } = generateKeyPairSync('x25519')
  return { privateKey, publicKey: x25519RawPublicKey(publicKey) }
}

/** DH(own, theirs). A public key that gives the all-zero secret (a low-order point) is refused, ERR_SESSION_BAD_KEY. */
export function x25519Dh (own: X25519KeyPair, theirs: Uint8Array): Uint8Array {
  if (theirs.byteLength !== X25519_KEY_BYTES) throw new SessionError('ERR_SESSION_BAD_KEY', `an X25519 public key is ${X25519_KEY_BYTES} bytes, not ${theirs.byteLength}`)
  let secret: Uint8Array
  try {
    const publicKey = x25519PublicKeyObject(theirs)
    secret = new Uint8Array(diffieHellman({ privateKey: own.privateKey, publicKey }))
  } catch (err) {
    throw new SessionError('ERR_SESSION_BAD_KEY', 'the peer\'s ephemeral X25519 key gives no shared secret', { cause: err })
  }
  if (secret.every(byte => byte === 0)) throw new SessionError('ERR_SESSION_BAD_KEY', 'the peer\'s ephemeral X25519 key is a low-order point')
  return secret
}
