const second = 1000

/** Pending key requests expire after this, as the seed asks. */
export const DEFAULT_PENDING_REQUEST_TIMEOUT_MS = 30 * second
/** Pending key requests in total, one per peer at most. */
export const DEFAULT_MAX_PENDING_REQUESTS = 1024
/** Decoded, validated entries kept in the hot in-memory layer. */
export const DEFAULT_CACHE_SIZE = 10_000

/** Sublevel names in the registry's LevelDB. */
export const RECORDS = 'records'
export const PINS = 'pins'
export const NONCES = 'nonces'
export const META = 'meta'
/** Key in META of the outbound nonce ceiling: no nonce above it has been handed out. */
export const OUTBOUND_NONCE_KEY = 'outbound-nonce'

/** Nonces are uint64 on the wire. */
export const MAX_NONCE = (1n << 64n) - 1n
/** Outbound nonces start at least at the clock in microseconds, so a lost registry never reuses one. */
export const NONCE_CLOCK_FACTOR = 1000n
/** How many outbound nonces one written ceiling covers. */
export const OUTBOUND_NONCE_RESERVATION = 100_000n
/** Lock key that serializes outbound nonces; no PeerId string starts with a NUL. */
export const OUTBOUND_LOCK = '\u0000outbound-nonce'
