/**
 * Peer reputation: this node's scores of the peers it deals with, from its
 * own observations only. The exchange and the DHT lookup note outcomes;
 * the lookup asks well-scored peers first and skips those below the
 * threshold (but never when a skipped peer is the only source of a valid
 * record). A layer beside the registry: it knows nothing of the network.
 *
 * @example
 * ```ts
 * import { PeerReputation, SCORE_ROWS } from './index.js'
 *
 * const reputation = new PeerReputation({ store: registry.sideRows(SCORE_ROWS), threshold: -10, halfLifeMs: 60 * 60_000 })
 * await reputation.open()                  // stored scores read back
 * reputation.note(peerId, 'invalid')       // -8, written within 10 s
 * reputation.score(peerId)                 // -8, halving every hour
 * reputation.isBelowThreshold(peerId)      // false: -8 is not below -10
 * await reputation.close()                 // changes written
 * ```
 */
export { PeerReputation, reputationSettingsOf } from './reputation.js'
export {
  DEFAULT_FLUSH_INTERVAL_MS, DEFAULT_HALF_LIFE_MS, DEFAULT_MAX_PEERS, DEFAULT_THRESHOLD, MAX_HALF_LIFE_MS, MAX_SCORE, MIN_HALF_LIFE_MS, MIN_SCORE,
  OUTCOME_WEIGHTS, PEER_OUTCOMES, SCORE_ROWS
} from './constants.js'
export { decodeScoreRow, encodeScoreRow } from './row-codec.js'
export type { PeerOutcome, PeerReputationInit, PeerScores, ScoredPeer, ScoreEntry, ScoreRows } from './types.js'
