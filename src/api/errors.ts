import { EnvelopeError, EvidenceError, KeydirError, RevocationError } from '../errors.js'

/**
 * An HTTP error with the body `{ "error": { "code", "message" } }`. Handlers
 * throw these; the server's error handler writes them. Anything else that
 * reaches the client becomes a 500 without details.
 */
export class ApiError extends Error {
  readonly statusCode: number
  readonly code: string
  /** Headers the answer needs besides the body (`Allow` on a 405). */
  readonly headers: Readonly<Record<string, string>>

  constructor (statusCode: number, code: string, message: string, headers: Record<string, string> = {}) {
    super(message)
    this.statusCode = statusCode
    this.code = code
    this.headers = headers
    this.name = 'ApiError'
  }
}

export interface ErrorBody {
  error: { code: string, message: string }
}

export function errorBody (code: string, message: string): ErrorBody {
  return { error: { code, message } }
}

/** 413 naming the endpoint (`POST /v1/revocations`) and its limit, so a client knows how much it may send. */
export function bodyTooLarge (limit: number, endpoint: string): ApiError {
  return new ApiError(413, 'ERR_BODY_TOO_LARGE', `the request body is larger than ${endpoint} takes: at most ${limit} bytes${sizeInUnits(limit)}`)
}

/** ` (10 KiB)` for a whole number of KiB or MiB; nothing otherwise. */
function sizeInUnits (bytes: number): string {
  if (bytes >= 1024 * 1024 && bytes % (1024 * 1024) === 0) return ` (${bytes / (1024 * 1024)} MiB)`
  if (bytes >= 1024 && bytes % 1024 === 0) return ` (${bytes / 1024} KiB)`
  return ''
}

/** 405 for a path the API serves with other methods: `Allow` lists them, as RFC 9110 asks. */
export function methodNotAllowed (method: string, path: string, allow: readonly string[]): ApiError {
  return new ApiError(405, 'ERR_METHOD_NOT_ALLOWED', `${path} does not take ${method}: it takes ${allow.join(', ')}`, { allow: allow.join(', ') })
}

/** Status codes for the node's error codes; the rest of the KeydirErrors are 500s. */
const STATUS_BY_CODE: Record<string, number> = {
  ERR_BAD_PEER_ID: 400,
  ERR_INVALID_PEER_ID: 400,
  ERR_UNSUPPORTED_PEER_ID: 400,
  ERR_NOT_FOUND: 404,
  // An ML-DSA PeerId no key record names (or an RSA PeerId, which has the same form).
  ERR_UNKNOWN_ML_DSA_PEER_ID: 404,
  // A record names the peer under that key, but the peer's current key does not descend from it.
  ERR_ML_DSA_PEER_ID_UNLINKED: 409,
  ERR_REVOKED: 410,
  // The peer signed two records of one seq: its keys exist, and must not be used.
  ERR_EQUIVOCATION: 409,
  ERR_OWN_REVOCATION: 409,
  // A record past the history bound, and the peer that keeps the rest could not be asked: an upstream failure.
  ERR_HISTORY_UNREACHABLE: 502,
  // The node has no DHT peers to publish to or look up through: it cannot serve this until it has (--bootstrap).
  ERR_NO_PEERS: 503,
  ERR_RESOLVE_TIMEOUT: 504,
  ERR_PUBLISH_TIMEOUT: 504,
  ERR_INVALID_ARGUMENT: 400
}

/**
 * Sealed envelopes (EnvelopeError): bytes that are no envelope this keydir
 * reads are bad input (400; too large, 413); an envelope that decodes but
 * does not open here, or whose sender's signature fails, is 422 (the
 * request was understood, the envelope is refused: not a malformed
 * request, and not a conflict with this node's state). A peer whose
 * record has no X25519 key cannot be sealed to until it upgrades: 409, as
 * for other keys that exist but cannot be used.
 */
const ENVELOPE_STATUS_BY_CODE: Record<string, number> = {
  ERR_ENVELOPE_TOO_LARGE: 413,
  ERR_ENVELOPE_MALFORMED: 400,
  ERR_ENVELOPE_NOT_CANONICAL: 400,
  ERR_ENVELOPE_VERSION: 400,
  ERR_ENVELOPE_NO_HYBRID_KEY: 409
}

/**
 * 5xx answers that are outcomes of the network, not faults of the node: a
 * lookup or publish that found no one or ran out of time, a shutdown. The
 * node logs them where they happen, as one line; the API does not log
 * them again as errors.
 */
const NETWORK_OUTCOMES = new Set(['ERR_SHUTTING_DOWN', 'ERR_NO_PEERS', 'ERR_RESOLVE_TIMEOUT', 'ERR_PUBLISH_TIMEOUT', 'ERR_HISTORY_UNREACHABLE'])

/** Whether an answer is a fault worth an error in the node's log (a 5xx that is not a network outcome). */
export function isServerFault (error: ApiError): boolean {
  // 501: a route this API server does not offer (POST /v1/shutdown off keydir start), the client's mistake.
  return error.statusCode >= 500 && error.statusCode !== 501 && !NETWORK_OUTCOMES.has(error.code)
}

/** The HTTP error for something the node threw. */
export function toApiError (err: unknown, shuttingDown: boolean): ApiError {
  if (err instanceof ApiError) return err
  if (err instanceof RevocationError) {
    // A certificate that is not valid is the client's bad input; a valid one this node may not take (its key is not linked to the pin) a conflict.
    return new ApiError(err.code === 'ERR_REVOCATION_KEY_UNKNOWN' ? 409 : 400, err.code, err.message)
  }
  if (err instanceof EvidenceError) {
    // A proof that is not valid is bad input; a valid one whose records this node cannot link to its pin a conflict.
    return new ApiError(err.code === 'ERR_EVIDENCE_KEY_UNKNOWN' ? 409 : 400, err.code, err.message)
  }
  if (err instanceof EnvelopeError) {
    return new ApiError(ENVELOPE_STATUS_BY_CODE[err.code] ?? 422, err.code, err.message)
  }
  if (err instanceof KeydirError) {
    const status = STATUS_BY_CODE[err.code] ?? (/PEER_?ID/.test(err.code) ? 400 : 500)
    return new ApiError(status, err.code, err.message)
  }
  if (shuttingDown || (err as { name?: unknown })?.name === 'AbortError') {
    return new ApiError(503, 'ERR_SHUTTING_DOWN', 'the node is shutting down: try again when it is back')
  }
  return new ApiError(500, 'ERR_INTERNAL', 'internal error: see the node\'s log')
}
