import { createPrivateKey, createPublicKey, diffieHellman, generateKeyPairSync, type KeyObject } from 'node:crypto'
import { SessionError } from '../errors.js'
import { X25519_KEY_BYTES } from './constants.js'

/** X25519 on node:crypto, with raw 32-byte public keys as Noise sends them. */

const PKCS8_PREFIX = Buffer.from('302e020100300506032b656e04220420', 'hex')

export interface X25519KeyPair {
  privateKey: KeyObject
  /** 32 bytes. */
  publicKey: Uint8Array
}

function rawPublic (key: KeyObject): Uint8Array {
  return new Uint8Array(key.export({ format: 'raw-public' }))
}

/** A key pair from a fixed 32-byte private key (golden vectors); sessions use generateX25519. */
export function x25519FromPrivate (secret: Uint8Array): X25519KeyPair {
  if (secret.byteLength !== X25519_KEY_BYTES) throw new SessionError('ERR_SESSION_BAD_KEY', `an X25519 private key is ${X25519_KEY_BYTES} bytes, not ${secret.byteLength}`)
  const privateKey = createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX, secret]), format: 'der', type: 'pkcs8' })
  return { privateKey, publicKey: rawPublic(createPublicKey(privateKey)) }
}

export function generateX25519 (): X25519KeyPair {
  const { privateKey, publicKey } = generateKeyPairSync('x25519')
  return { privateKey, publicKey: rawPublic(publicKey) }
}

/** DH(own, theirs). A public key that gives the all-zero secret (a low-order point) is refused, ERR_SESSION_BAD_KEY. */
export function x25519Dh (own: X25519KeyPair, theirs: Uint8Array): Uint8Array {
  if (theirs.byteLength !== X25519_KEY_BYTES) throw new SessionError('ERR_SESSION_BAD_KEY', `an X25519 public key is ${X25519_KEY_BYTES} bytes, not ${theirs.byteLength}`)
  let secret: Uint8Array
  try {
    const publicKey = createPublicKey({ key: Buffer.from(theirs.buffer, theirs.byteOffset, theirs.byteLength), format: 'raw-public', asymmetricKeyType: 'x25519' })
    secret = new Uint8Array(diffieHellman({ privateKey: own.privateKey, publicKey }))
  } catch (err) {
    throw new SessionError('ERR_SESSION_BAD_KEY', 'the peer\'s ephemeral X25519 key gives no shared secret', { cause: err })
  }
  if (secret.every(byte => byte === 0)) throw new SessionError('ERR_SESSION_BAD_KEY', 'the peer\'s ephemeral X25519 key is a low-order point')
  return secret
}
