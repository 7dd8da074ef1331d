import type { KeyRecord, KeyRecordValidator } from '../record/index.js'
import type { PqCrypto } from '../crypto/types.js'
import type { AbortOptions, PeerId } from '@libp2p/interface'

/**
 * How a stored record came to be trusted, strongest first:
 * - `self`: this node's own record;
 * - `anchor`: the peer is a configured bootstrap anchor and the record's
 *   ML-DSA-65 key matches the anchor pin;
 * - `direct`: a fresh answer from the peer itself over an authenticated connection;
 * - `dht`: a valid self-signed record from the DHT.
 */
export type TrustLevel = 'self' | 'anchor' | 'direct' | 'dht'

/** A stored record as callers see it. Shared with the hot cache: treat it as read-only. */
export interface RegistryEntry {
  record: KeyRecord
  trust: TrustLevel
  /** The peer itself (direct exchange) or an anchor confirmed this record or its key. */
  verified: boolean
  /** Unix milliseconds when this record was stored. */
  storedAt: number
}

export type PinSource = 'anchor' | 'seen'

/**
 * A peer's pinned ML-DSA-65 key. It outlives the record (expiry, removal) and
 * holds the rollback high-water mark.
 */
export interface Pin {
  /** Absent only for an anchor configured by fingerprint whose record has not been seen yet. */
  mlDsaPublicKey?: Uint8Array
  /** SHA-256 of the pinned ML-DSA-65 key. */
  fingerprint: Uint8Array
  /** Highest record seq ever accepted for the peer; 0 when none yet. */
  highestSeq: number
  source: PinSource
  /**
   * Anchor pins: fingerprint of the configured key the pin descends from. It
   * differs from `fingerprint` once the peer has rotated with a proof, so a
   * restart that configures the same anchor again keeps the rotated pin.
   */
  anchorFingerprint?: Uint8Array
}

/** A configured bootstrap anchor: the full ML-DSA-65 public key, or its fingerprint. */
export type AnchorKey = { mlDsaPublicKey: Uint8Array } | { mlDsaFingerprint: Uint8Array }

export interface StoreOptions extends AbortOptions {
  /**
   * When the record comes as bytes: the peer it was fetched for. A record for
   * another peer is refused. Default: the peer named in the record.
   */
  peerId?: PeerId | string
  /** Mark the entry verified (the peer or an anchor confirmed it). Default false. */
  verified?: boolean
}

/** What PeerKeyRegistry.admitPeerKeys did with a record, before it is on disk. */
export interface StoreAdmission {
  outcome: 'stored' | 'unchanged'
  /** The entry the registry now holds for the peer: the new one, or the stored one that stays. */
  entry: RegistryEntry | undefined
  /** Settles once the change is on disk (at once when nothing changed). */
  written: Promise<void>
}

export interface ListPeersFilter {
  trust?: TrustLevel
  verified?: boolean
}

export interface PeerKeyRegistryInit {
  /** LevelDB folder. */
  path: string
  /** Validates record bytes on store and on every load from disk. */
  validator: KeyRecordValidator
  /** Verifies rotation proofs. */
  crypto: PqCrypto
  /** Clock in Unix milliseconds. Default `Date.now`. */
  now?: () => number
  /** How long a pending key request blocks another. Default 30 seconds. */
  pendingRequestTimeoutMs?: number
  /** Pending key requests in total. Default 1024. */
  maxPendingRequests?: number
  /** Decoded entries kept in memory. Default 10,000. */
  cacheSize?: number
  /**
   * Called with the database key (`records/<peerId>`, `pins/<peerId>`, ...) of
   * a value that failed to decode or validate; the value is treated as absent.
   */
  onCorruptValue?: (key: string, err: Error) => void
}
