import type { ProgressEvent } from '../../util/progress.js'
import type { PeerId } from '@libp2p/interface'

/**
 * What one answer of a lookup came to, once checked:
 * - `record`: a valid record of the peer, taken (it may still lose to a
 *   higher seq from another answer);
 * - `revocation` / `equivocation`: a valid certificate or proof about the
 *   peer that this node takes: it ends the lookup;
 * - `no-value`: the peer holds nothing under the key (closer peers only);
 * - `outdated`: validly signed but older than what this node holds or
 *   than the pin (a rollback), or expired: stale, not forged;
 * - `refused`: it failed the checks (a bad signature, a record of another
 *   peer's key, a certificate this node does not take).
 */
export type DhtAnswerResult = 'record' | 'revocation' | 'equivocation' | 'no-value' | 'outdated' | 'refused'

export interface DhtAnswerDetail {
  /** The peer that answered; this node's own PeerId for its own DHT store. */
  from: PeerId
  /**
   * Whether it is this node's own DHT store's answer, read before any peer
   * is asked. It is reported only when taken: a value that fails the check,
   * or a record at or below a refresh's pin, is passed over silently.
   */
  own: boolean
  result: DhtAnswerResult
  /** The record's seq: for a `record`, and an `outdated` record below the pin (an answer the check refused as outdated carries none). */
  seq?: number
  /** Why an `outdated` or `refused` answer was not taken (a keydir error code). */
  code?: string
}

export interface DhtQuorumDetail {
  /** Valid record answers from other peers when the quorum was reached. */
  answers: number
}

/**
 * Why a lookup ended:
 * - `quorum`: a first contact had its quorum (and took the answers in flight);
 * - `answer`: a refresh had a valid answer at or above the pin;
 * - `verdict`: a revocation or an equivocation proof was taken;
 * - `walk`: no one was left to ask (the paths, then the peers they named
 *   and, when needed, the skipped ones), short of a quorum or of a record;
 * - `wait`: a first contact's quorum wait (the ask timeout after its first
 *   valid answer) ran out short of the quorum;
 * - `aborted`: the caller's signal (the resolve's timeout) ended it.
 */
export type DhtEndReason = 'quorum' | 'answer' | 'verdict' | 'walk' | 'wait' | 'aborted'

export interface DhtEndDetail {
  reason: DhtEndReason
  /** Valid record answers from other peers. */
  answers: number
}

/**
 * A lookup's progress, in libp2p's progress-event form (`{ type, detail }`,
 * as kad-dht's `onProgress` gives its own): one `keydir:dht:answer` per peer
 * that answered, as its answer is checked, `keydir:dht:quorum` when a
 * first contact has its quorum (it then only takes the answers in flight),
 * and `keydir:dht:end` once, when it ends, with why.
 */
export type DhtLookupProgressEvents =
  | ProgressEvent<'keydir:dht:answer', DhtAnswerDetail>
  | ProgressEvent<'keydir:dht:quorum', DhtQuorumDetail>
  | ProgressEvent<'keydir:dht:end', DhtEndDetail>

export type OnDhtLookupProgress = (event: DhtLookupProgressEvents) => void
