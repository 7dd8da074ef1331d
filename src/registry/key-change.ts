import { equals as uint8ArrayEquals } from 'uint8arrays/equals'
import type { FollowedRotation, KeyChange, Pin, RegistryEntry } from './types.js'
import type { KeyRecord } from '../record/index.js'

/**
 * What storing `record` changes about the peer's keys, given what the
 * registry held before (`pin`, `current`) and the pin it writes
 * (`pinAfter`, at the record's key): `new` when it held neither a record
 * nor a pin, `rotated` when the ML-DSA-65 key differs from the previous
 * entry's or the pin's (with the previous entry's key and seq, when it
 * held one, and the rotation followed when `handOvers` from the pinned key
 * were verified), otherwise nothing (a republish, a re-issue).
 * Pure; the pins carry the key fingerprints, so nothing is hashed here.
 */
export function keyChangeOf (record: KeyRecord, pin: Pin | undefined, current: RegistryEntry | undefined, pinAfter: Pin, handOvers: number): KeyChange | undefined {
  if (pin === undefined && current === undefined) {
    return { peerId: record.peerId, change: 'new', seq: record.seq }
  }
  const rotated = (pin !== undefined && !uint8ArrayEquals(pin.fingerprint, pinAfter.fingerprint)) ||
    (current !== undefined && !uint8ArrayEquals(current.record.mlDsaPublicKey, record.mlDsaPublicKey))
  if (!rotated) return undefined
  const change: KeyChange = { peerId: record.peerId, change: 'rotated', seq: record.seq }
  if (current !== undefined && !uint8ArrayEquals(current.record.mlDsaPublicKey, record.mlDsaPublicKey)) {
    change.retired = { mlDsaPublicKey: current.record.mlDsaPublicKey, seq: current.record.seq }
  }
  const followed = followedRotation(record, pin, current, handOvers)
  if (followed !== undefined) change.followed = followed
  return change
}

/** The rotation admitting `record` followed, if it followed any: `handOvers` verified from `pin`'s key. */
export function followedRotation (record: KeyRecord, pin: Pin | undefined, current: RegistryEntry | undefined, handOvers: number): FollowedRotation | undefined {
  if (pin === undefined || handOvers === 0) return undefined
  return { fromSeq: current?.record.seq ?? pin.highestSeq, toSeq: record.seq, handOvers, anchor: pin.source === 'anchor' }
}
