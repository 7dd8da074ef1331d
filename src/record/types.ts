import type { PeerId } from '@libp2p/interface'

/** The previous ML-DSA-65 key's hand-over to the current one. */
export interface RotationProof {
  /** SHA-256 of the previous ML-DSA-65 public key. */
  previousFingerprint: Uint8Array
  /** ML-DSA-65 signature by the previous key over the rotation bytes. */
  signature: Uint8Array
}

/** The signed content of a key record: what both signatures cover. */
export interface KeyRecordContent {
  peerId: PeerId
  mlDsaPublicKey: Uint8Array
  mlKemPublicKey: Uint8Array
  seq: number
  /** Unix milliseconds. */
  issuedAt: number
  /** Unix milliseconds. */
  expiresAt: number
  rotation?: RotationProof
}

/** A decoded key record together with its exact wire bytes. */
export interface KeyRecord extends KeyRecordContent {
  libp2pSignature: Uint8Array
  mlDsaSignature: Uint8Array
  /** The marshalled record, exactly as signed-over content plus signatures travel. */
  bytes: Uint8Array
}
