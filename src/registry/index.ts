/**
 * The local registry of peers' post-quantum keys: key records, their trust,
 * pinned ML-DSA-65 keys (and the rows the exchange keeps its nonces in), in LevelDB with a hot
 * in-memory layer. It knows nothing of libp2p networking.
 *
 * @example
 * ```ts
 * import { selectPqCrypto } from '../crypto/index.js'
 * import { KeyRecordValidator } from '../record/index.js'
 * import { PeerKeyRegistry } from './index.js'
 *
 * const crypto = selectPqCrypto()
 * const registry = new PeerKeyRegistry({ path: 'data/registry', crypto, validator: new KeyRecordValidator({ crypto }) })
 * await registry.open()
 * await registry.storePeerKeys(recordBytes, 'dht')   // validated, pinned, stored
 * registry.getCached(peerId)?.record.mlKemPublicKey  // from memory, no disk read
 * await registry.close()
 * ```
 */
export { PeerKeyRegistry } from './registry.js'
export type { MlDsaKeyLink } from './ml-dsa-index.js'
export { TRUST_LEVELS, isTrustLevel, strongerTrust } from './trust.js'
export { DEFAULT_CACHE_SIZE, DEFAULT_MAX_NEW_UNSOLICITED_PER_MINUTE, DEFAULT_MAX_UNSOLICITED_PEERS } from './constants.js'
export type {
  AnchorKey, EvidenceSource, ExchangeNonceStore, FollowedRotation, KeyChange, KeyRequestTable, ListPeersFilter, NonceRows, PeerKeyRegistryInit, PeerSummary, Pin, PinSource, RegistryCounts, RegistryEntry, SideRows, StoreAdmission, StoreOptions, TrustLevel
} from './types.js'
