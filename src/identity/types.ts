import type { MlDsaSigner, MlKemDecapsulator, PqCrypto } from '../crypto/types.js'
import type { RotationLink, RotationProof } from '../record/types.js'
import type { PeerId, PrivateKey } from '@libp2p/interface'

/** A node's keys, loaded from or written to `<dataDir>/identity/`. */
export interface Identity {
  /** The Ed25519 libp2p key the PeerId is made from. */
  privateKey: PrivateKey
  peerId: PeerId
  /** ML-DSA-65 key generation seed, 32 bytes. */
  mlDsaSeed: Uint8Array
  /** ML-KEM-768 seed d || z, 64 bytes. */
  mlKemSeed: Uint8Array
  mlDsaSigner: MlDsaSigner
  mlKem: MlKemDecapsulator
  /** Set after a rotation: the previous ML-DSA-65 key's hand-over, carried in every record. */
  rotation?: RotationProof
  /**
   * Set after a second rotation: the hand-overs before `rotation`, newest
   * first (history[0] hands over to the key `rotation` comes from). Records
   * carry the newest MAX_HISTORY_LINKS of them.
   */
  history?: RotationLink[]
  /**
   * The X-Wing KEM seed, 32 bytes: `mlKemSeed` is its expansion's first 64
   * bytes, and the X25519 key its last 32. Absent only in an identity
   * loaded from a pq.key of an older keydir, before it is upgraded
   * (ensureKemSeed, which loading for a node does).
   */
  kemSeed?: Uint8Array
  /** The X25519 public key of `kemSeed`, 32 bytes; with `mlKem.publicKey`, the X-Wing public key. Set exactly when `kemSeed` is. */
  x25519PublicKey?: Uint8Array
  /** KEM keys replaced by rotations and still within the envelope grace time, newest first (at most MAX_RETIRED_KEMS). */
  retiredKem: RetiredKem[]
}

/**
 * A KEM key a rotation replaced, kept for the envelope grace time so that a
 * message sealed to it shortly before the rotation still opens.
 */
export interface RetiredKem {
  /** Its X-Wing seed, 32 bytes; empty once erased, past the grace time (then only `lastSeq` and `retiredAt` remain, so envelopes to it are refused as retired). */
  kemSeed: Uint8Array
  /** The seq of the last record that carried it; 0 when the rotation did not say. */
  lastSeq: number
  /** When it was replaced, Unix milliseconds. */
  retiredAt: number
}

export interface IdentityOptions {
  /** The ML-DSA-65 / ML-KEM-768 implementation to build the signer and decapsulator with. */
  crypto: PqCrypto
}

export interface RotationOptions extends IdentityOptions {
  /** The seq of the last record published with the current keys, kept with the retired KEM key. Default 0: unknown. */
  lastSeq?: number
  /** Unix milliseconds. Default `Date.now()`. */
  now?: number
  /** How long a retired KEM key is kept. Default DEFAULT_ENVELOPE_GRACE_MS (7 days). */
  envelopeGraceMs?: number
}

export interface CreateIdentityOptions extends IdentityOptions {
  /** Replace an existing identity (a new PeerId). Default false: refuse. */
  force?: boolean
}
