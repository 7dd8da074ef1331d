import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto'

/**
 * Proof of the node: how the CLI knows that the process answering at the
 * address in api.json is the node of its own data dir before it sends the
 * token or trusts an answer. The data dir's api.token is a secret the CLI
 * and its node share; the CLI sends a fresh random challenge with every
 * request, and the node answers every response that carries one with
 *
 * ```
 * Keydir-Proof = base64url(HMAC-SHA256(key = the token (its UTF-8 bytes, as in api.token without the newline),
 *   "keydir-api-proof-v1" 0x00
 *   || challenge (the 32 bytes the header's base64url decodes to)
 *   || method (as sent, "GET") 0x00
 *   || request target (path and query as sent, "/v1/keys/12D3KooW…?refresh=true") 0x00
 *   || status (three ASCII digits, "200") 0x00
 *   || SHA-256(response body as sent)))
 * ```
 *
 * Every field but the last two is fixed-length or ends in 0x00, which HTTP
 * forbids in a method or target, so no two answers share a message. The
 * status and body hash bind the proof to this answer, not only to the
 * question. HEAD answers carry no proof (their body is not sent).
 */
export const CHALLENGE_HEADER = 'keydir-challenge'
export const PROOF_HEADER = 'keydir-proof'
export const PROOF_DOMAIN = 'keydir-api-proof-v1'
export const CHALLENGE_BYTES = 32
const CHALLENGE_PATTERN = /^[A-Za-z0-9_-]{43}$/
const NUL = Buffer.from([0])

/** A fresh challenge for the Keydir-Challenge header. */
export function newChallenge (): string {
  return randomBytes(CHALLENGE_BYTES).toString('base64url')
}

/** The challenge's bytes, or undefined when the header is not 32 bytes of base64url (43 characters, no padding). */
export function parseChallenge (value: string | string[] | undefined): Buffer | undefined {
  if (typeof value !== 'string' || !CHALLENGE_PATTERN.test(value)) return undefined
  const bytes = Buffer.from(value, 'base64url')
  return bytes.length === CHALLENGE_BYTES ? bytes : undefined
}

export interface ProofInput {
  challenge: Uint8Array
  method: string
  /** Path and query as sent. */
  target: string
  status: number
  body: Uint8Array | string
}

/** The Keydir-Proof header's value for one answer. */
export function apiProof (token: string, input: ProofInput): string {
  const bodyHash = createHash('sha256').update(input.body).digest()
  return createHmac('sha256', token)
    .update(PROOF_DOMAIN).update(NUL)
    .update(input.challenge)
    .update(input.method).update(NUL)
    .update(input.target).update(NUL)
    .update(String(input.status).padStart(3, '0')).update(NUL)
    .update(bodyHash)
    .digest('base64url')
}

/** Whether a presented proof is the right one, compared in constant time. */
export function proofMatches (presented: string | null | undefined, token: string, input: ProofInput): boolean {
  if (typeof presented !== 'string') return false
  const expected = Buffer.from(apiProof(token, input), 'base64url')
  const given = Buffer.from(presented, 'base64url')
  return given.length === expected.length && timingSafeEqual(given, expected)
}
