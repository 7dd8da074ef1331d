import { MAX_SCORE, MIN_SCORE } from './constants.js'
import type { ScoreEntry } from './types.js'

/**
 * A kept score decayed to `now`: it halves every `halfLifeMs`. A clock
 * stepped back (now before updatedAt) decays nothing rather than growing
 * the score.
 */
export function decayedScore (entry: ScoreEntry, now: number, halfLifeMs: number): number {
  const elapsed = Math.max(0, now - entry.updatedAt)
  return entry.score * 2 ** (-elapsed / halfLifeMs)
}

/** Keep a score inside [MIN_SCORE, MAX_SCORE]. */
export function clampScore (score: number): number {
  return Math.min(MAX_SCORE, Math.max(MIN_SCORE, score))
}

/** The entry after adding `weight` at `now` to what `entry` decayed to. */
export function addWeight (entry: ScoreEntry | undefined, weight: number, now: number, halfLifeMs: number): ScoreEntry {
  const current = entry === undefined ? 0 : decayedScore(entry, now, halfLifeMs)
  // After a clock stepped back the score decays from the new time on, in real time, instead of freezing until the clock catches up.
  return { score: clampScore(current + weight), updatedAt: now }
}
