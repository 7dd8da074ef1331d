import { equals as uint8ArrayEquals } from 'uint8arrays/equals'
import { fingerprint } from '../crypto/index.js'
import { RegistryError } from '../errors.js'
import { ed25519PeerIdFromBytes, FINGERPRINT_LENGTH, mlDsaPeerIdString } from '../record/index.js'
import type { Pin } from './types.js'
import type { KeyRecord } from '../record/index.js'
import type { PeerId } from '@libp2p/interface'

/**
 * The registry's index from ML-DSA PeerId (RFC 0004 draft,
 * docs/record-format.md "ML-DSA PeerId") to the libp2p PeerId whose key it
 * was, so that a resolve by ML-DSA PeerId finds a known peer without the
 * network. A row is `ML-DSA PeerId (base58btc) -> fingerprint (32 bytes) ||
 * libp2p PeerId multihash`, written in the same LevelDB batch as the record
 * and pin it comes from, and only for keys that record admitted: its own key
 * and the keys its pin followed away from (each hand-over verified), so a
 * row states what two signatures and the pin rules already proved. What a
 * row says is checked again when it is read: the key must still be the
 * peer's pinned key or one it left behind (mlDsaKeyLink). A registry
 * written before the index existed gets a peer's row with the next record
 * of it that is stored; until then a resolve by ML-DSA PeerId goes to the
 * DHT. The index is bounded by the pins: a peer's rows are listed beside
 * it (`ml-dsa-ids-by-peer`), and a row goes when its key falls off what the
 * pin remembers (MAX_SUPERSEDED keys left behind) or the peer is dropped
 * with its pin; an unsolicited peer keeps the row of its current key only.
 * Rows written before that list existed are not on it: they stay (the
 * current key's row still goes with a dropped peer), and find nothing once
 * no pin links them.
 */

/** One row of the index: the libp2p PeerId a key belonged to, and that key's fingerprint. */
export interface MlDsaIndexRow {
  peerId: PeerId
  fingerprint: Uint8Array
}

/** How the key of an index row stands to the peer's pin: its pinned key, or one the pin followed away from. */
export type MlDsaKeyLink = 'current' | 'previous'

export function encodeIndexRow (peerId: PeerId, keyFingerprint: Uint8Array): Uint8Array {
  const multihash = peerId.toMultihash().bytes
  const out = new Uint8Array(FINGERPRINT_LENGTH + multihash.length)
  out.set(keyFingerprint)
  out.set(multihash, FINGERPRINT_LENGTH)
  return out
}

/** A stored row; RegistryError ERR_CORRUPT_VALUE when it is no fingerprint followed by an Ed25519 PeerId. */
export function decodeIndexRow (bytes: Uint8Array): MlDsaIndexRow {
  if (bytes.length <= FINGERPRINT_LENGTH) {
    throw new RegistryError('ERR_CORRUPT_VALUE', `ML-DSA PeerId index row is ${bytes.length} bytes`)
  }
  try {
    return { fingerprint: bytes.slice(0, FINGERPRINT_LENGTH), peerId: ed25519PeerIdFromBytes(bytes.subarray(FINGERPRINT_LENGTH)) }
  } catch (err) {
    throw new RegistryError('ERR_CORRUPT_VALUE', 'ML-DSA PeerId index row does not name an Ed25519 PeerId', { cause: err })
  }
}

/** How `keyFingerprint` stands to `pin`: undefined when the pin neither holds it nor followed away from it. */
export function mlDsaKeyLink (pin: Pin | undefined, keyFingerprint: Uint8Array): MlDsaKeyLink | undefined {
  if (pin === undefined) return undefined
  if (uint8ArrayEquals(pin.fingerprint, keyFingerprint)) return 'current'
  return (pin.superseded ?? []).some(old => uint8ArrayEquals(old, keyFingerprint)) ? 'previous' : undefined
}

/**
 * The keys an admitted record brings into the index, as [ML-DSA PeerId,
 * fingerprint, key]: its own, and every key in full in hand (its history's
 * keys, the key pinned before) that the pin after it followed away from.
 */
export function indexedKeys (record: KeyRecord, pinBefore: Pin | undefined, pinAfter: Pin): Array<[string, Uint8Array]> {
  const keys: Array<[string, Uint8Array]> = [[mlDsaPeerIdString(record.mlDsaPublicKey), fingerprint(record.mlDsaPublicKey)]]
  const left = pinAfter.superseded ?? []
  if (left.length === 0 || uint8ArrayEquals(pinBefore?.fingerprint ?? new Uint8Array(0), pinAfter.fingerprint)) return keys
  const candidates = [...(record.history ?? []).map(link => link.mlDsaPublicKey), ...(pinBefore?.mlDsaPublicKey === undefined ? [] : [pinBefore.mlDsaPublicKey])]
  for (const key of candidates) {
    const keyFingerprint = fingerprint(key)
    if (left.some(old => uint8ArrayEquals(old, keyFingerprint)) && !keys.some(([, known]) => uint8ArrayEquals(known, keyFingerprint))) {
      keys.push([mlDsaPeerIdString(key), keyFingerprint])
    }
  }
  return keys
}
