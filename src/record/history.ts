import { equals as uint8ArrayEquals } from 'uint8arrays/equals'
import { fingerprint, sha256 } from '../crypto/index.js'
import { InvalidRecordError } from '../errors.js'
import { MAX_HISTORY_LINKS } from './constants.js'
import { ROTATION_CONTEXT, rotationSignedBytes } from './signed-bytes.js'
import type { KeyRecord, RotationLink, RotationProof } from './types.js'
import type { PqCrypto } from '../crypto/types.js'

/**
 * A record's key history and how a holder follows it (docs/record-format.md,
 * "History"). A record's chain lists its keys newest first: its own key,
 * then the key its `rotation` proof comes from, then the key each history
 * link comes from, and so on. Every key but the oldest is in the record in
 * full; the oldest is known only by its fingerprint, and a holder pinned at
 * it supplies the key. Each key but the oldest carries the proof of the
 * hand-over into it, signed by the next older key.
 */

/** One key of a record's chain. */
interface ChainKey {
  fingerprint: Uint8Array
  /** Absent for the oldest key, which the record names only by fingerprint. */
  publicKey?: Uint8Array
  /** The hand-over into this key, signed by the next older key; absent for the oldest. */
  proof?: RotationProof
}

/** What a pin is, as far as following a record's history goes. */
export interface PinnedKey {
  /** SHA-256 of the pinned ML-DSA-65 key. */
  fingerprint: Uint8Array
  /** The pinned key; without it only a chain carrying the key in full can be checked. */
  mlDsaPublicKey?: Uint8Array
  /** Fingerprints of the keys the pin has followed away from, newest first: a chain through one of them that misses the pin is a fork. */
  superseded?: readonly Uint8Array[]
}

export interface FollowHistoryOptions {
  /**
   * Hand-overs older than the record's history, newest first, continuing it
   * (the first one hands over to the key the record's oldest link comes
   * from): history fetched beyond what a record carries. Given, even empty,
   * it is all the peer has to offer: a chain that still misses the pin is
   * ERR_KEY_CHANGED, no longer ERR_HISTORY_BEYOND_BOUND.
   */
  earlier?: readonly RotationLink[]
}

export interface FollowedHistory {
  /** Hand-overs from the pinned key to the record's key; 0 for the same key. */
  rotations: number
  /** Fingerprints of the keys left behind, newest first, the pinned key last; empty for the same key. */
  left: Uint8Array[]
}

/** SHA-256 of a record's exact bytes: what the next record names as `previousRecordHash`. */
export function recordHash (bytes: Uint8Array): Uint8Array {
  return sha256(bytes)
}

/**
 * Follow `record`'s history from `pinned`, checking each hand-over from the
 * pinned key on. Pure. Returns how many rotations lie between them, or
 * throws InvalidRecordError:
 * - ERR_KEY_CHANGED: another key, and nothing from the pinned key vouches
 *   for it: no rotation proof, a history that ends (fewer than
 *   MAX_HISTORY_LINKS links) without naming the pinned key, a hand-over out
 *   of the pinned key that does not verify, or a pin known only by its
 *   fingerprint that the chain does not carry in full;
 * - ERR_BROKEN_CHAIN: the chain starts at the pinned key but a later
 *   hand-over does not verify, or `earlier` does not join the record's
 *   history (missing, reordered or repeated links);
 * - ERR_FORKED_CHAIN: the chain passes through a key the pin has followed
 *   away from (`pinned.superseded`), but not through the pinned key: that
 *   key handed the peer over twice, or signs after its hand-over;
 * - ERR_HISTORY_BEYOND_BOUND: the record carries MAX_HISTORY_LINKS links,
 *   none from the pinned key, and no `earlier` links were given: its history
 *   goes on past what a record holds and must be fetched from the peer
 *   (from the pin to oldestFingerprint(record)).
 */
export function followHistory (crypto: PqCrypto, record: KeyRecord, pinned: PinnedKey, options: FollowHistoryOptions = {}): FollowedHistory {
  const earlier = options.earlier ?? []
  const chain = keyChain(record, earlier)
  if (earlier.length > 0) {
    checkChain(chain)
  }
  const peer = record.peerId.toString()
  const at = chain.findIndex(key => uint8ArrayEquals(key.fingerprint, pinned.fingerprint))
  if (at === 0) {
    return { rotations: 0, left: [] }
  }
  if (at > 0) {
    // Oldest hand-over first: the one the pinned key signed decides whether the pin vouches at all.
    for (let i = at - 1; i >= 0; i--) {
      const first = i === at - 1
      const signer = first ? pinned.mlDsaPublicKey ?? chain[at].publicKey : chain[i + 1].publicKey
      if (signer === undefined) {
        throw new InvalidRecordError('ERR_KEY_CHANGED', `record for ${peer} rotates away from a key pinned only by its fingerprint, ` +
          'and a hand-over cannot be checked against a fingerprint: pin the full key')
      }
      const proof = chain[i].proof!
      const signed = rotationSignedBytes(record.peerId, proof.previousFingerprint, chain[i].publicKey!)
      if (!crypto.mlDsa65.verify(signer, signed, proof.signature, ROTATION_CONTEXT)) {
        throw first
          ? new InvalidRecordError('ERR_KEY_CHANGED', `record for ${peer} changes its pinned ML-DSA-65 key, and the hand-over from the pinned key does not verify`)
          : new InvalidRecordError('ERR_BROKEN_CHAIN', `record for ${peer}: the hand-over ${at - i} rotations after the pinned key does not verify`)
      }
    }
    return { rotations: at, left: chain.slice(1, at + 1).map(key => key.fingerprint) }
  }

  const superseded = pinned.superseded ?? []
  const forked = chain.findIndex(key => superseded.some(old => uint8ArrayEquals(old, key.fingerprint)))
  if (forked >= 0) {
    throw new InvalidRecordError('ERR_FORKED_CHAIN', forked === 0
      ? `record for ${peer} is signed by an ML-DSA-65 key that has since handed the peer over to the pinned key`
      : `record for ${peer} descends from an ML-DSA-65 key this node followed to the pinned key, but along another branch`)
  }
  if (record.rotation == null) {
    throw new InvalidRecordError('ERR_KEY_CHANGED', `record for ${peer} changes its pinned ML-DSA-65 key without a rotation proof`)
  }
  if ((record.history?.length ?? 0) >= MAX_HISTORY_LINKS && options.earlier === undefined) {
    throw new InvalidRecordError('ERR_HISTORY_BEYOND_BOUND', `record for ${peer} has another ML-DSA-65 key, and the ${MAX_HISTORY_LINKS + 1} hand-overs it carries ` +
      '(all a record holds) do not reach the pinned key: its earlier hand-overs must be fetched from the peer')
  }
  throw new InvalidRecordError('ERR_KEY_CHANGED', options.earlier === undefined
    ? `record for ${peer} changes its pinned ML-DSA-65 key, and no hand-over in its history comes from the pinned key`
    : `record for ${peer} changes its pinned ML-DSA-65 key, and neither its history nor the ${earlier.length} earlier hand-overs fetched from the peer come from the pinned key`)
}

/**
 * The fingerprint of the oldest key `record`'s chain names (only by
 * fingerprint: its last proof's previous fingerprint), which earlier
 * hand-overs fetched from the peer must hand over to; undefined for a
 * record without a rotation proof.
 */
export function oldestFingerprint (record: KeyRecord): Uint8Array | undefined {
  if (record.rotation == null) return undefined
  const history = record.history ?? []
  return history.length > 0 ? history[history.length - 1].previousFingerprint : record.rotation.previousFingerprint
}

/**
 * The structural rules of a record's history, checked when it is decoded
 * (cheap: a SHA-256 per key, no signature): history only after a rotation
 * proof; each proof's previous fingerprint is the fingerprint of the next
 * link's key, so no link is missing or out of order; no key twice.
 * Throws InvalidRecordError ERR_BROKEN_CHAIN.
 */
export function checkChainStructure (record: KeyRecord): void {
  if (record.rotation == null) {
    if (record.history !== undefined && record.history.length > 0) {
      throw new InvalidRecordError('ERR_BROKEN_CHAIN', 'record carries history links but no rotation proof')
    }
    return
  }
  checkChain(keyChain(record, []))
}

/**
 * Whether `incoming` and `stored`, two different records of one peer, both
 * name the same predecessor: the peer replaced one record twice. keydir's
 * publisher never does (it names the record it last signed), so this is two
 * writers with one identity, or a key in other hands.
 */
export function replacesSameRecord (stored: KeyRecord, incoming: KeyRecord): boolean {
  return stored.previousRecordHash !== undefined && incoming.previousRecordHash !== undefined &&
    uint8ArrayEquals(stored.previousRecordHash, incoming.previousRecordHash) &&
    !uint8ArrayEquals(stored.bytes, incoming.bytes)
}

function keyChain (record: KeyRecord, earlier: readonly RotationLink[]): ChainKey[] {
  const chain: ChainKey[] = [{ fingerprint: fingerprint(record.mlDsaPublicKey), publicKey: record.mlDsaPublicKey, proof: record.rotation }]
  if (record.rotation == null) {
    return chain
  }
  for (const link of [...(record.history ?? []), ...earlier]) {
    chain.push({ fingerprint: fingerprint(link.mlDsaPublicKey), publicKey: link.mlDsaPublicKey, proof: link })
  }
  chain.push({ fingerprint: chain[chain.length - 1].proof!.previousFingerprint })
  return chain
}

function checkChain (chain: ChainKey[]): void {
  const seen = new Set<string>()
  for (let i = 0; i < chain.length; i++) {
    const key = Buffer.from(chain[i].fingerprint).toString('hex')
    if (seen.has(key)) {
      throw new InvalidRecordError('ERR_BROKEN_CHAIN', 'record history names one ML-DSA-65 key twice')
    }
    seen.add(key)
    const proof = chain[i].proof
    if (proof !== undefined && i + 1 < chain.length && !uint8ArrayEquals(proof.previousFingerprint, chain[i + 1].fingerprint)) {
      throw new InvalidRecordError('ERR_BROKEN_CHAIN', `record history is broken after ${i} hand-overs: a hand-over comes from another key than the next link's (a link is missing or out of order)`)
    }
  }
}
