import { createHash } from 'node:crypto'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { LRUCache } from 'lru-cache'
import { equals as uint8ArrayEquals } from 'uint8arrays/equals'
import { fingerprint } from '../crypto/index.js'
import { verifyEd25519 } from '../crypto/ed25519.js'
import { KeydirError, RevocationError } from '../errors.js'
import { countOption, msOption } from '../util/options.js'
import { MAX_CLOCK_SKEW_MS, MAX_REVOCATION_BYTES } from './constants.js'
import { marshalRevocation, REVOCATION_CONTEXT, revocationSignedBytes, unmarshalRevocation } from './revocation-codec.js'
import { peerIdBytesFromRoutingKey } from './routing-key.js'
import { ROTATION_CONTEXT, rotationSignedBytes } from './signed-bytes.js'
import type { RevocationCertificate, RevocationContent, RevocationReason } from './revocation-types.js'
import type { RotationProof } from './types.js'
import type { MlDsaSigner, PqCrypto } from '../crypto/types.js'
import type { PeerId, PrivateKey } from '@libp2p/interface'

/**
 * Revocation certificates: make one, check one, and tell whether a node
 * that pinned the peer's ML-DSA-65 key takes it. Format and rules:
 * docs/record-format.md, "Revocation certificate".
 */

export interface CreateRevocationInit {
  /** The identity's libp2p key (Ed25519): the PeerId revoked is made from it. */
  privateKey: PrivateKey
  /** The identity's current ML-DSA-65 key. */
  mlDsaSigner: MlDsaSigner
  /** Default `unspecified`. */
  reason?: RevocationReason
  /** Unix milliseconds. Default now. */
  issuedAt?: number
  /** The hand-over to `mlDsaSigner`'s key, if the identity has rotated (Identity.rotation). */
  rotation?: RotationProof
}

/** Make and sign a revocation certificate with both keys over the same bytes. */
export async function createRevocation (init: CreateRevocationInit): Promise<RevocationCertificate> {
  if (init.privateKey.type !== 'Ed25519') {
    throw new KeydirError('ERR_UNSUPPORTED_KEY_TYPE', `revocation certificates need an Ed25519 libp2p key, got ${init.privateKey.type}`)
  }
  const content: RevocationContent = {
    peerId: peerIdFromPrivateKey(init.privateKey),
    mlDsaPublicKey: init.mlDsaSigner.publicKey,
    issuedAt: init.issuedAt ?? Date.now(),
    reason: init.reason ?? 'unspecified',
    rotation: init.rotation
  }
  const signed = revocationSignedBytes(content)
  const libp2pSignature = await init.privateKey.sign(signed)
  const mlDsaSignature = await init.mlDsaSigner.signAsync(signed, REVOCATION_CONTEXT)
  return unmarshalRevocation(marshalRevocation(content, libp2pSignature, mlDsaSignature))
}

export interface RevocationValidatorInit {
  crypto: PqCrypto
  /** Clock in Unix milliseconds. Default `Date.now`. */
  now?: () => number
  /** How far in the future `issuedAt` may be. Default 5 minutes, as for records. */
  maxClockSkewMs?: number
  /** Certificates whose signatures are known good, found by their bytes. Default 256. */
  verifiedCacheSize?: number
}

/**
 * Checks revocation certificates from anywhere (DHT, HTTP, a file, a
 * peer's push), cheapest first: size and structure, the PeerId against the
 * one expected, the issue time, the Ed25519 signature by the PeerId's key,
 * the ML-DSA-65 signature by the key the certificate names. This is all a
 * node that has not pinned the peer can check; one that has pinned it also
 * asks checkRevocationAgainstPin.
 *
 * A certificate does not expire: a dead identity stays dead. Every DHT
 * node holding it serves the same bytes, so the signatures of bytes
 * already verified are not verified again.
 */
export class RevocationValidator {
  private readonly crypto: PqCrypto
  private readonly now: () => number
  private readonly maxClockSkewMs: number
  private readonly verified: LRUCache<string, RevocationCertificate>

  constructor (init: RevocationValidatorInit) {
    this.crypto = init.crypto
    this.now = init.now ?? Date.now
    this.maxClockSkewMs = msOption('maxClockSkewMs', init.maxClockSkewMs, MAX_CLOCK_SKEW_MS)
    this.verified = new LRUCache({ max: countOption('verifiedCacheSize', init.verifiedCacheSize, 256) })
  }

  /** Validate a certificate fetched or stored under a DHT routing key (`/pqk/` + multihash). */
  validateForRoutingKey (routingKey: Uint8Array, bytes: Uint8Array): RevocationCertificate {
    return this.validateFor(peerIdBytesFromRoutingKey(routingKey), bytes)
  }

  /** Validate a certificate that must revoke `peerId`. Throws RevocationError; returns the decoded certificate. */
  validate (peerId: PeerId, bytes: Uint8Array): RevocationCertificate {
    return this.validateFor(peerId.toMultihash().bytes, bytes)
  }

  /** validate(), with the ML-DSA-65 verify made off the event loop where the implementation can. */
  async validateAsync (peerId: PeerId, bytes: Uint8Array): Promise<RevocationCertificate> {
    const checked = this.checkBeforeMlDsa(peerId.toMultihash().bytes, bytes)
    if (checked.known) return checked.certificate
    const { certificate, signed } = checked
    return this.acceptIfSigned(await this.crypto.mlDsa65.verifyAsync(certificate.mlDsaPublicKey, signed, certificate.mlDsaSignature, REVOCATION_CONTEXT), certificate)
  }

  private validateFor (expectedPeerId: Uint8Array, bytes: Uint8Array): RevocationCertificate {
    const checked = this.checkBeforeMlDsa(expectedPeerId, bytes)
    if (checked.known) return checked.certificate
    const { certificate, signed } = checked
    return this.acceptIfSigned(this.crypto.mlDsa65.verify(certificate.mlDsaPublicKey, signed, certificate.mlDsaSignature, REVOCATION_CONTEXT), certificate)
  }

  private acceptIfSigned (signatureValid: boolean, certificate: RevocationCertificate): RevocationCertificate {
    if (!signatureValid) {
      throw new RevocationError('ERR_REVOCATION_BAD_ML_DSA_SIGNATURE', 'revocation signature by its ML-DSA-65 key does not verify')
    }
    this.verified.set(cacheKey(certificate.bytes)!, certificate)
    return certificate
  }

  private checkBeforeMlDsa (expectedPeerId: Uint8Array, bytes: Uint8Array): { known: true, certificate: RevocationCertificate } | { known: false, certificate: RevocationCertificate, signed: Uint8Array } {
    const key = cacheKey(bytes)
    const cached = key === undefined ? undefined : this.verified.get(key)
    // The key is only a lookup: a hit counts only for the very same bytes.
    const known = cached !== undefined && uint8ArrayEquals(cached.bytes, bytes) ? cached : undefined
    const certificate = known ?? unmarshalRevocation(bytes)
    if (!uint8ArrayEquals(certificate.peerId.toMultihash().bytes, expectedPeerId)) {
      throw new RevocationError('ERR_REVOCATION_PEER_MISMATCH', `revocation is for ${certificate.peerId.toString()}, not for the peer it was given for`)
    }
    if (certificate.issuedAt > this.now() + this.maxClockSkewMs) {
      throw new RevocationError('ERR_REVOCATION_ISSUED_IN_FUTURE', `revocation is issued at ${formatTime(certificate.issuedAt)}, beyond the allowed clock skew`)
    }
    if (known !== undefined) return { known: true, certificate: known }
    const signed = revocationSignedBytes(certificate)
    if (!verifyEd25519(certificate.peerId.publicKey!.raw, signed, certificate.libp2pSignature)) {
      throw new RevocationError('ERR_REVOCATION_BAD_LIBP2P_SIGNATURE', 'revocation signature by the PeerId key does not verify')
    }
    return { known: false, certificate, signed }
  }
}

/** An ISO time where Date can hold it (up to 8.64e15 ms); issued_at may go to 2^53 - 1. */
function formatTime (ms: number): string {
  const date = new Date(ms)
  return Number.isNaN(date.getTime()) ? `${ms} Unix ms` : date.toISOString()
}

/** The verified cache's key: SHA-256 of the bytes; none for bytes the decoder refuses by size alone. */
function cacheKey (bytes: Uint8Array): string | undefined {
  return bytes.length > MAX_REVOCATION_BYTES ? undefined : createHash('sha256').update(bytes).digest().toString('latin1')
}

/** What a node knows of a peer's ML-DSA-65 keys: its pin, and the keys it saw the peer hand over from. */
export interface KnownPeerKeys {
  /** SHA-256 of the pinned ML-DSA-65 key. */
  fingerprint: Uint8Array
  /** The pinned key, where the node has it (an anchor may be configured by fingerprint only). */
  mlDsaPublicKey?: Uint8Array
  /**
   * Fingerprints of keys the peer held before the pinned one, as far as
   * this node knows: the anchor key a pin descends from, the
   * `previous_fingerprint` of rotation proofs the pin followed or that the
   * peer's stored record carries, keys met through history links.
   */
  earlierFingerprints?: Iterable<Uint8Array>
}

/** How a certificate's key links to a node's pin. */
export type RevocationLink = 'pinned-key' | 'earlier-key' | 'handed-over-from-pinned-key'

/**
 * Whether a node that pinned the peer takes this (already validated)
 * certificate, and why: it is signed by the pinned ML-DSA-65 key, or by a
 * key the peer held before it (a certificate made before rotations, as the
 * pre-signed one is), or by a key the pinned key handed the peer over to (the
 * certificate carries that rotation proof: made after a rotation this node
 * missed). Otherwise RevocationError ERR_REVOCATION_KEY_UNKNOWN: the
 * certificate may come from someone who holds only the Ed25519 key, or who
 * forged it (a quantum attacker), and a pin is post-quantum, so it stays.
 */
export function checkRevocationAgainstPin (crypto: PqCrypto, certificate: RevocationCertificate, known: KnownPeerKeys): RevocationLink {
  const keyFingerprint = fingerprint(certificate.mlDsaPublicKey)
  if (uint8ArrayEquals(keyFingerprint, known.fingerprint)) {
    return 'pinned-key'
  }
  for (const earlier of known.earlierFingerprints ?? []) {
    if (uint8ArrayEquals(keyFingerprint, earlier)) return 'earlier-key'
  }
  const proof = certificate.rotation
  if (proof != null && known.mlDsaPublicKey !== undefined && uint8ArrayEquals(proof.previousFingerprint, known.fingerprint)) {
    const signed = rotationSignedBytes(certificate.peerId, proof.previousFingerprint, certificate.mlDsaPublicKey)
    if (crypto.mlDsa65.verify(known.mlDsaPublicKey, signed, proof.signature, ROTATION_CONTEXT)) {
      return 'handed-over-from-pinned-key'
    }
  }
  throw new RevocationError('ERR_REVOCATION_KEY_UNKNOWN',
    `revocation for ${certificate.peerId.toString()} is signed by an ML-DSA-65 key this node cannot link to the key it pinned ` +
    '(neither that key, one the peer held before it, nor one it handed over to)')
}
