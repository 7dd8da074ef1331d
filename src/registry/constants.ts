/** Decoded, validated entries kept in the hot in-memory layer. */
export const DEFAULT_CACHE_SIZE = 10_000

/** Peers learned unasked (KeyRequests, discovery on connect) kept at most. */
export const DEFAULT_MAX_UNSOLICITED_PEERS = 10_000
/**
 * New unasked peers stored per minute at most. Ten thousand free PeerIds
 * then take over 16 minutes to cycle the store, far past the exchange's
 * 5-minute timestamp window, and an honest network of hundreds of nodes
 * meeting at once still fits.
 */
export const DEFAULT_MAX_NEW_UNSOLICITED_PER_MINUTE = 600
/** Records loaded (and re-validated) between two yields of the event loop when listing. */
export const LIST_SLICE = 4
/** Summaries looked at between two yields of the event loop when collecting expired records. */
export const COLLECT_SLICE = 1024

/**
 * Fingerprints of the keys a pin followed away from that it remembers,
 * newest first: a record whose history runs through one of them but misses
 * the pinned key is a fork (ERR_FORKED_CHAIN). A record's chain reaches
 * three keys back, so this covers any fork a record can show.
 */
export const MAX_SUPERSEDED = 16

/** Sublevel names in the registry's LevelDB. */
export const RECORDS = 'records'
export const PINS = 'pins'
export const NONCES = 'nonces'
export const META = 'meta'
export const INDEX = 'index'
export const REVOCATIONS = 'revocations'
export const EQUIVOCATIONS = 'equivocations'
/** ML-DSA PeerId -> libp2p PeerId (ml-dsa-index.ts). */
export const ML_DSA_IDS = 'ml-dsa-ids'
/** The index rows of each peer, `PeerId/fingerprint (hex)` -> ML-DSA PeerId: what to delete when a key leaves the pin or the peer goes. */
export const ML_DSA_IDS_BY_PEER = 'ml-dsa-ids-by-peer'

/** The registry's own sublevels: no other layer's rows (PeerKeyRegistry.sideRows) may take these names. */
export const OWN_SUBLEVELS: readonly string[] = [RECORDS, PINS, NONCES, META, INDEX, REVOCATIONS, EQUIVOCATIONS, ML_DSA_IDS, ML_DSA_IDS_BY_PEER]
