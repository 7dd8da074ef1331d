import { equals as uint8ArrayEquals } from 'uint8arrays/equals'
import { fingerprint } from '../crypto/index.js'
import { ML_DSA_65 } from '../crypto/types.js'
import { InvalidRecordError, RegistryError } from '../errors.js'
import { FINGERPRINT_LENGTH, followHistory } from '../record/index.js'
import { MAX_SUPERSEDED } from './constants.js'
import type { AnchorKey, Pin } from './types.js'
import type { PqCrypto } from '../crypto/types.js'
import type { KeyRecord, RotationLink } from '../record/index.js'

/**
 * Pin rules. A peer's ML-DSA-65 key is pinned by a configured anchor or at
 * first verified sight; a record with another key is a key change, accepted
 * only with a chain of rotation proofs from the pinned key to the record's
 * (the record's history, followHistory), each hand-over checked.
 */

/** Whether the pin holds the key whose fingerprint is `keyFingerprint`. */
export function pinMatches (pin: Pin, keyFingerprint: Uint8Array): boolean {
  return uint8ArrayEquals(pin.fingerprint, keyFingerprint)
}

/** The pin after accepting a record, and how many hand-overs it followed to get there (0: the same key). */
export interface PinStep {
  pin: Pin
  handOvers: number
}

/**
 * The pin after accepting `record` (its key fingerprint is `recordFingerprint`),
 * or a RegistryError. Another key than the pinned one is followed through
 * the record's history (and `earlier` hand-overs fetched beyond it, newest
 * first), each hand-over from the pinned key on verified; refused with
 * ERR_KEY_CHANGED (ERR_ANCHOR_CONFLICT for an anchor pin) when nothing from
 * the pinned key vouches for the new key, ERR_BROKEN_CHAIN,
 * ERR_FORKED_CHAIN or ERR_HISTORY_BEYOND_BOUND (see followHistory). The pin
 * then holds the record's key and remembers the keys it left. Does not
 * check seq; the caller does (rollback).
 */
export function nextPin (crypto: PqCrypto, pin: Pin | undefined, record: KeyRecord, recordFingerprint: Uint8Array, earlier?: readonly RotationLink[]): PinStep {
  if (pin === undefined) {
    return { pin: { mlDsaPublicKey: record.mlDsaPublicKey, fingerprint: recordFingerprint, highestSeq: record.seq, source: 'seen' }, handOvers: 0 }
  }
  const highestSeq = Math.max(pin.highestSeq, record.seq)
  if (pinMatches(pin, recordFingerprint)) {
    // An anchor given by fingerprint learns its full key from the first matching record.
    return { pin: { ...pin, mlDsaPublicKey: pin.mlDsaPublicKey ?? record.mlDsaPublicKey, highestSeq }, handOvers: 0 }
  }

  let left: Uint8Array[]
  let handOvers: number
  try {
    ({ left, rotations: handOvers } = followHistory(crypto, record, pin, { earlier }))
  } catch (err) {
    if (!(err instanceof InvalidRecordError)) throw err
    if (pin.source !== 'anchor') {
      throw new RegistryError(err.code, err.message, { cause: err })
    }
    // A key change against an anchor is the operator's business: a configured key, or its rotation, is the truth.
    const code = err.code === 'ERR_KEY_CHANGED' ? 'ERR_ANCHOR_CONFLICT' : err.code
    throw new RegistryError(code, `anchor: ${err.message}`, { cause: err })
  }
  // Rotation: the pin follows the new key, keeps its source, and remembers the keys it left.
  const superseded = [...left, ...(pin.superseded ?? [])].slice(0, MAX_SUPERSEDED)
  return { pin: { ...pin, mlDsaPublicKey: record.mlDsaPublicKey, fingerprint: recordFingerprint, highestSeq, superseded }, handOvers }
}

/** Check a configured anchor key; returns its fingerprint and full key if given. */
export function parseAnchorKey (key: AnchorKey): { fingerprint: Uint8Array, mlDsaPublicKey?: Uint8Array } {
  if ('mlDsaPublicKey' in key) {
    if (!(key.mlDsaPublicKey instanceof Uint8Array) || key.mlDsaPublicKey.length !== ML_DSA_65.publicKey) {
      throw new RegistryError('ERR_BAD_ANCHOR', `anchor ML-DSA-65 public key must be ${ML_DSA_65.publicKey} bytes`)
    }
    return { fingerprint: fingerprint(key.mlDsaPublicKey), mlDsaPublicKey: key.mlDsaPublicKey.slice() }
  }
  if (!(key.mlDsaFingerprint instanceof Uint8Array) || key.mlDsaFingerprint.length !== FINGERPRINT_LENGTH) {
    throw new RegistryError('ERR_BAD_ANCHOR', `anchor ML-DSA-65 fingerprint must be ${FINGERPRINT_LENGTH} bytes`)
  }
  return { fingerprint: key.mlDsaFingerprint.slice() }
}

/**
 * The pin after configuring an anchor over `existing`:
 * - the same anchor configured again (every start does it) keeps the pin,
 *   which may have followed a rotation proven by the anchor key since;
 * - an existing pin of the same key becomes an anchor pin, keeping its seq;
 * - otherwise the configured key replaces the pin and the seq high-water
 *   mark starts again from 0: the operator's configuration is the truth, and
 *   a high seq reached under a key it overrides must not lock the peer out.
 */
export function anchorPin (existing: Pin | undefined, anchor: { fingerprint: Uint8Array, mlDsaPublicKey?: Uint8Array }): Pin {
  if (existing?.source === 'anchor' && existing.anchorFingerprint !== undefined &&
    uint8ArrayEquals(existing.anchorFingerprint, anchor.fingerprint)) {
    if (existing.mlDsaPublicKey === undefined && pinMatches(existing, anchor.fingerprint) && anchor.mlDsaPublicKey !== undefined) {
      return { ...existing, mlDsaPublicKey: anchor.mlDsaPublicKey }
    }
    return existing
  }
  if (existing !== undefined && pinMatches(existing, anchor.fingerprint)) {
    return {
      ...existing,
      mlDsaPublicKey: existing.mlDsaPublicKey ?? anchor.mlDsaPublicKey,
      source: 'anchor',
      anchorFingerprint: anchor.fingerprint
    }
  }
  return {
    mlDsaPublicKey: anchor.mlDsaPublicKey,
    fingerprint: anchor.fingerprint,
    highestSeq: 0,
    source: 'anchor',
    anchorFingerprint: anchor.fingerprint
  }
}
