import { createHash } from 'node:crypto'
import { compare as uint8ArrayCompare } from 'uint8arrays/compare'
import { equals as uint8ArrayEquals } from 'uint8arrays/equals'
import { EquivocationProof as ProofMessage } from '../../protobuf/equivocation.js'
import { EvidenceError, KeydirError } from '../errors.js'
import { unmarshalKeyRecord } from './codec.js'
import { MAX_EVIDENCE_BYTES } from './constants.js'
import { recordSignedBytes } from './signed-bytes.js'
import { wireFormProblem, type WireSchema } from '../util/wire-form.js'
import type { KeyRecord } from './types.js'
import type { PeerId } from '@libp2p/interface'

/**
 * Equivocation proofs on the wire: two key records of one peer with one
 * seq and different signed content, in a canonical order. This module
 * checks structure and conflict only (no signature); equivocation.ts
 * verifies the signatures. Format: docs/record-format.md, "Equivocation proof".
 */

/** A decoded equivocation proof together with its exact wire bytes. */
export interface EquivocationProof {
  /** The peer that signed both records. */
  peerId: PeerId
  /** The seq both records carry. */
  seq: number
  /** The two records, in the proof's order: SHA-256 of `records[0].bytes` is the lower. */
  records: [KeyRecord, KeyRecord]
  /** The marshalled proof: the bytes of the DHT value, of `GET /v1/evidence/{peerId}` and of `keydir verify --evidence`. */
  bytes: Uint8Array
}

/**
 * The first two bytes of every proof: the tag of field 17 (record_a,
 * length-delimited) as a varint. A KeyRecord starts 0x0a and a revocation
 * certificate 0x82 0x01, so these tell the three apart under one `/pqk/` key.
 */
export const EQUIVOCATION_TAG = Uint8Array.from([0x8a, 0x01])

/** Whether `bytes` start as an equivocation proof does (and so cannot be a record or a revocation). */
export function isEquivocationBytes (bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === EQUIVOCATION_TAG[0] && bytes[1] === EQUIVOCATION_TAG[1]
}

/** SHA-256 of a record's exact bytes: what orders the two records of a proof, and how `keydir verify` names them. */
export function recordDigest (record: KeyRecord | Uint8Array): Uint8Array {
  return createHash('sha256').update(record instanceof Uint8Array ? record : record.bytes).digest()
}

/**
 * The proof that `a` and `b` (records already validated) conflict: one
 * PeerId, one seq, different signed content. Either order gives the same
 * bytes. Throws EvidenceError ERR_EVIDENCE_PEER_MISMATCH or
 * ERR_EVIDENCE_NOT_CONFLICTING; signs and verifies nothing.
 */
export function createEquivocationProof (a: KeyRecord, b: KeyRecord): EquivocationProof {
  checkConflict(a, b)
  const [first, second] = uint8ArrayCompare(recordDigest(a), recordDigest(b)) < 0 ? [a, b] : [b, a]
  const bytes = ProofMessage.encode({ recordA: first.bytes as Uint8Array<ArrayBuffer>, recordB: second.bytes as Uint8Array<ArrayBuffer> })
  return { peerId: first.peerId, seq: first.seq, records: [first, second], bytes }
}

/**
 * Decode a proof and check everything but the records' signatures, in
 * this order: size (ERR_EVIDENCE_TOO_LARGE), leading tag and wire form
 * (ERR_EVIDENCE_MALFORMED, then ERR_EVIDENCE_NOT_CANONICAL), both records
 * present (ERR_EVIDENCE_MALFORMED), their order (ERR_EVIDENCE_NOT_CANONICAL), each record's structure (ERR_EVIDENCE_MALFORMED,
 * the record's own code as the cause), one PeerId (ERR_EVIDENCE_PEER_MISMATCH),
 * one seq and different signed content (ERR_EVIDENCE_NOT_CONFLICTING).
 */
export function unmarshalEquivocationProof (input: Uint8Array): EquivocationProof {
  if (input.length > MAX_EVIDENCE_BYTES) {
    throw new EvidenceError('ERR_EVIDENCE_TOO_LARGE', `equivocation proof is ${input.length} bytes, the limit is ${MAX_EVIDENCE_BYTES}`)
  }
  if (!isEquivocationBytes(input)) {
    throw new EvidenceError('ERR_EVIDENCE_MALFORMED', 'bytes do not start with field 17 (record_a), as every equivocation proof does: is this a key record or a revocation certificate?')
  }
  // Our own copy: the records decoded from it are views into it.
  const bytes = new Uint8Array(input)
  switch (wireFormProblem(bytes, EQUIVOCATION_PROOF_WIRE)) {
    case 'malformed':
      throw new EvidenceError('ERR_EVIDENCE_MALFORMED', 'bytes are not an EquivocationProof protobuf: truncated, a wire type other than the field\'s, or a group')
    case 'not-canonical':
      throw new EvidenceError('ERR_EVIDENCE_NOT_CANONICAL', 'proof bytes are not the canonical encoding (fields out of order, repeated, unknown, empty or not minimally encoded)')
    case undefined:
  }
  let message: ProofMessage
  try {
    message = ProofMessage.decode(bytes)
  } catch (err) {
    throw new EvidenceError('ERR_EVIDENCE_MALFORMED', 'bytes are not a valid EquivocationProof protobuf', { cause: err })
  }
  if (message.recordA.length === 0 || message.recordB.length === 0) {
    throw new EvidenceError('ERR_EVIDENCE_MALFORMED', 'an equivocation proof carries two records; one is missing')
  }
  // One encoding per pair: the records by their SHA-256.
  if (uint8ArrayCompare(recordDigest(message.recordA), recordDigest(message.recordB)) >= 0) {
    throw new EvidenceError('ERR_EVIDENCE_NOT_CANONICAL', 'the proof\'s records are not in canonical order (record_a must have the lower SHA-256), or they are the same bytes')
  }
  const a = decodeRecord(message.recordA, 'record_a')
  const b = decodeRecord(message.recordB, 'record_b')
  checkConflict(a, b)
  return { peerId: a.peerId, seq: a.seq, records: [a, b], bytes }
}

function decodeRecord (bytes: Uint8Array, field: string): KeyRecord {
  try {
    return unmarshalKeyRecord(bytes)
  } catch (err) {
    const code = err instanceof KeydirError ? err.code : 'ERR_UNEXPECTED'
    throw new EvidenceError('ERR_EVIDENCE_MALFORMED', `the proof's ${field} is not a well-formed key record (${code}: ${(err as Error).message})`, { cause: err })
  }
}

/** One PeerId, one seq, different signed content: what makes two records an equivocation. */
function checkConflict (a: KeyRecord, b: KeyRecord): void {
  if (!a.peerId.equals(b.peerId)) {
    throw new EvidenceError('ERR_EVIDENCE_PEER_MISMATCH', `the two records are of different peers (${a.peerId.toString()} and ${b.peerId.toString()}): that proves nothing about either`)
  }
  if (a.seq !== b.seq) {
    throw new EvidenceError('ERR_EVIDENCE_NOT_CONFLICTING', `the two records have different seqs (${a.seq} and ${b.seq}): a newer record replacing an older one is no equivocation`)
  }
  // ML-DSA-65 signatures are randomized: two signings of one content differ in bytes and conflict in nothing.
  if (uint8ArrayEquals(recordSignedBytes(a), recordSignedBytes(b))) {
    throw new EvidenceError('ERR_EVIDENCE_NOT_CONFLICTING', 'the two records sign the same content (only their signatures differ): the peer said one thing twice, which is no equivocation')
  }
}

/** What two records of a proof disagree on, by field name (KeyRecordContent's), for people reading a proof. */
export function differingFields (a: KeyRecord, b: KeyRecord): string[] {
  const same = (x: Uint8Array | undefined, y: Uint8Array | undefined): boolean => x === undefined || y === undefined ? x === y : uint8ArrayEquals(x, y)
  const links = (r: KeyRecord): Uint8Array[] => (r.history ?? []).flatMap(l => [l.previousFingerprint, l.signature, l.mlDsaPublicKey])
  const checks: Array<[string, boolean]> = [
    ['mlDsaPublicKey', same(a.mlDsaPublicKey, b.mlDsaPublicKey)],
    ['mlKemPublicKey', same(a.mlKemPublicKey, b.mlKemPublicKey)],
    ['x25519PublicKey', same(a.x25519PublicKey, b.x25519PublicKey)],
    ['issuedAt', a.issuedAt === b.issuedAt],
    ['expiresAt', a.expiresAt === b.expiresAt],
    ['rotation', same(a.rotation?.previousFingerprint, b.rotation?.previousFingerprint) && same(a.rotation?.signature, b.rotation?.signature)],
    ['previousRecordHash', same(a.previousRecordHash, b.previousRecordHash)],
    ['history', links(a).length === links(b).length && links(a).every((x, i) => uint8ArrayEquals(x, links(b)[i]))]
  ]
  return checks.filter(([, equal]) => !equal).map(([name]) => name)
}

/** protobuf/equivocation.proto, as the wire-form check reads it. */
const EQUIVOCATION_PROOF_WIRE: WireSchema = { 17: { type: 'bytes' }, 18: { type: 'bytes' } }
