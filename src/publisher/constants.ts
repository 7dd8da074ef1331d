/** A publish waits for DHT peers at most this long. */
export const PUBLISH_TIMEOUT_MS = 60_000
/** A node started with bootstrap peers, none of which joined its DHT this long after a publish found none, is warned. */
export const BOOTSTRAP_JOIN_GRACE_MS = 10_000
/** A publish that reached too few of the closest peers is tried again, up to three times, after about 5 s, 10 s, 20 s. */
export const LOW_COVERAGE_RETRY_MS = 5_000
export const LOW_COVERAGE_RETRIES = 3
/** Peers that stored one of this node's records, remembered (in memory) to replace it there after a rotation. */
export const MAX_REMEMBERED_STORERS = 256
/** pq.key is checked for retired KEM seeds past the grace time, and rewritten without them, this often (and at start). */
export const KEM_ERASURE_INTERVAL_MS = 60 * 60_000
