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
}

export interface IdentityOptions {
  /** The ML-DSA-65 / ML-KEM-768 implementation to build the signer and decapsulator with. */
  crypto: PqCrypto
}

export interface CreateIdentityOptions extends IdentityOptions {
  /** Replace an existing identity (a new PeerId). Default false: refuse. */
  force?: boolean
}
