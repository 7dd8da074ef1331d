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
 * A lookup's progress, in libp2p's progress-event form (`{ type, detail }`,
 * as kad-dht's `onProgress` gives its own): one `keydir:dht:answer` per peer
 * that answered, as its answer is checked, and `keydir:dht:quorum` when a
 * first contact has its quorum (it then only takes the answers in flight).
 */
export type DhtLookupProgressEvents =
  | ProgressEvent<'keydir:dht:answer', DhtAnswerDetail>
  | ProgressEvent<'keydir:dht:quorum', DhtQuorumDetail>

export type OnDhtLookupProgress = (event: DhtLookupProgressEvents) => void
