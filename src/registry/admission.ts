import { equals as uint8ArrayEquals } from 'uint8arrays/equals'
import { fingerprint } from '../crypto/index.js'
import { RegistryError } from '../errors.js'
import { createEquivocationProof, recordSignedBytes, replacesSameRecord } from '../record/index.js'
import { anchorPin, nextPin, pinMatches } from './pins.js'
import { confirmsRecord, strongerTrust } from './trust.js'
import type { Pin, RegistryEntry, TrustLevel } from './types.js'
import type { PqCrypto } from '../crypto/types.js'
import type { EquivocationProof, KeyRecord, RotationLink } from '../record/index.js'

export interface AdmissionInput {
  crypto: PqCrypto
  /** A record already validated (signatures, times, PeerId). */
  record: KeyRecord
  trust: TrustLevel
  /** The caller marks the record verified. */
  verified: boolean
  pin: Pin | undefined
  /** The stored entry, if one is stored, valid and unexpired. */
  current: RegistryEntry | undefined
  now: number
  /**
   * Hand-overs older than the record's history, newest first, fetched from
   * the peer when the record alone does not reach the pin
   * (ERR_HISTORY_BEYOND_BOUND); see followHistory.
   */
  earlierHistory?: readonly RotationLink[]
}

export type Admission =
  /** `handOvers`: the rotations followed from the pinned key to the record's, each verified (0: the same key). */
  | { outcome: 'stored', entry: RegistryEntry, pin: Pin, handOvers: number }
  /** `entry` is set when the same record's trust or verified flag goes up. */
  | { outcome: 'unchanged', entry?: RegistryEntry }
  /** The record and the stored one have one seq and different signed content: the caller keeps the proof and refuses the record (ERR_EQUIVOCATION). */
  | { outcome: 'equivocation', proof: EquivocationProof }

/**
 * The storing rules, pure: what to write for a record, or a RegistryError.
 *
 * 1. Rollback: a seq below the pin's high-water mark (or the stored
 *    record's) is refused, ERR_ROLLBACK.
 * 2. The same bytes as stored: 'unchanged'; trust and verified may go up,
 *    never down.
 * 3. History: a record with a higher seq than the stored one that names
 *    the same predecessor (previousRecordHash) replaces one record twice:
 *    ERR_FORKED_CHAIN.
 *    Key continuity against the pin, following the record's history from
 *    the pinned key (see pins.ts): ERR_KEY_CHANGED, ERR_ANCHOR_CONFLICT,
 *    ERR_BROKEN_CHAIN, ERR_FORKED_CHAIN, ERR_HISTORY_BEYOND_BOUND.
 * 4. The same seq with other bytes. The same signed content (ML-DSA-65
 *    signatures are randomized, so one content signed twice differs in
 *    bytes): 'unchanged', the stored one stays, trust and verified may go
 *    up as in 2. Other signed content: the peer signed two different
 *    records of one seq, which an honest node never does
 *    (docs/security.md): outcome 'equivocation' with the proof, which the
 *    caller keeps before it refuses the record with ERR_EQUIVOCATION. Both
 *    records passed the pin rules (the new one just above), so both link
 *    to the pin.
 * 5. Trust: 'anchor' is only for a peer with an anchor pin (ERR_NOT_ANCHORED);
 *    a record that matches an anchor pin is 'anchor' at least. For the same
 *    ML-DSA-65 key the stored trust and verified flag carry over (the key a
 *    stronger source confirmed signed the new record); a new key starts from
 *    what the new source gives.
 */
export function admitRecord (input: AdmissionInput): Admission {
  const { record, pin, current } = input
  if (input.trust === 'anchor' && pin?.source !== 'anchor') {
    throw new RegistryError('ERR_NOT_ANCHORED', `${record.peerId.toString()} is not a configured anchor`)
  }

  const highWater = Math.max(pin?.highestSeq ?? 0, current?.record.seq ?? 0)
  if (record.seq < highWater) {
    throw new RegistryError('ERR_ROLLBACK', `record seq ${record.seq} for ${record.peerId.toString()} is below seq ${highWater} already accepted`)
  }

  if (current !== undefined && uint8ArrayEquals(record.bytes, current.record.bytes)) {
    return sameRecord(input, current)
  }

  if (current !== undefined && record.seq > current.record.seq && replacesSameRecord(current.record, record)) {
    throw new RegistryError('ERR_FORKED_CHAIN', `record seq ${record.seq} for ${record.peerId.toString()} replaces the same record as the stored seq ` +
      `${current.record.seq}: the peer's history forks (two writers with one identity, or a key in other hands)`)
  }

  const { pin: pinAfter, handOvers } = nextPin(input.crypto, pin, record, fingerprint(record.mlDsaPublicKey), input.earlierHistory)

  if (current !== undefined && record.seq === current.record.seq) {
    if (uint8ArrayEquals(recordSignedBytes(record), recordSignedBytes(current.record))) return sameRecord(input, current)
    return { outcome: 'equivocation', proof: createEquivocationProof(current.record, record) }
  }

  const sameKey = current !== undefined && uint8ArrayEquals(current.record.mlDsaPublicKey, record.mlDsaPublicKey)
  let trust = effectiveTrust(input.trust, pinAfter)
  let verified = input.verified || confirmsRecord(trust)
  if (sameKey) {
    trust = strongerTrust(current.trust, trust)
    verified ||= current.verified
  }
  return { outcome: 'stored', entry: { record, trust, verified, storedAt: input.now }, pin: pinAfter, handOvers }
}

/** The stored record again (or its content signed again): it stays; trust and verified may go up, never down. */
function sameRecord (input: AdmissionInput, current: RegistryEntry): Admission {
  const trust = strongerTrust(current.trust, effectiveTrust(input.trust, input.pin))
  const verified = current.verified || input.verified || confirmsRecord(trust)
  if (trust === current.trust && verified === current.verified) {
    return { outcome: 'unchanged' }
  }
  return { outcome: 'unchanged', entry: { ...current, trust, verified } }
}

/** A record that matches an anchor pin is anchored, whichever source brought it. */
function effectiveTrust (trust: TrustLevel, pin: Pin | undefined): TrustLevel {
  return pin?.source === 'anchor' ? strongerTrust(trust, 'anchor') : trust
}

export interface AnchorAdmission {
  pin: Pin
  /** The stored record, now trust 'anchor' (or stronger) and verified. */
  entry?: RegistryEntry
  /** The stored record has another key than the anchor: it goes. */
  deleteEntry: boolean
}

/**
 * What configuring an anchor writes (see anchorPin for the pin): a stored
 * record with the anchor's key becomes trust 'anchor' and verified and
 * teaches a fingerprint-only anchor its full key; one with another key is
 * deleted, as the configuration is the truth about that peer.
 */
export function admitAnchor (existing: Pin | undefined, anchor: { fingerprint: Uint8Array, mlDsaPublicKey?: Uint8Array }, current: RegistryEntry | undefined): AnchorAdmission {
  const pin = anchorPin(existing, anchor)
  if (current === undefined) {
    return { pin, deleteEntry: false }
  }
  if (!pinMatches(pin, fingerprint(current.record.mlDsaPublicKey))) {
    return { pin, deleteEntry: true }
  }
  return {
    pin: { ...pin, mlDsaPublicKey: pin.mlDsaPublicKey ?? current.record.mlDsaPublicKey, highestSeq: Math.max(pin.highestSeq, current.record.seq) },
    entry: Object.freeze({ ...current, trust: strongerTrust(current.trust, 'anchor'), verified: true }),
    deleteEntry: false
  }
}
