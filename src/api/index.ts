/**
 * keydir's HTTP API: a fastify server over a KeyDirectory, following the
 * Delegated Routing V1 HTTP API's conventions (JSON by default, PeerIds as
 * strings, bytes as base64, times as Unix milliseconds, the signed record by
 * content negotiation).
 *
 * @example
 * ```ts
 * import { createApiServer } from './api/index.js'
 *
 * const api = createApiServer({ node, token })
 * const url = await api.listen({ host: '127.0.0.1', port: 0 })
 * await fetch(`${url}/v1/keys/${peerId}`)   // { peerId, mlDsaPublicKey, …, record }
 * await api.close()
 * ```
 */
export { createApiServer, hostAllowed, isLoopbackHost, DEFAULT_CLOSE_TIMEOUT_MS, type ApiServer, type ApiServerInit } from './server.js'
export { ApiError, bodyTooLarge, errorBody, type ErrorBody } from './errors.js'
export { MAX_SIGNED_DATA, MAX_VERIFY_BODY } from './routes/messages.js'
export { KEY_RECORD_CONTENT_TYPE, MAX_PEER_ID_LENGTH } from './routes/keys.js'
export type { ShutdownJson } from './routes/shutdown.js'
export { MAX_QUERY_LENGTH } from './query.js'
export { DEFAULT_KEEP_ALIVE_MS, DEFAULT_MAX_EVENT_STREAMS, MAX_UNSENT_BYTES, type EventStreamLimits, type KeyChangeJson } from './routes/events.js'
export { DEFAULT_EVENT_LOG_SIZE, EventLog, parseEventId, type LoggedEvent, type MissedReason, type Replay } from './event-log.js'
export { negotiate } from './accept.js'
export * from './json.js'
export { API_TOKEN_FILE, apiTokenPath, ensureApiToken, readApiToken, tokenMatches } from './token.js'
export { apiProof, CHALLENGE_BYTES, CHALLENGE_HEADER, newChallenge, parseChallenge, PROOF_DOMAIN, PROOF_HEADER, proofMatches, type ProofInput } from './proof.js'
export { API_ADDRESS_FILE, apiAddressPath, readApiAddress, removeApiAddress, removeStaleApiAddress, writeApiAddress, type ApiAddressFile } from './address-file.js'
