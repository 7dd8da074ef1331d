import { compare as uint8ArrayCompare } from 'uint8arrays/compare'
import type { EquivocationProof } from './equivocation-codec.js'
import type { PqkValue } from './pqk-value.js'
import type { RevocationCertificate } from './revocation-types.js'
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

/**
 * Order of preference between two valid revocations of one peer: the later
 * issue time, then the smaller bytes. Either one kills the identity; the
 * order only makes every node keep the same one. The later one is most
 * often signed by the peer's newest ML-DSA-65 key (a fresh `revoke` rather
 * than the certificate pre-signed at init), which the most pinned nodes can
 * link to their pin.
 */
export function compareRevocations (a: RevocationCertificate, b: RevocationCertificate): number {
  return (b.issuedAt - a.issuedAt) || uint8ArrayCompare(a.bytes, b.bytes)
}

/**
 * Order of preference between two valid `/pqk/` values of one peer: a
 * revocation beats everything; an equivocation proof beats every record
 * (both mean "do not use this peer's keys"; the revocation is its owner's
 * word, and kept); then compareRevocations, the smaller proof bytes (any
 * valid proof proves the same, the order only makes every node keep the
 * same one), or compareKeyRecords. Negative when `a` is better.
 */
export function comparePqkValues (a: PqkValue, b: PqkValue): number {
  const rank = PQK_RANK[a.kind] - PQK_RANK[b.kind]
  if (rank !== 0) return rank
  if (a.kind === 'revocation' && b.kind === 'revocation') return compareRevocations(a.revocation, b.revocation)
  if (a.kind === 'equivocation' && b.kind === 'equivocation') return compareEquivocationProofs(a.proof, b.proof)
  if (a.kind === 'record' && b.kind === 'record') return compareKeyRecords(a.record, b.record)
  return 0
}

/** Order between two valid proofs of one peer: the smaller bytes. Any one proves the same; the order makes every node keep the same one. */
export function compareEquivocationProofs (a: EquivocationProof, b: EquivocationProof): number {
  return uint8ArrayCompare(a.bytes, b.bytes)
}

/** Lower ranks first. */
const PQK_RANK: Record<PqkValue['kind'], number> = { revocation: 0, equivocation: 1, record: 2 }

/** Index of the best value; pure and synchronous, like selectKeyRecord. */
export function selectPqkValue (values: readonly PqkValue[]): number {
  let best = 0
  for (let i = 1; i < values.length; i++) {
    if (comparePqkValues(values[i], values[best]) < 0) {
      best = i
    }
  }
  return best
}
