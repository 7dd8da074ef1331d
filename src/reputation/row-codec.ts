import { ReputationError } from '../errors.js'
import { MAX_SCORE, MIN_SCORE } from './constants.js'
import type { ScoreEntry } from './types.js'

/** Row format 1: a version byte, the score (float64, big-endian), updatedAt in Unix ms (float64, big-endian). */
const VERSION = 1
const ROW_BYTES = 17

/** The stored form of a score. */
export function encodeScoreRow (entry: ScoreEntry): Uint8Array {
  const bytes = new Uint8Array(ROW_BYTES)
  const view = new DataView(bytes.buffer)
  view.setUint8(0, VERSION)
  view.setFloat64(1, entry.score)
  view.setFloat64(9, entry.updatedAt)
  return bytes
}

/**
 * A stored score, checked as hostile bytes: the right length and version,
 * a finite score inside the bounds, a whole non-negative time. Throws
 * ReputationError ERR_CORRUPT_VALUE otherwise.
 */
export function decodeScoreRow (bytes: Uint8Array): ScoreEntry {
  if (bytes.byteLength !== ROW_BYTES || bytes[0] !== VERSION) {
    throw new ReputationError('ERR_CORRUPT_VALUE', `a stored peer score must be ${ROW_BYTES} bytes of format ${VERSION}, got ${bytes.byteLength} bytes starting with ${bytes[0] ?? 'nothing'}`)
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const score = view.getFloat64(1)
  const updatedAt = view.getFloat64(9)
  if (!Number.isFinite(score) || score < MIN_SCORE || score > MAX_SCORE) {
    throw new ReputationError('ERR_CORRUPT_VALUE', `a stored peer score must be from ${MIN_SCORE} to ${MAX_SCORE}, got ${score}`)
  }
  if (!Number.isSafeInteger(updatedAt) || updatedAt < 0) {
    throw new ReputationError('ERR_CORRUPT_VALUE', `a stored peer score's time must be a whole number of milliseconds, got ${updatedAt}`)
  }
  return { score, updatedAt }
}

/** PeerId strings as keydir writes them (base58btc, or base32 CIDs): a row under anything else is corrupt. */
const PEER_KEY = /^[0-9A-Za-z]{1,128}$/

export function isPeerKey (key: string): boolean {
  return PEER_KEY.test(key)
}
