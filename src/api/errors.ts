import { EvidenceError, KeydirError, RevocationError } from '../errors.js'

/**
 * An HTTP error with the body `{ "error": { "code", "message" } }`. Handlers
 * throw these; the server's error handler writes them. Anything else that
 * reaches the client becomes a 500 without details.
 */
export class ApiError extends Error {
  readonly statusCode: number
  readonly code: string

  constructor (statusCode: number, code: string, message: string) {
    super(message)
    this.statusCode = statusCode
    this.code = code
    this.name = 'ApiError'
  }
}

export interface ErrorBody {
  error: { code: string, message: string }
}

export function errorBody (code: string, message: string): ErrorBody {
  return { error: { code, message } }
}

/** Status codes for the node's error codes; the rest of the KeydirErrors are 500s. */
const STATUS_BY_CODE: Record<string, number> = {
  ERR_BAD_PEER_ID: 400,
  ERR_INVALID_PEER_ID: 400,
  ERR_UNSUPPORTED_PEER_ID: 400,
  ERR_NOT_FOUND: 404,
  ERR_REVOKED: 410,
  // The peer signed two records of one seq: its keys exist, and must not be used.
  ERR_EQUIVOCATION: 409,
  ERR_OWN_REVOCATION: 409,
  // A record past the history bound, and the peer that keeps the rest could not be asked: an upstream failure.
  ERR_HISTORY_UNREACHABLE: 502,
  ERR_RESOLVE_TIMEOUT: 504
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
  if (err instanceof KeydirError) {
    const status = STATUS_BY_CODE[err.code] ?? (/PEER_?ID/.test(err.code) ? 400 : 500)
    return new ApiError(status, err.code, err.message)
  }
  if (shuttingDown || (err as { name?: unknown })?.name === 'AbortError') {
    return new ApiError(503, 'ERR_SHUTTING_DOWN', 'the node is shutting down: try again when it is back')
  }
  return new ApiError(500, 'ERR_INTERNAL', 'internal error: see the node\'s log')
}
