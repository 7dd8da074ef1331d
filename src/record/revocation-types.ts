import type { RotationProof } from './types.js'
import type { PeerId } from '@libp2p/interface'

/**
 * Why an identity was revoked, as its owner (or whoever holds its keys)
 * says. Informational: every revocation kills the identity the same way.
 * The wire value is the index in REVOCATION_REASONS.
 */
export type RevocationReason = 'unspecified' | 'key-compromise' | 'superseded' | 'retired'

/** Every reason, in wire order: `unspecified` is 0 (and omitted on the wire, as protobuf omits defaults). */
export const REVOCATION_REASONS: readonly RevocationReason[] = ['unspecified', 'key-compromise', 'superseded', 'retired']

/** The signed content of a revocation certificate: what both signatures cover. */
export interface RevocationContent {
  /** The identity revoked; its Ed25519 key makes the libp2p signature. */
  peerId: PeerId
  /** The ML-DSA-65 key that makes the certificate's ML-DSA-65 signature: one the peer held when it signed. */
  mlDsaPublicKey: Uint8Array
  /** Unix milliseconds. */
  issuedAt: number
  reason: RevocationReason
  /**
   * The hand-over to `mlDsaPublicKey` from the peer's previous ML-DSA-65
   * key, when the signer had rotated (the same proof its records carry), so
   * that a node still pinned at the previous key can link the certificate
   * to its pin.
   */
  rotation?: RotationProof
}

/** A decoded revocation certificate together with its exact wire bytes. */
export interface RevocationCertificate extends RevocationContent {
  libp2pSignature: Uint8Array
  mlDsaSignature: Uint8Array
  /** The marshalled certificate: the bytes of `revocation.cert`, of the DHT value and of `POST /v1/revocations`. */
  bytes: Uint8Array
}
