import { equals as uint8ArrayEquals } from 'uint8arrays/equals'
import type { KeyChange, Pin, RegistryEntry } from './types.js'
import type { KeyRecord } from '../record/index.js'

/**
 * What storing `record` changes about the peer's keys, given what the
 * registry held before (`pin`, `current`) and the pin it writes
 * (`pinAfter`, at the record's key): `new` when it held neither a record
 * nor a pin, `rotated` when the ML-DSA-65 key differs from the previous
 * entry's or the pin's (with the previous entry's key and seq, when it
 * held one), otherwise nothing (a republish, a re-issue).
 * Pure; the pins carry the key fingerprints, so nothing is hashed here.
 */
export function keyChangeOf (record: KeyRecord, pin: Pin | undefined, current: RegistryEntry | undefined, pinAfter: Pin): KeyChange | undefined {
  if (pin === undefined && current === undefined) {
    return { peerId: record.peerId, change: 'new', seq: record.seq }
  }
  const rotated = (pin !== undefined && !uint8ArrayEquals(pin.fingerprint, pinAfter.fingerprint)) ||
    (current !== undefined && !uint8ArrayEquals(current.record.mlDsaPublicKey, record.mlDsaPublicKey))
  if (!rotated) return undefined
  const retiredKey = current !== undefined && !uint8ArrayEquals(current.record.mlDsaPublicKey, record.mlDsaPublicKey)
  return retiredKey
    ? { peerId: record.peerId, change: 'rotated', seq: record.seq, retired: { mlDsaPublicKey: current.record.mlDsaPublicKey, seq: current.record.seq } }
    : { peerId: record.peerId, change: 'rotated', seq: record.seq }
}
