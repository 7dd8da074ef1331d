/**
 * The numbers of peer reputation; docs/reputation.md gives the reasoning.
 * A score is a sum of outcome weights, clamped, that decays towards 0.
 */
import type { PeerOutcome } from './types.js'

const second = 1000
const minute = 60 * second
const hour = 60 * minute

/**
 * What one outcome adds to a peer's score. A forged or unverifiable answer
 * costs the most: it can only be deliberate. A stale answer is half that:
 * an honest peer can hold an older record, but serving one is how a
 * rollback is attempted. A withheld record and a refusal cost little (an
 * honest peer outside a record's closest set, or one rate-limiting us, does
 * both), a timeout least (a peer may just be offline). A valid answer earns
 * the least, so credit is slow to build and quick to lose.
 */
export const OUTCOME_WEIGHTS: Readonly<Record<PeerOutcome, number>> = Object.freeze({
  valid: 1,
  stale: -4,
  invalid: -8,
  withheld: -2,
  timeout: -1,
  refused: -2
})

/** Every outcome, in a fixed order (the metrics' labels). */
export const PEER_OUTCOMES: readonly PeerOutcome[] = Object.freeze(['valid', 'stale', 'invalid', 'withheld', 'timeout', 'refused'])

/** The highest score: a long-lived peer cannot bank more credit than seven forged answers spend. */
export const MAX_SCORE = 50
/** The lowest score: the worst peer recovers to the threshold in a bounded time (about 3.3 half-lives). */
export const MIN_SCORE = -100

/** Lookups skip a peer whose score is below this. MIN_SCORE turns skipping off. */
export const DEFAULT_THRESHOLD = -10
/** Scores halve towards 0 every this long: old behaviour fades, good or bad. */
export const DEFAULT_HALF_LIFE_MS = hour
/** The longest half-life the options take: beyond it a score is all but permanent. */
export const MAX_HALF_LIFE_MS = 30 * 24 * hour
/** The shortest half-life the options take: below it a score forgets within one lookup. */
export const MIN_HALF_LIFE_MS = minute

/** Peers scored at most; past it, those whose score decayed closest to 0 (then the least recently noted) are forgotten. */
export const DEFAULT_MAX_PEERS = 10_000
/** The share of `maxPeers` forgotten at once when the table is full, so a full table does not sort on every new peer. */
export const EVICT_FRACTION = 0.1
/** A score this close to 0 is forgotten (memory and disk): it shows as 0.00 anyway. */
export const FORGET_BELOW = 0.005

/** Changed scores are written to disk this often, and at close. */
export const DEFAULT_FLUSH_INTERVAL_MS = 10 * second

/** The registry database's sublevel the scores are kept in (PeerKeyRegistry.sideRows). */
export const SCORE_ROWS = 'peer-scores'
