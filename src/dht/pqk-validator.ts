import { Libp2pRecord } from '@libp2p/record'
import { equals as uint8ArrayEquals } from 'uint8arrays/equals'
import { errorCode, EvidenceError, InvalidRecordError, RevocationError } from '../errors.js'
import { comparePqkValues, decodePqkValue, isEquivocationBytes, recordSignedBytes, routingKeyFor, validatePqkValue } from '../record/index.js'
import { dhtRecordKey } from './record-key.js'
import type { KeydirMetrics } from '../metrics/index.js'
import type { EquivocationValidator, KeyRecord, KeyRecordValidator, PqkValue, RevocationValidator } from '../record/index.js'
import type { ValidateFn, SelectFn } from '@libp2p/kad-dht'
import type { Datastore, Key } from 'interface-datastore'

export interface PqkCheckComponents {
  validator: KeyRecordValidator
  /** The libp2p datastore kad-dht stores records in. */
  datastore: Datastore
  /**
   * A synchronous read of the same store, where it has one (LevelDB's
   * getSync). Every record kad-dht receives, each answer of a lookup
   * included, is checked against the stored one: a thread-pool round trip
   * each time costs a turn of a busy event loop before the answer counts.
   */
  readSync?: (key: Key) => Uint8Array | undefined
}

export interface PqkValueCheckComponents extends PqkCheckComponents {
  revocationValidator: RevocationValidator
  /** Checks equivocation proofs under `/pqk/`; without it a proof is refused as a malformed record. */
  equivocationValidator?: EquivocationValidator
}

export interface PqkValidatorComponents {
  /** createPqkValueCheck's checks (records and revocations), or createPqkCheck's (records only). */
  check: PqkValueCheck | PqkRecordCheck
  metrics: KeydirMetrics
}

/** Every check of the `/pqk/` validator for key records; resolves to the decoded record, rejects with InvalidRecordError. */
export type PqkRecordCheck = (routingKey: Uint8Array, value: Uint8Array) => Promise<KeyRecord>

/**
 * Every check of the `/pqk/` validator for any value under the key, a key
 * record or a revocation; resolves to the decoded value, rejects with
 * InvalidRecordError or RevocationError.
 */
export type PqkValueCheck = (routingKey: Uint8Array, value: Uint8Array) => Promise<PqkValue>

/**
 * What the `/pqk/` validator checks for a key record, without counting
 * refusals: the record is valid for the key, and no worse than the record
 * this node already stores under that key. kad-dht's PUT handler replaces
 * what it holds with whatever validates, without asking the selector, so
 * without the second check a rolled-back record would overwrite a newer one.
 * A revocation held under the key refuses every record (ERR_REVOKED).
 */
export function createPqkCheck (components: PqkCheckComponents): PqkRecordCheck {
  return async (key, value) => {
    const record = components.validator.validateForRoutingKey(key, value)
    const held = await storedValue(components, key)
    if (held != null && comparePqkValues(held, { kind: 'record', record }) < 0) {
      throw refusal(held, { kind: 'record', record })
    }
    return record
  }
}

/**
 * createPqkCheck for every kind of `/pqk/` value: a valid record,
 * revocation or equivocation proof of the key's peer, no worse than what
 * this node holds under the key (comparePqkValues: a revocation beats
 * everything, a proof every record). One exception: a record with the
 * held record's seq and other signed content passes under the key of its
 * libp2p PeerId, so that the store under kad-dht (PqkRecordStore) sees the
 * conflict and keeps its proof (under an ML-DSA PeerId's key it does not).
 */
export function createPqkValueCheck (components: PqkValueCheckComponents): PqkValueCheck {
  const validators = { records: components.validator, revocations: components.revocationValidator, equivocations: components.equivocationValidator }
  return async (key, value) => {
    const incoming = validatePqkValue(validators, key, value)
    const held = await storedValue(components, key)
    if (held != null && comparePqkValues(held, incoming) < 0 && !provableConflict(key, held, incoming)) {
      throw refusal(held, incoming)
    }
    return incoming
  }
}

/**
 * Whether `incoming` conflicts with `held` under a key where the store
 * turns the two into a proof: the key of the records' libp2p PeerId. Under
 * the key of an ML-DSA PeerId a proof would be refused (it names the
 * libp2p PeerId), so there the store keeps the held record and the usual
 * ranking applies.
 */
function provableConflict (key: Uint8Array, held: PqkValue, incoming: PqkValue): boolean {
  const conflict = conflictingRecords(held, incoming)
  return conflict !== undefined && uint8ArrayEquals(key, routingKeyFor(conflict[0].peerId))
}

/** The two records, when both values are records of one seq with different signed content: an equivocation, which the store turns into a proof. */
export function conflictingRecords (held: PqkValue, incoming: PqkValue): [KeyRecord, KeyRecord] | undefined {
  if (held.kind !== 'record' || incoming.kind !== 'record' || held.record.seq !== incoming.record.seq) return undefined
  return uint8ArrayEquals(recordSignedBytes(held.record), recordSignedBytes(incoming.record)) ? undefined : [held.record, incoming.record]
}

/** The kad-dht validator for `/pqk/`: the check's checks, each refusal counted. */
export function createPqkValidator (components: PqkValidatorComponents): ValidateFn {
  return async (key, value) => {
    try {
      await components.check(key, value)
    } catch (err) {
      // A refused proof is counted as evidence: forged evidence must show apart from bad records.
      components.metrics.verificationFailures.inc({ source: isEquivocationBytes(value) ? 'evidence' : 'dht', reason: errorCode(err) })
      throw err
    }
  }
}

/**
 * The kad-dht selector for `/pqk/` (comparePqkValues): a revocation beats
 * everything, an equivocation proof every record; values that do not decode lose.
 */
export const pqkSelector: SelectFn = (_key, values) => {
  let best = -1
  let bestValue: PqkValue | undefined
  values.forEach((value, i) => {
    const decoded = tryDecode(value)
    if (decoded != null && (bestValue == null || comparePqkValues(decoded, bestValue) < 0)) {
      best = i
      bestValue = decoded
    }
  })
  return Math.max(best, 0)
}

/** Why `incoming` loses to `held`. */
function refusal (held: PqkValue, incoming: PqkValue): Error {
  const peer = (held.kind === 'record' ? held.record.peerId : held.kind === 'revocation' ? held.revocation.peerId : held.proof.peerId).toString()
  if (held.kind === 'revocation') {
    const message = `${peer} is revoked: this node holds its revocation (reason ${held.revocation.reason}), which nothing else replaces`
    if (incoming.kind === 'revocation') return new RevocationError('ERR_ROLLBACK', `this node holds a revocation of ${peer} issued later (or the same time, with smaller bytes)`)
    return incoming.kind === 'record' ? new InvalidRecordError('ERR_REVOKED', message) : new EvidenceError('ERR_REVOKED', message)
  }
  if (held.kind === 'equivocation') {
    const message = `${peer} equivocated: this node holds the proof (seq ${held.proof.seq}), which no record replaces`
    return incoming.kind === 'record' ? new InvalidRecordError('ERR_EQUIVOCATION', message) : new EvidenceError('ERR_EVIDENCE_HELD', `this node already holds a proof about ${peer}`)
  }
  return new InvalidRecordError('ERR_ROLLBACK', `record seq ${(incoming as { record: KeyRecord }).record.seq} is older than the stored seq ${held.record.seq}`)
}

async function storedValue (components: PqkCheckComponents, key: Uint8Array): Promise<PqkValue | undefined> {
  const dsKey = dhtRecordKey(key)
  let bytes: Uint8Array | undefined
  try {
    bytes = components.readSync === undefined ? await components.datastore.get(dsKey) : components.readSync(dsKey)
  } catch (err) {
    if ((err as Error).name === 'NotFoundError') return undefined
    // Fail closed: without the held record a rollback cannot be ruled out.
    throw new InvalidRecordError('ERR_HELD_RECORD_UNREADABLE', 'the record this node holds under this key cannot be read, so the new one is refused', { cause: err })
  }
  if (bytes === undefined) return undefined
  try {
    // Validated when it was stored: its structure is enough to rank it.
    return decodePqkValue(Libp2pRecord.deserialize(bytes).value)
  } catch {
    // A held value that does not decode is nothing to protect: a valid record may replace it.
    return undefined
  }
}

function tryDecode (value: Uint8Array): PqkValue | undefined {
  try {
    return decodePqkValue(value)
  } catch {
    return undefined
  }
}
