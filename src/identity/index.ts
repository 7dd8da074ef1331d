/**
 * A node's identity on disk: the Ed25519 libp2p key (`libp2p.key`) and the
 * ML-DSA-65 / ML-KEM-768 seeds with the rotation proofs (`pq.key`), in
 * `<dataDir>/identity/`, and its pre-signed revocation certificate
 * (`<dataDir>/revocation.cert`), readable by the owner only and written
 * atomically.
 *
 * @example
 * ```ts
 * import { selectPqCrypto } from '../crypto/index.js'
 * import { loadOrCreateIdentity, rotateIdentity } from './identity/index.js'
 *
 * const crypto = selectPqCrypto()
 * let identity = await loadOrCreateIdentity('/var/lib/keydir', { crypto })
 * identity.peerId.toString()        // the node's PeerId
 * identity.mlDsaSigner.publicKey    // 1952 bytes
 * identity = await rotateIdentity('/var/lib/keydir', identity, { crypto })
 * identity.rotation                 // the old key's hand-over, for the next record
 * identity.history                  // the hand-overs before it, newest first
 * identity.x25519PublicKey          // 32 bytes: with identity.mlKem.publicKey, the X-Wing key
 * identity.retiredKem               // the KEM key rotated away from, kept for the envelope grace time
 * ```
 */
export type { Identity, IdentityOptions, CreateIdentityOptions, RetiredKem, RotationOptions } from './types.js'
export { createIdentity } from './create.js'
export { loadIdentity } from './load.js'
export { loadOrCreateIdentity, type LoadOrCreateIdentityOptions } from './load-or-create.js'
export { presentIdentityFiles } from './present.js'
export { ensureKemSeed, eraseExpiredKems, eraseExpiredKemSeeds, isLive as isLiveRetiredKem } from './kem.js'
export { handOversOf, prepareRotation, rotateIdentity, type PendingRotation } from './rotate.js'
export {
  createOwnRevocation,
  ensureRevocationCertificate,
  readRevocationCertificate,
  REVOCATION_CERT_ADVICE,
  type OwnRevocationCertificate,
  type OwnRevocationOptions
} from './revocation-cert.js'
export {
  identityPaths,
  type IdentityPaths,
  IDENTITY_DIR,
  LIBP2P_KEY_FILE,
  PQ_KEY_FILE,
  REVOCATION_CERT_FILE,
  MAX_IDENTITY_FILE_BYTES,
  MAX_KEPT_HISTORY,
  MAX_PQ_KEY_FILE_BYTES,
  MAX_RETIRED_KEMS,
  DEFAULT_ENVELOPE_GRACE_MS
} from './constants.js'
