import { LRUCache } from 'lru-cache'
import { lazyLru } from '../util/lru.js'
import { verifyEd25519 } from '../crypto/ed25519.js'
import { ML_DSA_65, type PqCrypto } from '../crypto/types.js'
import { InvalidRecordError } from '../errors.js'
import { bytesKey } from '../util/bytes-key.js'
import { countOption, msOption } from '../util/options.js'
import { unmarshalKeyRecord } from './codec.js'
import { MAX_CLOCK_SKEW_MS, MAX_RECORD_LIFETIME_MS } from './constants.js'
import { isSha256Multihash, mlDsaPeerIdString, peerIdNamesRecord } from './ml-dsa-peer-id.js'
import { peerIdBytesFromRoutingKey } from './routing-key.js'
import { recordContext, recordSignedBytes } from './signed-bytes.js'
import type { KeyRecord } from './types.js'
import type { PeerId } from '@libp2p/interface'

export interface KeyRecordValidatorInit {
  crypto: PqCrypto
  /** Clock in Unix milliseconds. Default `Date.now`. */
  now?: () => number
  /** How far in the future `issuedAt` may be. Default 5 minutes. */
  maxClockSkewMs?: number
  /** Longest `expiresAt - issuedAt` accepted. Default 7 days. */
  maxLifetimeMs?: number
  /** Records whose signatures are known good, found by their bytes (see cacheKey). Default 10,000. */
  verifiedCacheSize?: number
  /** Records whose ML-DSA-65 signature is known bad, found the same way. Default 256. */
  refusedCacheSize?: number
}

/**
 * Validates key records from anywhere (DHT, direct exchange, disk). Checks
 * run cheapest first, as the IPNS validator's do: size and structure, the
 * PeerId against the one expected, the times, then the Ed25519 signature
 * by the PeerId's key and the ML-DSA-65 signature by the record's key.
 *
 * Signatures are verified once per distinct record: a record already seen
 * valid is found by its bytes (byte for byte) and only its PeerId and times
 * are checked again; one already refused for its ML-DSA-65 signature is
 * refused again without a verify.
 */
export class KeyRecordValidator {
  private readonly crypto: PqCrypto
  private readonly now: () => number
  private readonly maxClockSkewMs: number
  private readonly maxLifetimeMs: number
  private readonly verified: LRUCache<string, KeyRecord>
  /**
   * The bytes of records whose ML-DSA-65 signature failed. A lookup checks
   * a DHT answer as it arrives and kad-dht checks the same bytes again a
   * moment later: without this a forged answer (a valid record with a
   * signature byte flipped, which its Ed25519 signature does not cover)
   * would cost two verifies instead of one.
   */
  private readonly refused: LRUCache<string, Uint8Array>

  constructor (init: KeyRecordValidatorInit) {
    this.crypto = init.crypto
    this.now = init.now ?? Date.now
    this.maxClockSkewMs = msOption('maxClockSkewMs', init.maxClockSkewMs, MAX_CLOCK_SKEW_MS)
    this.maxLifetimeMs = msOption('maxLifetimeMs', init.maxLifetimeMs, MAX_RECORD_LIFETIME_MS)
    this.verified = lazyLru(countOption('verifiedCacheSize', init.verifiedCacheSize, 10_000))
    this.refused = new LRUCache({ max: countOption('refusedCacheSize', init.refusedCacheSize, 256) })
  }

  /**
   * Validate a record fetched under a DHT routing key (`/pqk/` + multihash).
   * Throws InvalidRecordError; returns the decoded record.
   */
  validateForRoutingKey (routingKey: Uint8Array, bytes: Uint8Array): KeyRecord {
    return this.validateFor(peerIdBytesFromRoutingKey(routingKey), bytes)
  }

  /** Validate a record that must belong to `peerId`. */
  validate (peerId: PeerId, bytes: Uint8Array): KeyRecord {
    return this.validateFor(peerId.toMultihash().bytes, bytes)
  }

  /**
   * validate(), with the ML-DSA-65 verify of a record not seen before made
   * off the event loop (see MlDsa65.verifyAsync), so that the caller can
   * verify something else meanwhile. Rejects with InvalidRecordError.
   */
  async validateAsync (peerId: PeerId, bytes: Uint8Array): Promise<KeyRecord> {
    return this.precheck(peerId, bytes).finish()
  }

  /**
   * Every check but the ML-DSA-65 signature, now, cheapest first (throws
   * InvalidRecordError): size and structure, the PeerId, the times, the
   * Ed25519 signature. `finish()` makes the last check off the event loop;
   * `record` is the decoded record, to be trusted only once it has.
   */
  precheck (peerId: PeerId, bytes: Uint8Array): { record: KeyRecord, finish: () => Promise<KeyRecord> } {
    const checked = this.checkBeforeMlDsa(peerId.toMultihash().bytes, bytes)
    if (checked.known) {
      return { record: checked.record, finish: async () => checked.record }
    }
    const { record, signed, key } = checked
    return {
      record,
      finish: async () => this.acceptIfSigned(await this.crypto.mlDsa65.verifyAsync(record.mlDsaPublicKey, signed, record.mlDsaSignature, recordContext(record)), record, key)
    }
  }

  private validateFor (expectedPeerId: Uint8Array, bytes: Uint8Array): KeyRecord {
    const checked = this.checkBeforeMlDsa(expectedPeerId, bytes)
    if (checked.known) {
      return checked.record
    }
    const { record, signed, key } = checked
    return this.acceptIfSigned(this.crypto.mlDsa65.verify(record.mlDsaPublicKey, signed, record.mlDsaSignature, recordContext(record)), record, key)
  }

  /** The last check's outcome, remembered either way. */
  private acceptIfSigned (signatureValid: boolean, record: KeyRecord, key: string): KeyRecord {
    if (!signatureValid) {
      this.refused.set(key, record.bytes)
      throw badMlDsaSignature()
    }
    this.verified.set(key, record)
    return record
  }

  /**
   * Every check but the ML-DSA-65 signature, cheapest first; a record known
   * to be good (the same bytes as one verified before) needs only its PeerId and times
   * checked again.
   */
  private checkBeforeMlDsa (expectedPeerId: Uint8Array, bytes: Uint8Array): { known: true, record: KeyRecord } | { known: false, record: KeyRecord, signed: Uint8Array, key: string } {
    const key = cacheKey(bytes)
    const cached = this.verified.get(key)
    // The key is only a lookup: a hit counts only for the very same bytes.
    const known = cached !== undefined && Buffer.compare(cached.bytes, bytes) === 0 ? cached : undefined
    const record = known ?? unmarshalKeyRecord(bytes)

    // The peer asked for (or the DHT key) names the record by its Ed25519 PeerId, or by its ML-DSA PeerId (RFC 0004 draft).
    if (!peerIdNamesRecord(expectedPeerId, record)) {
      throw new InvalidRecordError('ERR_PEER_ID_MISMATCH', isSha256Multihash(expectedPeerId)
        ? `record is for ${record.peerId.toString()} with ML-DSA PeerId ${mlDsaPeerIdString(record.mlDsaPublicKey)}, not for the ML-DSA PeerId it was fetched for`
        : `record is for ${record.peerId.toString()}, not for the peer it was fetched for`)
    }
    this.checkTimes(record)
    if (known != null) {
      return { known: true, record: known }
    }
    // These very bytes passed the Ed25519 check before and failed the ML-DSA-65 one.
    const refused = this.refused.get(key)
    if (refused !== undefined && Buffer.compare(refused, bytes) === 0) {
      throw badMlDsaSignature()
    }

    const signed = recordSignedBytes(record)
    if (!verifyEd25519(record.peerId.publicKey!.raw, signed, record.libp2pSignature)) {
      throw new InvalidRecordError('ERR_BAD_LIBP2P_SIGNATURE', 'record signature by the PeerId key does not verify')
    }
    return { known: false, record, signed, key }
  }

  private checkTimes (record: KeyRecord): void {
    const now = this.now()
    if (record.issuedAt >= record.expiresAt) {
      throw new InvalidRecordError('ERR_BAD_TIMES', 'record expires before it is issued')
    }
    if (record.expiresAt - record.issuedAt > this.maxLifetimeMs) {
      throw new InvalidRecordError('ERR_LIFETIME_TOO_LONG', `record lifetime is over the ${this.maxLifetimeMs} ms limit`)
    }
    if (record.expiresAt <= now) {
      throw new InvalidRecordError('ERR_RECORD_EXPIRED', `record expired at ${new Date(record.expiresAt).toISOString()}`)
    }
    if (record.issuedAt > now + this.maxClockSkewMs) {
      throw new InvalidRecordError('ERR_ISSUED_IN_FUTURE', `record is issued at ${new Date(record.issuedAt).toISOString()}, beyond the allowed clock skew`)
    }
  }
}

function badMlDsaSignature (): InvalidRecordError {
  return new InvalidRecordError('ERR_BAD_ML_DSA_SIGNATURE', 'record signature by its ML-DSA-65 key does not verify')
}

const CHALLENGE_LENGTH = 48
/** Field 9, ml_dsa_signature, length-delimited. */
const ML_DSA_SIGNATURE_TAG = 9 << 3 | 2

/**
 * The verified cache's key for a record's bytes: the challenge hash c̃ that
 * opens its ML-DSA-65 signature (FIPS 204: a hash over the signed content
 * and the signer's commitment, so distinct records of any signer differ in
 * it). Hashing the whole 6.5 KB instead (SHA-256) cost about 4% of a fresh
 * validation. The signature is found by stepping over the fields before it
 * (ten steps at most in a canonical record); a record's history comes after
 * it and is the same in every record since a rotation, so it would make a
 * poor key. Bytes of any other shape get some key too; a hit still needs
 * every byte equal, so a crafted collision only costs its sender a full
 * check.
 */
function cacheKey (bytes: Uint8Array): string {
  const start = Math.min(mlDsaSignatureOffset(bytes) ?? Math.max(0, bytes.byteLength - ML_DSA_65.signature), bytes.byteLength)
  return bytesKey(bytes, start, Math.min(CHALLENGE_LENGTH, bytes.byteLength - start))
}

/** Where field 9's bytes start, walking top-level fields; undefined when the bytes do not get that far as a protobuf. */
function mlDsaSignatureOffset (bytes: Uint8Array): number | undefined {
  let at = 0
  const varint = (): number | undefined => {
    let value = 0
    for (let shift = 1; shift < 2 ** 28; shift *= 0x80) {
      if (at >= bytes.byteLength) return undefined
      const byte = bytes[at++]
      value += (byte & 0x7f) * shift
      if (byte < 0x80) return value
    }
    return undefined
  }
  while (at < bytes.byteLength) {
    const tag = varint()
    if (tag === undefined) return undefined
    if ((tag & 7) === 0) {
      if (varint() === undefined) return undefined
    } else if ((tag & 7) === 2) {
      const length = varint()
      if (length === undefined) return undefined
      if (tag === ML_DSA_SIGNATURE_TAG) return at
      at += length
    } else {
      return undefined
    }
  }
  return undefined
}
