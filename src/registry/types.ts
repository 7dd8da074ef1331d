import type { EquivocationProof, EquivocationValidator, KeyRecord, KeyRecordValidator, RevocationValidator, RotationLink } from '../record/index.js'
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
  /**
   * Fingerprints of the keys this pin followed away from through rotation
   * proofs, newest first, at most MAX_SUPERSEDED. A record whose history
   * runs through one of them but not through the pinned key is a fork.
   * Absent or empty for a pin that never rotated (or pinned before history
   * existed).
   */
  superseded?: Uint8Array[]
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
  /**
   * The record came unasked: a peer's KeyRequest, or discovery on connect.
   * A new peer learned this way enters the bounded store of unsolicited
   * peers (the oldest goes when it is full) at a bounded rate, else
   * ERR_UNSOLICITED_LIMIT; it never displaces a peer the node resolved, an
   * anchor or a pinned peer. A record of a peer the node already holds is
   * stored as usual. Default false.
   */
  unsolicited?: boolean
  /**
   * The record came from the network just now (a lookup, a push): when it
   * changes nothing, the entry still counts as checked now. Default false.
   */
  checked?: boolean
  /**
   * Hand-overs before the record's history, newest first, fetched from the
   * peer after the record was refused ERR_HISTORY_BEYOND_BOUND (the key
   * history service): the pin follows them, each verified, into the
   * record's chain. Given, a chain that still misses the pin is
   * ERR_KEY_CHANGED. Default: none.
   */
  earlierHistory?: readonly RotationLink[]
  /**
   * Where the record came from, for counting a proof when it conflicts
   * with the stored one (same seq, other content). Default: `dht_lookup`
   * for trust `dht`, else `exchange`.
   */
  evidenceSource?: EvidenceSource
}

/**
 * What the registry keeps in memory about each stored record, so that
 * counts, listing filters, expiry collection and the bound on unsolicited
 * peers need no record loaded (or re-validated) from disk.
 */
export interface PeerSummary {
  trust: TrustLevel
  verified: boolean
  /** The record's expiry, Unix milliseconds. */
  expiresAt: number
  /**
   * Learned unasked (a peer's KeyRequest, discovery on connect), not from a
   * lookup of ours or the configuration. Such peers live in a bounded store,
   * oldest out first, and lose their pin with their record.
   */
  unsolicited: boolean
  /** When the record was stored, Unix milliseconds: the oldest unsolicited peer is evicted first. */
  storedAt: number
  /**
   * When the network last confirmed this record, Unix milliseconds: it was
   * stored, or a lookup or push found it unchanged. A resolve past the
   * node's refreshAfterMs asks the network again.
   */
  checkedAt: number
}

/** Counts kept as entries change; reading them scans nothing. */
export interface RegistryCounts {
  /** Stored records, including expired ones not yet collected. */
  records: number
  /** Stored records the peer itself or an anchor confirmed. */
  verified: number
  /** Stored records learned unasked. */
  unsolicited: number
}

/**
 * A rotation the registry followed to admit a record: the chain of
 * hand-overs from the pinned ML-DSA-65 key to the record's, each
 * hand-over's ML-DSA-65 signature verified.
 */
export interface FollowedRotation {
  /** The seq of the last record of the pinned key this registry held (the pin's high-water mark when it held none). */
  fromSeq: number
  /** The seq of the record admitted. */
  toSeq: number
  /** Hand-overs verified from the pinned key to the record's key: 1 for one rotation. */
  handOvers: number
  /** The pin was a configured anchor's. */
  anchor: boolean
}

/** What PeerKeyRegistry.admitPeerKeys did with a record, before it is on disk. */
export interface StoreAdmission {
  outcome: 'stored' | 'unchanged'
  /** The entry the registry now holds for the peer: the new one, or the stored one that stays. */
  entry: RegistryEntry | undefined
  /** Settles once the change is on disk (at once when nothing changed). */
  written: Promise<void>
  /** Set when admitting this record followed a rotation from the pinned key. */
  followed?: FollowedRotation
}

/**
 * A change of the keys the registry holds for a peer, reported once the write
 * has landed: `new` when it held no record and no pin for the peer before,
 * `rotated` when the ML-DSA-65 key differs from the previous entry's or the
 * pin's (a rotation proof let it in). A higher seq with the same key (a
 * republish) is no change.
 */
export interface KeyChange {
  peerId: PeerId
  /**
   * `revoked`: the registry now holds the peer's revocation certificate;
   * `equivocated`: it now holds a proof that the peer signed two records of one seq.
   */
  change: 'new' | 'rotated' | 'revoked' | 'equivocated'
  /** The seq of the record now stored; for `revoked`, the highest seq seen of the peer (0 when none); for `equivocated`, the proof's seq. */
  seq: number
  /** `rotated` from a record this registry held: that record's ML-DSA-65 key and seq, the last record of the key now retired. */
  retired?: { mlDsaPublicKey: Uint8Array, seq: number }
  /** `rotated` through a chain of hand-overs from the pinned key, each verified. */
  followed?: FollowedRotation
}

export interface ListPeersFilter {
  trust?: TrustLevel
  verified?: boolean
  /** Only peers whose PeerId string sorts after this one: the page after the last one seen. */
  after?: string
  /** At most this many entries. Default: all. */
  limit?: number
}

export interface PeerKeyRegistryInit {
  /** LevelDB folder. */
  path: string
  /** Validates record bytes on store and on every load from disk. */
  validator: KeyRecordValidator
  /** Verifies rotation proofs. */
  crypto: PqCrypto
  /** Validates revocation certificates on store and on every load from disk. Default: a new one over `crypto` and `now`. */
  revocationValidator?: RevocationValidator
  /** Clock in Unix milliseconds. Default `Date.now`. */
  now?: () => number
  /**
   * The exchange's table of key requests in flight, which the seed's
   * requestKeysIfNeeded, completeRequest and cleanupExpiredRequests answer
   * from: one table, kept where the requests are made. Without it those
   * three throw ERR_NO_REQUEST_TABLE.
   */
  requests?: KeyRequestTable
  /** Decoded entries kept in memory. Default 10,000. */
  cacheSize?: number
  /** Peers learned unasked kept at most; the oldest goes first. Default 10,000. */
  maxUnsolicitedPeers?: number
  /** New peers learned unasked per minute at most; more are not stored (ERR_UNSOLICITED_LIMIT). Default 600. */
  maxNewUnsolicitedPerMinute?: number
  /** A peer learned unasked was dropped to make room (its record, pin and nonce). */
  onUnsolicitedEvicted?: (peerId: string) => void
  /** Expired records collected: `records` deleted, `pins` of unsolicited peers deleted with them. */
  onCollected?: (counts: { records: number, pins: number }) => void
  /**
   * Called with the database key (`records/<peerId>`, `pins/<peerId>`, ...) of
   * a value that failed to decode or validate; the value is treated as absent.
   */
  onCorruptValue?: (key: string, err: Error) => void
  /** A peer's keys changed (KeyChange), called after the write landed, with the peer's lock still held: must not throw. */
  onKeyChange?: (change: KeyChange) => void
  /** Validates equivocation proofs on store and on every load from disk. Default: a new one over `crypto`. */
  equivocationValidator?: EquivocationValidator
  /** An equivocation proof was taken (stored for the first time for its peer), from `source`; after the write landed. Must not throw. */
  onEquivocation?: (proof: EquivocationProof, source: EvidenceSource) => void
}

/**
 * Where an equivocation proof came from, for `keydir_equivocations_total`:
 * a DHT lookup's two answers, a PUT this node's DHT store received, an
 * exchange answer or a push the registry held a conflicting record for, the
 * HTTP API, or a proof found as a DHT value.
 */
export type EvidenceSource = 'dht_lookup' | 'dht_store' | 'exchange' | 'push' | 'api' | 'dht_evidence'

/**
 * Key requests in flight, as the registry's seed API sees them. The key
 * exchange implements it (src/exchange/pending-requests.ts), so that a
 * request made by any path blocks a second one for the same peer.
 */
export interface KeyRequestTable {
  /** Record a request about to be sent to `key`; false when one is pending or the table is full. */
  tryReserve (key: string): boolean
  /** The reserved request was answered or failed. */
  complete (key: string): void
  /** Drop expired entries; returns how many. */
  removeExpired (): number
  /** Entries, expired ones included until removed. */
  readonly size: number
}

/** Nonce rows of one kind, keyed by PeerId string (or a name, for the node's own). */
export interface NonceRows {
  /** The stored nonce; undefined when none, or when the stored value is corrupt (then it is reported). */
  get (key: string): Promise<bigint | undefined>
  /** `sync`: on disk (fsync) before it resolves, not only handed to the OS. */
  put (key: string, value: bigint, options?: { sync?: boolean }): Promise<void>
}

/**
 * Where the key exchange keeps its replay-protection nonces: rows in the
 * registry's database beside each peer's record, so that a peer the
 * registry forgets (an evicted unsolicited peer) loses its nonce in the
 * same write. The nonce rules themselves live in the exchange.
 */
export interface ExchangeNonceStore {
  /**
   * Run `task` with the peer's registry writes held off. `held` says whether
   * the registry holds the peer (a record or a pin): only then is its nonce
   * kept on disk, so that free PeerIds cannot grow the database.
   */
  withPeer<T> (peerId: PeerId | string, task: (held: boolean) => Promise<T>): Promise<T>
  /** The last nonce accepted from each peer. */
  readonly inbound: NonceRows
  /** The node's own rows (the outbound nonce ceiling). */
  readonly meta: NonceRows
}

/**
 * Rows another layer keeps in the registry's database, under a sublevel of
 * its own (the node's peer scores): the registry stores the bytes and knows
 * nothing of their meaning; the layer that owns them validates what it reads.
 */
export interface SideRows {
  /** Every row, in key order. */
  readAll (): Promise<Array<[string, Uint8Array]>>
  /** Puts and deletes in one atomic batch. */
  write (puts: ReadonlyArray<readonly [string, Uint8Array]>, deletes: readonly string[]): Promise<void>
}
