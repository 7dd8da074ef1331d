import { Libp2pRecord } from '@libp2p/record'
import { errorCode, InvalidRecordError } from '../errors.js'
import { compareKeyRecords, unmarshalKeyRecord } from '../record/index.js'
import { dhtRecordKey } from './record-key.js'
import type { KeydirMetrics } from '../metrics/index.js'
import type { KeyRecord, KeyRecordValidator } from '../record/index.js'
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

export interface PqkValidatorComponents {
  check: PqkRecordCheck
  metrics: KeydirMetrics
}

/** Every check of the `/pqk/` validator; resolves to the decoded record, rejects with InvalidRecordError. */
export type PqkRecordCheck = (routingKey: Uint8Array, value: Uint8Array) => Promise<KeyRecord>

/**
 * What the `/pqk/` validator checks, without counting refusals: the record
 * is valid for the key, and no worse than the record this node already
 * stores under that key. kad-dht's PUT handler replaces what it holds with
 * whatever validates, without asking the selector, so without the second
 * check a rolled-back record would overwrite a newer one.
 */
export function createPqkCheck (components: PqkCheckComponents): PqkRecordCheck {
  return async (key, value) => {
    const record = components.validator.validateForRoutingKey(key, value)
    const held = await storedRecord(components, key)
    if (held != null && compareKeyRecords(held, record) < 0) {
      throw new InvalidRecordError('ERR_ROLLBACK', `record seq ${record.seq} is older than the stored seq ${held.seq}`)
    }
    return record
  }
}

/** The kad-dht validator for `/pqk/`: createPqkCheck's checks, each refusal counted. */
export function createPqkValidator (components: PqkValidatorComponents): ValidateFn {
  return async (key, value) => {
    try {
      await components.check(key, value)
    } catch (err) {
      components.metrics.verificationFailures.inc({ source: 'dht', reason: errorCode(err) })
      throw err
    }
  }
}

/** The kad-dht selector for `/pqk/`: records that do not decode lose. */
export const pqkSelector: SelectFn = (_key, values) => {
  let best = -1
  let bestRecord: KeyRecord | undefined
  values.forEach((value, i) => {
    const record = tryUnmarshal(value)
    if (record != null && (bestRecord == null || compareKeyRecords(record, bestRecord) < 0)) {
      best = i
      bestRecord = record
    }
  })
  return Math.max(best, 0)
}

async function storedRecord (components: PqkCheckComponents, key: Uint8Array): Promise<KeyRecord | undefined> {
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
    return unmarshalKeyRecord(Libp2pRecord.deserialize(bytes).value)
  } catch {
    // A held value that does not decode is nothing to protect: a valid record may replace it.
    return undefined
  }
}

function tryUnmarshal (value: Uint8Array): KeyRecord | undefined {
  try {
    return unmarshalKeyRecord(value)
  } catch {
    return undefined
  }
}
