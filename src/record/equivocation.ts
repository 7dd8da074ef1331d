import { createHash } from 'node:crypto'
import { LRUCache } from 'lru-cache'
import { equals as uint8ArrayEquals } from 'uint8arrays/equals'
import { fingerprint } from '../crypto/index.js'
import { EvidenceError, KeydirError } from '../errors.js'
import { countOption } from '../util/options.js'
import { MAX_EVIDENCE_BYTES } from './constants.js'
import { unmarshalEquivocationProof, type EquivocationProof } from './equivocation-codec.js'
import { peerIdBytesFromRoutingKey } from './routing-key.js'
import { ROTATION_CONTEXT, rotationSignedBytes } from './signed-bytes.js'
import { KeyRecordValidator } from './validate.js'
import type { KnownPeerKeys } from './revocation.js'
import type { KeyRecord } from './types.js'
import type { PqCrypto } from '../crypto/types.js'
import type { PeerId } from '@libp2p/interface'

/**
 * Checking equivocation proofs: both records' signatures, and whether a
 * node that pinned the peer takes the proof. Format and rules:
 * docs/record-format.md, "Equivocation proof".
 */

/** Record error codes that mean a signature does not verify; any other refusal of a record is ERR_EVIDENCE_MALFORMED. */
const SIGNATURE_CODES = new Set(['ERR_BAD_LIBP2P_SIGNATURE', 'ERR_BAD_ML_DSA_SIGNATURE'])

export interface EquivocationValidatorInit {
  crypto: PqCrypto
  /** Proofs whose signatures are known good, found by their bytes. Default 256. */
  verifiedCacheSize?: number
}

/**
 * Checks equivocation proofs from anywhere (DHT, HTTP, a file), cheapest
 * first: structure and conflict (unmarshalEquivocationProof), the PeerId
 * against the one expected, then each record's Ed25519 and ML-DSA-65
 * signatures. Without the records' expiry and issue-time checks: a proof
 * stays a proof when its records have expired, and a record dated ahead of
 * this node's clock was still signed by the peer. The lifetime rules
 * (issued before it expires, at most 7 days) still hold: a record that
 * breaks them is no record keydir would have signed.
 */
export class EquivocationValidator {
  private readonly records: KeyRecordValidator
  private readonly verified: LRUCache<string, EquivocationProof>

  constructor (init: EquivocationValidatorInit) {
    // A clock at 0 and an unbounded skew turn both freshness checks off: no
    // record expires at or before 0 (it expires after it is issued, at 0 or
    // later), and no issue time is beyond 2^53 - 1.
    this.records = new KeyRecordValidator({ crypto: init.crypto, now: () => 0, maxClockSkewMs: Number.MAX_SAFE_INTEGER, verifiedCacheSize: 64 })
    this.verified = new LRUCache({ max: countOption('verifiedCacheSize', init.verifiedCacheSize, 256) })
  }

  /**
   * Validate a proof, of `expectedPeerId` when given. Throws EvidenceError:
   * ERR_EVIDENCE_TOO_LARGE, ERR_EVIDENCE_MALFORMED, ERR_EVIDENCE_NOT_CANONICAL,
   * ERR_EVIDENCE_PEER_MISMATCH, ERR_EVIDENCE_NOT_CONFLICTING,
   * ERR_EVIDENCE_BAD_SIGNATURE (the record's code in the cause).
   */
  validate (bytes: Uint8Array, expectedPeerId?: PeerId): EquivocationProof {
    return this.validateFor(bytes, expectedPeerId?.toMultihash().bytes)
  }

  /** Validate a proof fetched or stored under a DHT routing key (`/pqk/` + multihash). */
  validateForRoutingKey (routingKey: Uint8Array, bytes: Uint8Array): EquivocationProof {
    return this.validateFor(bytes, peerIdBytesFromRoutingKey(routingKey))
  }

  private validateFor (bytes: Uint8Array, expectedPeerId: Uint8Array | undefined): EquivocationProof {
    const key = bytes.length > MAX_EVIDENCE_BYTES ? undefined : createHash('sha256').update(bytes).digest().toString('latin1')
    const cached = key === undefined ? undefined : this.verified.get(key)
    // The key is only a lookup: a hit counts only for the very same bytes.
    const known = cached !== undefined && uint8ArrayEquals(cached.bytes, bytes) ? cached : undefined
    const proof = known ?? unmarshalEquivocationProof(bytes)
    if (expectedPeerId !== undefined && !uint8ArrayEquals(proof.peerId.toMultihash().bytes, expectedPeerId)) {
      throw new EvidenceError('ERR_EVIDENCE_PEER_MISMATCH', `the proof is about ${proof.peerId.toString()}, not the peer it was given for`)
    }
    if (known !== undefined) return known
    proof.records.forEach((record, i) => { this.checkSignatures(record, i === 0 ? 'record_a' : 'record_b') })
    this.verified.set(key!, proof)
    return proof
  }

  private checkSignatures (record: KeyRecord, field: string): void {
    try {
      this.records.validate(record.peerId, record.bytes)
    } catch (err) {
      const code = err instanceof KeydirError ? err.code : 'ERR_UNEXPECTED'
      throw new EvidenceError(SIGNATURE_CODES.has(code) ? 'ERR_EVIDENCE_BAD_SIGNATURE' : 'ERR_EVIDENCE_MALFORMED',
        `the proof's ${field} is not a validly signed key record of ${record.peerId.toString()} (${code}: ${(err as Error).message}): the proof is forged or damaged, so it proves nothing`, { cause: err })
    }
  }
}

/** Validate a proof once, with a validator made for it (a CLI, a test); a node keeps one EquivocationValidator. */
export function validateEquivocationProof (crypto: PqCrypto, bytes: Uint8Array, expectedPeerId?: PeerId): EquivocationProof {
  return new EquivocationValidator({ crypto, verifiedCacheSize: 1 }).validate(bytes, expectedPeerId)
}

/**
 * Whether a node that pinned the peer takes this (already validated) proof:
 * BOTH records must be signed by the pinned ML-DSA-65 key, or by a key the
 * pinned key handed the peer over to (the record's rotation proof, verified
 * here). One is not enough: the peer's own records are public, so whoever
 * stole only the Ed25519 key could pair one of them with a record signed by
 * a fresh ML-DSA-65 key and get an honest peer refused. Keys the peer held
 * before the pin do not count either: a peer may have rotated away from a
 * key because it leaked. Otherwise EvidenceError ERR_EVIDENCE_KEY_UNKNOWN,
 * and the pin stays (the proof is still valid to anyone who checks it
 * offline).
 */
export function checkEquivocationAgainstPin (crypto: PqCrypto, proof: EquivocationProof, known: KnownPeerKeys): void {
  for (const record of proof.records) {
    if (!linksToPin(crypto, record, known)) {
      throw new EvidenceError('ERR_EVIDENCE_KEY_UNKNOWN',
        `the proof about ${proof.peerId.toString()} has a record signed by an ML-DSA-65 key this node cannot link to the key it pinned ` +
        '(neither that key nor one it handed over to): it may be forged with the Ed25519 key alone, so the peer is not refused')
    }
  }
}

function linksToPin (crypto: PqCrypto, record: KeyRecord, known: KnownPeerKeys): boolean {
  if (uint8ArrayEquals(fingerprint(record.mlDsaPublicKey), known.fingerprint)) return true
  const proof = record.rotation
  if (proof == null || known.mlDsaPublicKey === undefined || !uint8ArrayEquals(proof.previousFingerprint, known.fingerprint)) return false
  const signed = rotationSignedBytes(record.peerId, proof.previousFingerprint, record.mlDsaPublicKey)
  return crypto.mlDsa65.verify(known.mlDsaPublicKey, signed, proof.signature, ROTATION_CONTEXT)
}
