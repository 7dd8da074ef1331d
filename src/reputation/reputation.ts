import { ReputationError } from '../errors.js'
import {
  DEFAULT_FLUSH_INTERVAL_MS, DEFAULT_HALF_LIFE_MS, DEFAULT_MAX_PEERS, DEFAULT_THRESHOLD, EVICT_FRACTION, FORGET_BELOW,
  MAX_HALF_LIFE_MS, MIN_HALF_LIFE_MS, MIN_SCORE, OUTCOME_WEIGHTS, SCORE_ROWS
} from './constants.js'
import { decodeScoreRow, encodeScoreRow, isPeerKey } from './row-codec.js'
import { addWeight, decayedScore } from './score.js'
import type { PeerOutcome, PeerReputationInit, PeerScores, ScoredPeer, ScoreEntry } from './types.js'
import type { PeerId } from '@libp2p/interface'

/**
 * The threshold, half-life and peer bound of `init` with their defaults; a
 * ReputationError ERR_BAD_OPTION for one out of range. The node calls it
 * before it opens anything, the constructor again.
 */
export function reputationSettingsOf (init: Pick<PeerReputationInit, 'threshold' | 'halfLifeMs' | 'maxPeers'>): { threshold: number, halfLifeMs: number, maxPeers: number } {
  const threshold = init.threshold ?? DEFAULT_THRESHOLD
  const halfLifeMs = init.halfLifeMs ?? DEFAULT_HALF_LIFE_MS
  const maxPeers = init.maxPeers ?? DEFAULT_MAX_PEERS
  if (!(threshold >= MIN_SCORE && threshold <= 0)) throw new ReputationError('ERR_BAD_OPTION', `threshold must be from ${MIN_SCORE} to 0, got ${threshold}`)
  if (!(halfLifeMs >= MIN_HALF_LIFE_MS && halfLifeMs <= MAX_HALF_LIFE_MS)) throw new ReputationError('ERR_BAD_OPTION', `halfLifeMs must be from ${MIN_HALF_LIFE_MS} to ${MAX_HALF_LIFE_MS}, got ${halfLifeMs}`)
  if (!(Number.isSafeInteger(maxPeers) && maxPeers >= 1)) throw new ReputationError('ERR_BAD_OPTION', `maxPeers must be a positive integer, got ${maxPeers}`)
  return { threshold, halfLifeMs, maxPeers }
}

/**
 * This node's scores of the peers it deals with, from its own observations
 * only: the exchange and the DHT lookup note outcomes (`note`), nothing
 * from the network sets a score. A score is the clamped sum of outcome
 * weights, decaying towards 0 with a half-life, computed lazily from the
 * kept (score, updatedAt). Kept in memory, bounded to `maxPeers`; changes
 * are written to `store` in one batch every `flushIntervalMs` and at
 * `close`, and read back (each row checked) at `open`.
 */
export class PeerReputation implements PeerScores {
  readonly threshold: number
  readonly halfLifeMs: number
  private readonly init: PeerReputationInit
  private readonly maxPeers: number
  private readonly now: () => number
  private readonly entries = new Map<string, ScoreEntry>()
  /** Peers whose row must be written (or deleted, when no longer in `entries`). */
  private readonly dirty = new Set<string>()
  private timer: ReturnType<typeof setInterval> | undefined
  private writing: Promise<void> = Promise.resolve()
  private opened = false

  constructor (init: PeerReputationInit = {}) {
    this.init = init
    const settings = reputationSettingsOf(init)
    this.threshold = settings.threshold
    this.halfLifeMs = settings.halfLifeMs
    this.maxPeers = settings.maxPeers
    this.now = init.now ?? Date.now
  }

  /** Read the stored scores (a corrupt row is reported, skipped and deleted at the next write), then write changes on a timer. Safe to call twice. */
  async open (): Promise<void> {
    if (this.opened) return
    const now = this.now()
    for (const [key, value] of await this.init.store?.readAll() ?? []) {
      try {
        if (!isPeerKey(key)) throw new ReputationError('ERR_CORRUPT_VALUE', 'a stored peer score is kept under a key that is no PeerId')
        const entry = decodeScoreRow(value)
        // A row from a clock that was ahead decays from now on, rather than freezing until the clock gets there.
        this.entries.set(key, { score: entry.score, updatedAt: Math.min(entry.updatedAt, now) })
      } catch (err) {
        this.init.onCorruptValue?.(`${SCORE_ROWS}/${key}`, err as Error)
        this.changed(key)
      }
    }
    // Notes made before open (none in the node) were in memory only; a smaller maxPeers than before applies now.
    this.evictIfFull()
    this.opened = true
    if (this.init.store !== undefined) {
      this.timer = setInterval(() => { void this.flush() }, this.init.flushIntervalMs ?? DEFAULT_FLUSH_INTERVAL_MS)
      // Scores are never a reason to keep the process alive.
      this.timer.unref()
    }
  }

  /** Stop the timer and write what changed. Notes after close stay in memory only. Safe to call twice. */
  async close (): Promise<void> {
    if (!this.opened) return
    clearInterval(this.timer)
    this.timer = undefined
    await this.flush()
    this.opened = false
  }

  note (peer: PeerId | string, outcome: PeerOutcome): void {
    const key = peerKey(peer)
    const weight = OUTCOME_WEIGHTS[outcome]
    if (weight === undefined) throw new TypeError(`unknown peer outcome ${JSON.stringify(outcome)}`)
    const known = this.entries.get(key)
    this.entries.set(key, addWeight(known, weight, this.now(), this.halfLifeMs))
    this.changed(key)
    this.init.onOutcome?.(outcome)
    if (known === undefined) this.evictIfFull()
  }

  score (peer: PeerId | string): number {
    const entry = this.entries.get(peerKey(peer))
    return entry === undefined ? 0 : decayedScore(entry, this.now(), this.halfLifeMs)
  }

  isBelowThreshold (peer: PeerId | string): boolean {
    return this.score(peer) < this.threshold
  }

  /** Peers scored (and not yet forgotten). */
  get size (): number {
    return this.entries.size
  }

  /** How many peers lookups skip now. Scans every score: for a scrape, not a hot path. */
  belowThresholdCount (): number {
    const now = this.now()
    let count = 0
    for (const entry of this.entries.values()) {
      if (decayedScore(entry, now, this.halfLifeMs) < this.threshold) count++
    }
    return count
  }

  /** The `limit` lowest-scored peers and the `limit` highest-scored, lowest first, each peer once: what /metrics shows per peer. */
  extremes (limit: number): ScoredPeer[] {
    const sorted = this.scored().sort((a, b) => a.score - b.score)
    if (sorted.length <= 2 * limit) return sorted
    return [...sorted.slice(0, limit), ...sorted.slice(sorted.length - limit)]
  }

  /** Every scored peer and its current score, in no order. */
  scored (): ScoredPeer[] {
    const now = this.now()
    return [...this.entries].map(([peer, entry]) => ({ peer, score: decayedScore(entry, now, this.halfLifeMs) }))
  }

  /**
   * Write the changed scores in one batch; scores that decayed to about 0
   * are forgotten, on disk too. One write at a time; a failed write is
   * reported and its peers are written with the next.
   */
  async flush (): Promise<void> {
    this.writing = this.writing.then(async () => this.writeChanges())
    return this.writing
  }

  private async writeChanges (): Promise<void> {
    const store = this.init.store
    if (store === undefined || !this.opened) return
    this.forgetFaded()
    if (this.dirty.size === 0) return
    const keys = [...this.dirty]
    this.dirty.clear()
    const puts: Array<[string, Uint8Array]> = []
    const deletes: string[] = []
    for (const key of keys) {
      const entry = this.entries.get(key)
      if (entry === undefined) deletes.push(key)
      else puts.push([key, encodeScoreRow(entry)])
    }
    try {
      await store.write(puts, deletes)
    } catch (err) {
      for (const key of keys) this.dirty.add(key)
      this.init.onWriteError?.(err as Error)
    }
  }

  /** Mark a peer's row to be written; without a store nothing is kept to write. */
  private changed (key: string): void {
    if (this.init.store !== undefined) this.dirty.add(key)
  }

  /** Forget the peers whose score decayed to about 0: they would read as 0 anyway. */
  private forgetFaded (): void {
    const now = this.now()
    for (const [key, entry] of this.entries) {
      if (Math.abs(decayedScore(entry, now, this.halfLifeMs)) < FORGET_BELOW) {
        this.entries.delete(key)
        this.changed(key)
      }
    }
  }

  /**
   * Past maxPeers, forget a tenth of them at once: those whose score decayed
   * closest to 0, then the least recently noted. The worst and the best
   * peers are the ones kept, so a flood of new PeerIds cannot wash out a
   * bad peer's record.
   */
  private evictIfFull (): void {
    if (this.entries.size <= this.maxPeers) return
    const keep = Math.max(0, this.maxPeers - Math.ceil(this.maxPeers * EVICT_FRACTION))
    const now = this.now()
    const ranked = [...this.entries].map(([key, entry]) => ({ key, weight: Math.abs(decayedScore(entry, now, this.halfLifeMs)), updatedAt: entry.updatedAt }))
      .sort((a, b) => a.weight - b.weight || a.updatedAt - b.updatedAt)
    for (const { key } of ranked.slice(0, ranked.length - keep)) {
      this.entries.delete(key)
      this.changed(key)
    }
  }
}

/** The key of a peer's score; a string must be a PeerId's string form. */
function peerKey (peer: PeerId | string): string {
  const key = typeof peer === 'string' ? peer : peer.toString()
  if (!isPeerKey(key)) throw new TypeError(`not a PeerId: ${JSON.stringify(key.slice(0, 64))}`)
  return key
}
