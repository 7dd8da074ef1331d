import { peerIdFromMultihash } from '@libp2p/peer-id'
import * as Digest from 'multiformats/hashes/digest'
import { SessionIdentity } from '../../protobuf/session.js'
import { SessionError } from '../errors.js'
import { ML_DSA_65, ML_KEM_768 } from '../crypto/types.js'
import { AEAD_TAG_BYTES, MAX_IDENTITY_BYTES, MAX_USER_PROTOCOL_BYTES, PROLOGUE_DOMAIN, SECURE_PROTOCOL_PREFIX, X25519_KEY_BYTES } from './constants.js'
import type { PeerId } from '@libp2p/interface'

/**
 * The session's bytes on the wire (docs/session.md, "Messages"): the
 * prologue, the layouts of handshake messages 1 and 2, the SessionIdentity
 * payload, the user protocol's rules. Every length is checked exactly.
 */

const encoder = new TextEncoder()

/** Message 1: e (32) || e1 (1184); its payload is empty. */
export const MESSAGE1_BYTES = X25519_KEY_BYTES + ML_KEM_768.publicKey
/** Message 2 before its payload: e (32) || ekem1, the ML-KEM ciphertext encrypted (1088 + 16). */
export const MESSAGE2_FIXED_BYTES = X25519_KEY_BYTES + ML_KEM_768.cipherText + AEAD_TAG_BYTES
/** The smallest and largest encrypted identity payload. */
export const MIN_SEALED_IDENTITY_BYTES = 4 + ML_DSA_65.signature + AEAD_TAG_BYTES
export const MAX_SEALED_IDENTITY_BYTES = MAX_IDENTITY_BYTES + AEAD_TAG_BYTES

/** u16 big-endian length, then the bytes. */
function prefixed (bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(2 + bytes.byteLength)
  new DataView(out.buffer).setUint16(0, bytes.byteLength)
  out.set(bytes, 2)
  return out
}

/**
 * The prologue both sides mix in before any message: the domain, the
 * dialer's PeerId, the listener's PeerId (multihash bytes) and the user
 * protocol, each with a 2-byte length. A side that sees a different
 * connection (another dialer or listener) or protocol computes another
 * handshake hash, and message 2 fails to decrypt.
 */
export function sessionPrologue (dialer: PeerId, listener: PeerId, protocol: string): Uint8Array {
  const parts = [encoder.encode(PROLOGUE_DOMAIN), dialer.toMultihash().bytes, listener.toMultihash().bytes, encoder.encode(protocol)].map(prefixed)
  return Buffer.concat(parts)
}

/** Throws SessionError ERR_SESSION_BAD_PROTOCOL unless `protocol` is 1 to 256 bytes of printable ASCII starting with `/`. */
export function checkUserProtocol (protocol: string): void {
  if (typeof protocol !== 'string' || !/^\/[\x21-\x7e]*$/.test(protocol) || protocol.length > MAX_USER_PROTOCOL_BYTES) {
    throw new SessionError('ERR_SESSION_BAD_PROTOCOL', `a secure protocol is 1 to ${MAX_USER_PROTOCOL_BYTES} printable ASCII characters starting with '/', not ${JSON.stringify(String(protocol)).slice(0, 80)}`)
  }
}

/** The libp2p protocol id of a user protocol's sessions. */
export function wireProtocol (protocol: string): string {
  checkUserProtocol(protocol)
  return SECURE_PROTOCOL_PREFIX + protocol
}

export interface Message1 {
  ephemeral: Uint8Array
  kemPublicKey: Uint8Array
}

export function splitMessage1 (body: Uint8Array): Message1 {
  if (body.byteLength !== MESSAGE1_BYTES) throw new SessionError('ERR_SESSION_BAD_MESSAGE', `handshake message 1 is ${MESSAGE1_BYTES} bytes, not ${body.byteLength}`)
  return { ephemeral: body.subarray(0, X25519_KEY_BYTES), kemPublicKey: body.subarray(X25519_KEY_BYTES) }
}

/** Message 4: the empty plaintext, so its tag alone. */
export const MESSAGE4_BYTES = AEAD_TAG_BYTES

export interface Message2 {
  ephemeral: Uint8Array
  sealedCipherText: Uint8Array
  sealedIdentity: Uint8Array
}

export function splitMessage2 (body: Uint8Array): Message2 {
  const payload = body.byteLength - MESSAGE2_FIXED_BYTES
  if (payload < MIN_SEALED_IDENTITY_BYTES || payload > MAX_SEALED_IDENTITY_BYTES) {
    throw new SessionError('ERR_SESSION_BAD_MESSAGE', `handshake message 2 is ${MESSAGE2_FIXED_BYTES + MIN_SEALED_IDENTITY_BYTES} to ${MESSAGE2_FIXED_BYTES + MAX_SEALED_IDENTITY_BYTES} bytes, not ${body.byteLength}`)
  }
  return {
    ephemeral: body.subarray(0, X25519_KEY_BYTES),
    sealedCipherText: body.subarray(X25519_KEY_BYTES, MESSAGE2_FIXED_BYTES),
    sealedIdentity: body.subarray(MESSAGE2_FIXED_BYTES)
  }
}

export function encodeIdentity (peerId: PeerId, signature: Uint8Array): Uint8Array {
  return SessionIdentity.encode({ peerId: peerId.toMultihash().bytes, signature: signature as Uint8Array<ArrayBuffer> })
}

export interface DecodedIdentity {
  peerId: PeerId
  signature: Uint8Array
}

/**
 * A SessionIdentity, checked: within MAX_IDENTITY_BYTES, canonical (it
 * re-encodes to the same bytes: no unknown, repeated or reordered fields),
 * a 3309-byte signature, a PeerId of one of the forms identityPeerId takes.
 * ERR_SESSION_BAD_MESSAGE otherwise.
 */
export function decodeIdentity (bytes: Uint8Array): DecodedIdentity {
  if (bytes.byteLength > MAX_IDENTITY_BYTES) throw new SessionError('ERR_SESSION_BAD_MESSAGE', `a session identity is at most ${MAX_IDENTITY_BYTES} bytes, not ${bytes.byteLength}`)
  let decoded: SessionIdentity
  try {
    decoded = SessionIdentity.decode(bytes)
  } catch (err) {
    throw new SessionError('ERR_SESSION_BAD_MESSAGE', 'a session identity does not decode', { cause: err })
  }
  if (!Buffer.from(SessionIdentity.encode(decoded)).equals(bytes)) throw new SessionError('ERR_SESSION_BAD_MESSAGE', 'a session identity is not canonically encoded')
  if (decoded.signature.byteLength !== ML_DSA_65.signature) throw new SessionError('ERR_SESSION_BAD_MESSAGE', `a session identity's signature is ${ML_DSA_65.signature} bytes, not ${decoded.signature.byteLength}`)
  return { peerId: identityPeerId(decoded.peerId), signature: decoded.signature }
}

/** The SHA-256 multihash code: RSA and (RFC 0004 draft) ML-DSA PeerIds. */
const SHA2_256 = 0x12

/**
 * The identity's PeerId (docs/session.md, SessionIdentity): an identity
 * multihash of an Ed25519 or secp256k1 key, or a SHA-256 multihash of 32
 * bytes. libp2p's parser also takes a URL in an identity multihash and a
 * SHA-256 multihash of any length; neither is a peer's PeerId, and the spec
 * a second implementation follows names only the three forms.
 */
function identityPeerId (multihash: Uint8Array): PeerId {
  let peerId: PeerId
  try {
    const digest = Digest.decode(multihash)
    if (digest.code === SHA2_256 && digest.size !== 32) throw new Error(`a SHA-256 digest of ${digest.size} bytes`)
    peerId = peerIdFromMultihash(digest)
  } catch (err) {
    throw new SessionError('ERR_SESSION_BAD_MESSAGE', 'a session identity\'s PeerId does not parse', { cause: err })
  }
  if (peerId.type === 'url') throw new SessionError('ERR_SESSION_BAD_MESSAGE', 'a session identity\'s PeerId is a URL, not a peer\'s')
  return peerId
}
