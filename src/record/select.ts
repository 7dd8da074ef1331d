import { compare as uint8ArrayCompare } from 'uint8arrays/compare'
import type { KeyRecord } from './types.js'

/**
 * Order of preference between two valid records of one peer: higher seq,
 * then later expiry, then later issue time, then the smaller bytes, so that
 * every node picks the same record from the same set.
 * Negative when `a` is better, positive when `b` is, 0 for the same bytes.
 */
export function compareKeyRecords (a: KeyRecord, b: KeyRecord): number {
  return (b.seq - a.seq) ||
    (b.expiresAt - a.expiresAt) ||
    (b.issuedAt - a.issuedAt) ||
    uint8ArrayCompare(a.bytes, b.bytes)
}

/** Index of the best record; pure and synchronous, like the IPNS selector. */
export function selectKeyRecord (records: readonly KeyRecord[]): number {
  let best = 0
  for (let i = 1; i < records.length; i++) {
    if (compareKeyRecords(records[i], records[best]) < 0) {
      best = i
    }
  }
  return best
}
