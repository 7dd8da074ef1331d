import { createEquivocationProof } from '../../src/record/index.js'
import { makeRecord } from './records.js'
import type { TestIdentity } from './records.js'
import type { EquivocationProof, KeyRecord } from '../../src/record/index.js'

/**
 * An equivocating peer's two records: one seq, different signed content
 * (the second is issued a second later), both signed by the identity's
 * own keys, as a node built to equivocate would sign them.
 */
export async function makeConflictingRecords (identity: TestIdentity, seq = 1, issuedAt = Date.now()): Promise<[KeyRecord, KeyRecord]> {
  return [await makeRecord(identity, { seq, issuedAt }), await makeRecord(identity, { seq, issuedAt: issuedAt + 1000 })]
}

/** The proof over makeConflictingRecords' pair. */
export async function makeEquivocation (identity: TestIdentity, seq = 1, issuedAt?: number): Promise<EquivocationProof> {
  const [a, b] = await makeConflictingRecords(identity, seq, issuedAt)
  return createEquivocationProof(a, b)
}
