import type { PeerId } from '@libp2p/interface'

/**
 * One outcome of dealing with a peer, as this node saw it:
 * - `valid`: a fresh answer that passed every check;
 * - `stale`: a validly signed answer older than one this node knows of (or expired, or with a stale timestamp);
 * - `invalid`: a forged or unverifiable answer (a bad signature, a malformed message, a record that fails validation);
 * - `withheld`: no record for a key the peer should hold (it is among the closest to it and others had one);
 * - `timeout`: no answer in time, or the peer could not be reached;
 * - `refused`: the peer refused the exchange (it reset the stream, or answered with an error).
 */
export type PeerOutcome = 'valid' | 'stale' | 'invalid' | 'withheld' | 'timeout' | 'refused'

/**
 * Peer scores, as the layers that deal with peers see them: the exchange and
 * the DHT lookup note outcomes, the lookup orders and skips peers by them.
 */
export interface PeerScores {
  /** Count one outcome of dealing with `peer`. Cheap and synchronous (writes are batched to disk). */
  note (peer: PeerId | string, outcome: PeerOutcome): void
  /** The peer's current score, decayed to now; 0 for a peer never seen. */
  score (peer: PeerId | string): number
  /** Whether lookups should skip this peer (score below the threshold). */
  isBelowThreshold (peer: PeerId | string): boolean
}

/** Where scores persist: rows by PeerId string (the registry's SideRows have this shape). */
export interface ScoreRows {
  /** Every row, in key order. */
  readAll (): Promise<Array<[string, Uint8Array]>>
  /** Puts and deletes in one atomic batch. */
  write (puts: ReadonlyArray<readonly [string, Uint8Array]>, deletes: readonly string[]): Promise<void>
}

/** A peer's score as kept: the value at `updatedAt`, decayed lazily when read. */
export interface ScoreEntry {
  score: number
  /** Unix milliseconds of the last note. */
  updatedAt: number
}

/** A peer and its current score. */
export interface ScoredPeer {
  peer: string
  score: number
}

export interface PeerReputationInit {
  /** Where scores persist. Default none: scores live in memory only. */
  store?: ScoreRows
  /** Lookups skip a peer scored below this, from MIN_SCORE (never skip) to 0. Default -10. */
  threshold?: number
  /** Scores halve towards 0 this often, 1 minute to 30 days. Default 1 hour. */
  halfLifeMs?: number
  /** Peers scored at most. Default 10,000. */
  maxPeers?: number
  /** Changed scores are written this often. Default 10 s. */
  flushIntervalMs?: number
  now?: () => number
  /** Each note, for the metrics. */
  onOutcome?: (outcome: PeerOutcome) => void
  /** A stored row that failed to decode (`peer-scores/<key>`): skipped, and deleted at the next write. */
  onCorruptValue?: (key: string, err: Error) => void
  /** A write of changed scores failed; they are written again with the next. */
  onWriteError?: (err: Error) => void
}
