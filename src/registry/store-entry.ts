import { equals as uint8ArrayEquals } from 'uint8arrays/equals'
import { Nonce as NonceMessage, PeerSummary as PeerSummaryMessage, Pin as PinMessage, RegistryEntry as RegistryEntryMessage } from '../../protobuf/registry-entry.js'
import { fingerprint } from '../crypto/index.js'
import { ML_DSA_65 } from '../crypto/types.js'
import { RegistryError } from '../errors.js'
import { FINGERPRINT_LENGTH } from '../record/index.js'
import { MAX_UINT64 } from '../util/protons-uint64.js'
import { MAX_SUPERSEDED } from './constants.js'
import { isTrustLevel } from './trust.js'
import type { PeerSummary, Pin, RegistryEntry, TrustLevel } from './types.js'

/**
 * Wire <-> domain conversion of the values the registry keeps in LevelDB.
 * Decoders check every field and throw RegistryError ERR_CORRUPT_VALUE;
 * the registry reports such a value and treats it as absent. The record
 * bytes inside an entry are not checked here: the registry re-validates them
 * with the KeyRecordValidator on load.
 */

/** A stored entry before its record is validated. */
export interface StoredEntry {
  recordBytes: Uint8Array
  trust: TrustLevel
  verified: boolean
  storedAt: number
}

export function encodeEntry (entry: RegistryEntry): Uint8Array {
  return RegistryEntryMessage.encode({
    record: entry.record.bytes as Uint8Array<ArrayBuffer>,
    trust: entry.trust,
    verified: entry.verified,
    storedAt: BigInt(entry.storedAt)
  })
}

export function decodeEntry (bytes: Uint8Array): StoredEntry {
  const message = decode(() => RegistryEntryMessage.decode(bytes), 'RegistryEntry')
  if (message.record.length === 0) {
    throw corrupt('entry has no record')
  }
  if (!isTrustLevel(message.trust)) {
    throw corrupt(`unknown trust level "${message.trust.slice(0, 32)}"`)
  }
  return {
    recordBytes: message.record,
    trust: message.trust,
    verified: message.verified,
    storedAt: safeInteger('storedAt', message.storedAt)
  }
}

export function encodePin (pin: Pin): Uint8Array {
  return PinMessage.encode({
    mlDsaPublicKey: pin.mlDsaPublicKey as Uint8Array<ArrayBuffer> | undefined,
    fingerprint: pin.fingerprint as Uint8Array<ArrayBuffer>,
    highestSeq: BigInt(pin.highestSeq),
    source: pin.source,
    anchorFingerprint: pin.anchorFingerprint as Uint8Array<ArrayBuffer> | undefined,
    superseded: (pin.superseded ?? []) as Array<Uint8Array<ArrayBuffer>>
  })
}

export function decodePin (bytes: Uint8Array): Pin {
  const message = decode(() => PinMessage.decode(bytes), 'Pin')
  if (message.source !== 'anchor' && message.source !== 'seen') {
    throw corrupt(`unknown pin source "${message.source.slice(0, 32)}"`)
  }
  if (message.fingerprint.length !== FINGERPRINT_LENGTH) {
    throw corrupt(`pin fingerprint is ${message.fingerprint.length} bytes`)
  }
  const key = message.mlDsaPublicKey.length === 0 ? undefined : message.mlDsaPublicKey
  if (key !== undefined) {
    if (key.length !== ML_DSA_65.publicKey) {
      throw corrupt(`pinned key is ${key.length} bytes`)
    }
    if (!uint8ArrayEquals(fingerprint(key), message.fingerprint)) {
      throw corrupt('pinned key does not match the pin fingerprint')
    }
  }
  // Only an anchor given by fingerprint lacks the full key; a seen pin comes from a record.
  if (key === undefined && message.source === 'seen') {
    throw corrupt('seen pin has no key')
  }
  const anchor = message.anchorFingerprint.length === 0 ? undefined : message.anchorFingerprint
  if (message.source === 'anchor' ? anchor?.length !== FINGERPRINT_LENGTH : anchor !== undefined) {
    throw corrupt('anchor fingerprint is missing, misplaced or of the wrong length')
  }
  if (message.superseded.length > MAX_SUPERSEDED || message.superseded.some(old => old.length !== FINGERPRINT_LENGTH)) {
    throw corrupt('superseded fingerprints are too many or of the wrong length')
  }
  const pin: Pin = {
    mlDsaPublicKey: key,
    fingerprint: message.fingerprint,
    highestSeq: safeInteger('highestSeq', message.highestSeq),
    source: message.source,
    anchorFingerprint: anchor
  }
  if (message.superseded.length > 0) pin.superseded = message.superseded
  return pin
}

export function encodeSummary (summary: PeerSummary): Uint8Array {
  return PeerSummaryMessage.encode({
    trust: summary.trust,
    verified: summary.verified,
    expiresAt: BigInt(summary.expiresAt),
    unsolicited: summary.unsolicited,
    storedAt: BigInt(summary.storedAt),
    checkedAt: BigInt(summary.checkedAt)
  })
}

export function decodeSummary (bytes: Uint8Array): PeerSummary {
  const message = decode(() => PeerSummaryMessage.decode(bytes), 'PeerSummary')
  if (!isTrustLevel(message.trust)) {
    throw corrupt(`unknown trust level "${message.trust.slice(0, 32)}"`)
  }
  return {
    trust: message.trust,
    verified: message.verified,
    expiresAt: safeInteger('expiresAt', message.expiresAt),
    unsolicited: message.unsolicited,
    storedAt: safeInteger('storedAt', message.storedAt),
    // Summaries written before checked_at existed: the record was last confirmed when it was stored.
    checkedAt: message.checkedAt === undefined ? safeInteger('storedAt', message.storedAt) : safeInteger('checkedAt', message.checkedAt)
  }
}

/** The summary of an entry about to be stored; `checkedAt` defaults to when the entry was stored. */
export function summarize (entry: RegistryEntry, unsolicited: boolean, checkedAt = entry.storedAt): PeerSummary {
  return { trust: entry.trust, verified: entry.verified, expiresAt: entry.record.expiresAt, unsolicited, storedAt: entry.storedAt, checkedAt }
}

export function encodeNonce (value: bigint): Uint8Array {
  return NonceMessage.encode({ value })
}

export function decodeNonce (bytes: Uint8Array): bigint {
  const message = decode(() => NonceMessage.decode(bytes), 'Nonce')
  if (message.value < 0n || message.value > MAX_UINT64) {
    throw corrupt('nonce is out of the uint64 range')
  }
  return message.value
}

function decode<T> (fn: () => T, what: string): T {
  try {
    return fn()
  } catch (err) {
    throw new RegistryError('ERR_CORRUPT_VALUE', `stored value is not a valid ${what} protobuf`, { cause: err })
  }
}

function safeInteger (field: string, value: bigint): number {
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw corrupt(`${field} is larger than 2^53 - 1`)
  }
  return Number(value)
}

function corrupt (message: string): RegistryError {
  return new RegistryError('ERR_CORRUPT_VALUE', message)
}
