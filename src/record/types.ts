import type { PeerId } from '@libp2p/interface'

/** The previous ML-DSA-65 key's hand-over to the current one. */
export interface RotationProof {
  /** SHA-256 of the previous ML-DSA-65 public key. */
  previousFingerprint: Uint8Array
  /** ML-DSA-65 signature by the previous key over the rotation bytes. */
  signature: Uint8Array
}

/**
 * An earlier hand-over, as a record's history carries it: the key whose
 * fingerprint is `previousFingerprint` signed the rotation bytes handing the
 * peer over to `mlDsaPublicKey`. A RotationProof plus the key it proves.
 */
export interface RotationLink extends RotationProof {
  /** The ML-DSA-65 public key handed over to, 1952 bytes. */
  mlDsaPublicKey: Uint8Array
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
  /**
   * SHA-256 of the exact bytes of the record this one replaces (the
   * publisher's previous record); absent on a first record.
   */
  previousRecordHash?: Uint8Array
  /**
   * The hand-overs before `rotation`, newest first, at most
   * MAX_HISTORY_LINKS: `history[0]` hands over to the key `rotation` comes
   * from, each next one to the key the one before it comes from
   * (docs/record-format.md, "History"). Absent or empty: no history.
   */
  history?: RotationLink[]
  /**
   * The node's X25519 public key, 32 bytes: with `mlKemPublicKey` it makes
   * the X-Wing hybrid KEM key that sealed messages are encapsulated to.
   * Present exactly on a version-2 record (docs/record-format.md,
   * "Version 2"); absent on a version-1 record.
   */
  x25519PublicKey?: Uint8Array
}

/** A decoded key record together with its exact wire bytes. */
export interface KeyRecord extends KeyRecordContent {
  libp2pSignature: Uint8Array
  mlDsaSignature: Uint8Array
  /** The marshalled record, exactly as signed-over content plus signatures travel. */
  bytes: Uint8Array
}
