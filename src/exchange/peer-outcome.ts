import { ExchangeError, KeydirError } from '../errors.js'
import type { PeerOutcome } from '../reputation/index.js'

/** Validly signed, but old: an expired record, or a message from outside the 5-minute window. */
const STALE = new Set(['ERR_STALE_TIMESTAMP', 'ERR_RECORD_EXPIRED'])
/**
 * Another peer answered than the one asked (a poisoned address book): the
 * peer asked did nothing, and noting it would let whoever poisons the
 * address book lower an honest peer's score.
 */
const NOT_THE_PEER_ASKED = new Set(['ERR_WRONG_RESPONDER'])

/**
 * What a failed exchange says about the peer, for its score (docs/reputation.md):
 * - the peer reset the stream without an answer: `refused`;
 * - its answer was old: `stale`;
 * - its answer broke the protocol or did not verify: `invalid`;
 * - no answer at all (our timeout, a dial that failed, a connection lost): `timeout`;
 * - nothing when another peer answered than the one asked;
 * - nothing when the caller gave up (`callerAborted`: another path answered,
 *   or the node stops) or the error is this node's own (its nonce store,
 *   its signer): the peer had no part in it.
 */
export function failedExchangeOutcome (err: unknown, callerAborted: boolean): PeerOutcome | undefined {
  if (callerAborted) return undefined
  if (err instanceof ExchangeError) {
    if (NOT_THE_PEER_ASKED.has(err.code)) return undefined
    if (err.code === 'ERR_REFUSED_BY_PEER') return 'refused'
    return STALE.has(err.code) ? 'stale' : 'invalid'
  }
  return err instanceof KeydirError ? undefined : 'timeout'
}
