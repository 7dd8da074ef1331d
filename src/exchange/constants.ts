import { MAX_RECORD_BYTES } from '../record/constants.js'

const second = 1000
const minute = 60 * second

export const EXCHANGE_PROTOCOL = '/numi/keyx/1.0.0'
export const REQUEST_DOMAIN = 'keydir/key-request/v1'
export const RESPONSE_DOMAIN = 'keydir/key-response/v1'
/** A node's new record sent to the peers that hold its keys (after a rotation). */
export const PUSH_PROTOCOL = '/numi/keyx/push/1.0.0'
export const PUSH_DOMAIN = 'keydir/key-push/v1'

/** A request carries one record plus a signature (3309 bytes) and a few small fields; anything larger is hostile. */
export const MAX_MESSAGE_BYTES = MAX_RECORD_BYTES + 4 * 1024
/** Timestamps must be within this of the receiver's clock (the seed's replay window). */
export const MAX_CLOCK_SKEW_MS = 5 * minute
/** How long one exchange may take on the wire before it is abandoned. */
export const EXCHANGE_TIMEOUT_MS = 10 * second
/** A pending request expires after this (the seed's 30 s). */
export const PENDING_REQUEST_TIMEOUT_MS = 30 * second
/** Attempts of one exchange, with doubling backoff starting at RETRY_BASE_MS. */
export const MAX_ATTEMPTS = 3
export const RETRY_BASE_MS = 250
/** Outbound requests in flight to one peer at once. */
export const MAX_PENDING_PER_PEER = 2
/** Inbound requests accepted per peer per RATE_LIMIT_WINDOW_S seconds. */
export const RATE_LIMIT_REQUESTS = 10
export const RATE_LIMIT_WINDOW_S = 10
/** Responses signed while their request is still being checked, at once, across all peers. */
export const MAX_EARLY_SIGNATURES = 2
/** Inbound exchange streams open at once per connection. */
export const MAX_INBOUND_STREAMS = 4
/** Key in the registry's meta rows of the outbound nonce ceiling: no nonce above it has been handed out. */
export const OUTBOUND_NONCE_KEY = 'outbound-nonce'
/** Outbound nonces start at least at the clock in microseconds, so a lost registry never reuses one. */
export const NONCE_CLOCK_FACTOR = 1000n
/** How many outbound nonces one written ceiling covers. */
export const OUTBOUND_NONCE_RESERVATION = 100_000n
/** Last nonces kept in memory for requesters the registry does not hold. */
export const UNHELD_NONCES = 10_000
/** Key requests in flight, or reserved by discovery, in the pending table at once (one entry per peer). */
export const MAX_PENDING_REQUESTS = 1024
/** Peers that asked for our keys, remembered (in memory) to push them a rotation; the oldest go first. */
export const MAX_HOLDERS = 10_000
/** A round of pushes after a rotation or revocation ends after this, whatever is left: those holders learn it on their next re-check. */
export const PUSH_ROUND_TIMEOUT_MS = 2 * minute
/** Pushes on the wire at once after a rotation. */
export const PUSH_CONCURRENCY = 16
/**
 * How long a pusher waits, once its push is written, for the receiver to
 * close the stream (took it) or reset it (refused it). An honest receiver
 * does within a round trip and a signature check; a holder that never does
 * holds one of the PUSH_CONCURRENCY slots this long, not the exchange's 10 s.
 */
export const PUSH_CLOSE_WAIT_MS = 2 * second
/** Inbound pushes accepted per peer per RATE_LIMIT_WINDOW_S seconds: a rotation is one push, this leaves room for retries. */
export const PUSH_RATE_LIMIT = 10
/**
 * The earlier hand-overs of a peer whose record's history does not reach
 * the pin (docs/record-format.md, "Beyond the bound"): one HistoryRequest,
 * one HistoryResponse per stream.
 */
export const HISTORY_PROTOCOL = '/numi/keyhist/1.0.0'
/** Links in one HistoryResponse at most: as many as a peer keeps (pq.key's 64 hand-overs). */
export const MAX_HISTORY_RESPONSE_LINKS = 64
/** 64 links of 5,304 bytes are 339,456 bytes; anything over this is refused on its length prefix. */
export const MAX_HISTORY_RESPONSE_BYTES = 340 * 1024
/** A HistoryRequest is a PeerId (at most 64 bytes) and two fingerprints: 134 bytes at most. */
export const MAX_HISTORY_REQUEST_BYTES = 256
