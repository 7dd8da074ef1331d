import { equals as uint8ArrayEquals } from 'uint8arrays/equals'
import { fingerprint } from '../crypto/index.js'
import { ML_DSA_65 } from '../crypto/types.js'
import { RegistryError } from '../errors.js'
import { FINGERPRINT_LENGTH, verifyRotationProof } from '../record/index.js'
import type { AnchorKey, Pin } from './types.js'
import type { PqCrypto } from '../crypto/types.js'
import type { KeyRecord } from '../record/index.js'

/**
 * Pin rules. A peer's ML-DSA-65 key is pinned by a configured anchor or at
 * first verified sight; a record with another key is a key change, accepted
 * only with a rotation proof signed by the pinned key.
 */

/** Whether the pin holds the key whose fingerprint is `keyFingerprint`. */
export function pinMatches (pin: Pin, keyFingerprint: Uint8Array): boolean {
  return uint8ArrayEquals(pin.fingerprint, keyFingerprint)
}

/**
 * The pin after accepting `record` (its key fingerprint is `recordFingerprint`),
 * or a RegistryError: ERR_KEY_CHANGED for a seen pin, ERR_ANCHOR_CONFLICT for
 * an anchor pin. Does not check seq; the caller does (rollback).
 */
export function nextPin (crypto: PqCrypto, pin: Pin | undefined, record: KeyRecord, recordFingerprint: Uint8Array): Pin {
  if (pin === undefined) {
    return { mlDsaPublicKey: record.mlDsaPublicKey, fingerprint: recordFingerprint, highestSeq: record.seq, source: 'seen' }
  }
  const highestSeq = Math.max(pin.highestSeq, record.seq)
  if (pinMatches(pin, recordFingerprint)) {
    // An anchor given by fingerprint learns its full key from the first matching record.
    return { ...pin, mlDsaPublicKey: pin.mlDsaPublicKey ?? record.mlDsaPublicKey, highestSeq }
  }

  const code = pin.source === 'anchor' ? 'ERR_ANCHOR_CONFLICT' : 'ERR_KEY_CHANGED'
  const peer = record.peerId.toString()
  if (pin.mlDsaPublicKey === undefined) {
    // A rotation proof is an ML-DSA-65 signature: checking it needs the
    // previous public key, and a fingerprint is not enough. The operator
    // must configure the anchor's full key, or the new key's fingerprint.
    throw new RegistryError(code, `record for anchor ${peer} has another ML-DSA-65 key than the configured fingerprint, ` +
      'and a rotation proof cannot be checked against a fingerprint: configure the anchor with its full key')
  }
  if (!verifyRotationProof(crypto, record, pin.mlDsaPublicKey)) {
    throw new RegistryError(code, pin.source === 'anchor'
      ? `record for anchor ${peer} has another ML-DSA-65 key than the anchor's, without a valid rotation proof`
      : `record for ${peer} changes its pinned ML-DSA-65 key without a valid rotation proof`)
  }
  // Rotation: the pin follows the new key and keeps its source.
  return { ...pin, mlDsaPublicKey: record.mlDsaPublicKey, fingerprint: recordFingerprint, highestSeq }
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
