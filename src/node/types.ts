import type { PqCryptoChoice } from '../crypto/index.js'
import type { KeydirMetrics } from '../metrics/index.js'
import type { EquivocationProof, KeyRecord, RevocationCertificate, RevocationReason } from '../record/index.js'
import type { ListPeersFilter, PeerKeyRegistry, RegistryEntry, TrustLevel } from '../registry/index.js'
import type { PeerScores } from '../reputation/index.js'
import type { ResolveOptions, ResolveSource } from '../resolver/index.js'
import type { OpenedEnvelope } from '../envelope/index.js'
import type { SignatureCheck } from '../signature/index.js'
import type { KeydirLogger } from '../util/log.js'
import type { HandleSecureOptions, SecureStream, SecureStreamHandler } from '../session/index.js'
import type { KeyDirectoryEvents } from './events.js'
import type { AbortOptions, PeerId } from '@libp2p/interface'
import type { TypedEventTarget } from 'main-event'
import type { Multiaddr } from '@multiformats/multiaddr'

/**
 * A bootstrap peer trusted at once: its ML-DSA-65 key (base64 or bytes) or
 * the SHA-256 fingerprint of that key (hex, base64 or bytes) is pinned
 * without an exchange. `keydir anchor` prints one of these.
 */
export interface AnchorEntry {
  multiaddr: string
  peerId: string
  mlDsaPublicKey?: string | Uint8Array
  mlDsaFingerprint?: string | Uint8Array
}

export interface KeyDirectoryOptions {
  /** Where the identity, registry, peer store and DHT records live. */
  dataDir: string
  /** Listen multiaddrs. Default `/ip4/127.0.0.1/tcp/0`. */
  listen?: string[]
  /** Multiaddrs ending in `/p2p/<PeerId>` (trusted through the DHT and exchange) or anchor entries (trusted at once). */
  bootstrap?: Array<string | AnchorEntry>
  /** Kademlia protocol id. Default `/numi/kad/1.0.0`. */
  dhtProtocol?: string
  /** Direct exchange protocol id. Default `/numi/keyx/1.0.0`. */
  exchangeProtocol?: string
  /** Lifetime of the records this node publishes. Default 24 hours. */
  recordLifetimeMs?: number
  /**
   * After a rotation, how long the KEM key it replaced is kept, so that
   * messages sealed to it just before still open (at most 8 such keys).
   * Default 7 days.
   */
  envelopeGraceMs?: number
  /**
   * Keep loopback and private addresses in the DHT and allow many
   * connections from one host. Default: on when every listen address is
   * loopback or private.
   */
  localNetwork?: boolean
  /**
   * Connections this node keeps open at most (libp2p's connection manager).
   * At the limit it refuses every inbound connection, so a bootstrap peer of
   * a network larger than this refuses the nodes that join after it is full.
   * Default 300, libp2p's.
   */
  maxConnections?: number
  /** Which post-quantum implementation. Default `auto` (or KEYDIR_CRYPTO). */
  crypto?: PqCryptoChoice
  /** How long a resolve may take before it fails with ERR_RESOLVE_TIMEOUT. Default 10 s. */
  resolveTimeoutMs?: number
  /**
   * A registry answer is re-checked on the network in the background once
   * this long has passed since the network last confirmed it (it was
   * stored, or a lookup or push found it unchanged). Default 5 minutes.
   */
  refreshAfterMs?: number
  /**
   * Past this, a resolve re-checks before it answers, and answers from the
   * registry (with `stale: true`) only when the network cannot be reached.
   * Default 1 hour; never below refreshAfterMs.
   */
  maxStaleMs?: number
  /**
   * A first contact (a peer never seen: no pin) waits for valid DHT answers
   * from this many peers, over as many disjoint paths, then takes the
   * highest seq. Default 3. A pinned peer's lookup ends at its first valid
   * answer at or above the pin.
   */
  firstContactQuorum?: number
  /** Valid DHT answers at or above the pin a pinned peer's lookup waits for. Default 1 (library only). */
  refreshQuorum?: number
  /** Disjoint paths a DHT lookup walks (no peer asked on two). Default 3. */
  disjointPaths?: number
  /** A first contact ends this long after its first valid answer (or as long again as that answer took, if longer), quorum or not. Default 150 ms. */
  firstContactGraceMs?: number
  /**
   * Lookups skip peers whose score is below this (docs/reputation.md), from
   * -100 (skip no one) to 0. Default -10.
   */
  reputationThreshold?: number
  /** Peer scores halve towards 0 this often, 1 minute to 30 days. Default 1 hour. */
  reputationHalfLifeMs?: number
  /** `/pqk/` records this node holds in its DHT store for other peers, at most. Default 10,000. */
  maxDhtRecords?: number
  /** Turn resolution paths off (tests, benchmarks). Both default true. */
  paths?: { dht?: boolean, direct?: boolean }
  /** Request the keys of every newly connected unknown peer (the seed's discovery). Default true. */
  discoverOnConnect?: boolean
  /** Forget a peer's keys when it disconnects, as the seed does. Default false: DHT records keep offline peers resolvable. */
  removeKeysOnDisconnect?: boolean
  /** Make an identity in `dataDir` if there is none. Default true. */
  createIdentity?: boolean
  /** Where keydir's key events go. Default silent. */
  logger?: KeydirLogger
  /** Metrics to report into. Default a fresh registry (see `node.metrics`). */
  metrics?: KeydirMetrics
  /** Also report libp2p's own metrics into `metrics.registry`. Default false (the daemon turns it on). */
  libp2pMetrics?: boolean
  /** A secure session's handshake (dialSecure, handleSecure) takes at most this long. Default 10 s. */
  sessionHandshakeTimeoutMs?: number
}

export type { ResolveOptions, ResolvePathDetail, ResolveProgressEvents } from '../resolver/index.js'
export type { DhtAnswerDetail, DhtAnswerResult, DhtEndDetail, DhtEndReason, DhtLookupProgressEvents, DhtQuorumDetail } from '../dht/index.js'
export type { OpenedEnvelope } from '../envelope/index.js'
export type { SignatureCheck } from '../signature/index.js'

/** A peer's verified keys, as `resolve` returns them (times in Unix milliseconds). */
export interface ResolvedKeys extends Pick<KeyRecord, 'peerId' | 'mlDsaPublicKey' | 'mlKemPublicKey' | 'seq' | 'issuedAt' | 'expiresAt'> {
  /** The peer's X25519 key (version-2 record): with mlKemPublicKey, its X-Wing key for sealed messages. Undefined for a version-1 record. */
  x25519PublicKey?: Uint8Array
  trust: TrustLevel
  /** The path that answered this call. */
  source: ResolveSource
  /** The signed record, so a client can verify it without trusting us. */
  record: KeyRecord
  /** From the registry past maxStaleMs, because the network could not be reached to re-check it. */
  stale: boolean
  /**
   * Present when this call followed a rotation of the peer's keys: the
   * registry held a record of seq `fromSeq` under the pinned ML-DSA-65 key,
   * and admitted this one (`toSeq`) through `handOvers` rotation proofs from
   * that key, each verified. Absent when nothing rotated, or when the
   * rotation had been followed before (a push, an earlier lookup: the
   * `key-change` event said so then).
   */
  rotated?: { fromSeq: number, toSeq: number, handOvers: number }
  /**
   * The ML-DSA PeerId of `mlDsaPublicKey` (libp2p RFC 0004 draft: base58btc
   * of the SHA-256 multihash of `{ Type: 4, Data: 0x02 || key }`, `Qm…`).
   * `resolve` takes it as well as `peerId`.
   */
  mlDsaPeerId: string
  /**
   * Which PeerId this call was asked by: `peerId`; `mlDsaPeerId`; or
   * `previousMlDsaPeerId`, the ML-DSA PeerId of an earlier key of the peer
   * (given in `previousMlDsaPeerId`) from which the current key descends
   * through verified hand-overs.
   */
  asked: 'peerId' | 'mlDsaPeerId' | 'previousMlDsaPeerId'
  /** Set when `asked` is `previousMlDsaPeerId`: the ML-DSA PeerId asked for. */
  previousMlDsaPeerId?: string
}

export interface NodeStatus {
  peerId: string
  multiaddrs: string[]
  /** Peers in the DHT routing table. */
  dhtSize: number
  connections: number
  /** The connection limit: at it, every inbound connection is refused (`maxConnections`). */
  maxConnections: number
  registry: { peers: number, verified: number }
  record: { seq: number, issuedAt: number, expiresAt: number } | undefined
  crypto: 'native' | 'noble'
  /** Peers this node keeps a score of, and those below the threshold (lookups skip them). */
  reputation: { peers: number, belowThreshold: number }
  /** keydir's version, as `keydir version` and the keydir_build_info metric give it. */
  version: string
  /** Milliseconds since this node started (0 before its start). */
  uptimeMs: number
}

export type { KeyChangeDetail, KeyChangeKind, KeyDirectoryEvents } from './events.js'

/**
 * A keydir node. It is a typed event target (libp2p's style): `key-change`
 * when a peer's keys change (KeyChangeDetail), `stop` when it has stopped.
 */
export interface KeyDirectory extends TypedEventTarget<KeyDirectoryEvents> {
  readonly peerId: PeerId
  readonly registry: PeerKeyRegistry
  readonly metrics: KeydirMetrics
  /** This node's scores of the peers it deals with, from its own observations (docs/reputation.md). */
  readonly reputation: PeerScores
  start (): Promise<void>
  stop (): Promise<void>
  getMultiaddrs (): Multiaddr[]
  /** Sign a fresh record (next seq) and put it into the DHT. */
  publish (options?: AbortOptions): Promise<KeyRecord>
  resolve (peerId: PeerId | string, options?: ResolveOptions): Promise<ResolvedKeys>
  /** The registry's peers in PeerId order, filtered and paged (`after`, `limit`); records are loaded a few at a time. */
  listPeers (filter?: ListPeersFilter): Promise<RegistryEntry[]>
  /** New ML-DSA-65 / ML-KEM-768 keys, proven by the old key, published at once. */
  rotate (options?: AbortOptions): Promise<KeyRecord>
  /**
   * Revoke this node's identity for good: a revocation certificate signed
   * with its current keys, kept, put into the DHT and pushed to the peers
   * that hold its keys. After it the node signs and serves no record.
   */
  revoke (options?: AbortOptions & { reason?: RevocationReason }): Promise<RevocationCertificate>
  /**
   * Publish a peer's revocation certificate (its bytes, e.g. the
   * `revocation.cert` of a node that is gone): validated, kept by the
   * registry (for a pinned peer, only if signed by a key linked to the pin),
   * and put into the DHT.
   */
  publishRevocation (certificate: Uint8Array, options?: AbortOptions): Promise<RevocationCertificate>
  /** Every revocation this node holds (kept for good), this node's own included. */
  listRevocations (): RevocationCertificate[]
  /** The proof that `peerId` equivocated (signed two records of one seq), if this node holds one: resolve refuses the peer (ERR_EQUIVOCATION). */
  getEvidence (peerId: PeerId | string): EquivocationProof | undefined
  /** Every equivocation proof this node holds (kept for good). */
  listEvidence (): EquivocationProof[]
  /**
   * Take an equivocation proof (its bytes, e.g. from another node's
   * `GET /v1/evidence/{peerId}`): validated, kept by the registry (for a
   * pinned peer, only when both records are signed by keys linked to the
   * pin), and put into the DHT. EvidenceError when it is not valid or not
   * linked to the pin; no peer is marked then.
   */
  submitEvidence (proof: Uint8Array, options?: AbortOptions): Promise<EquivocationProof>
  /**
   * Seal `data` (at most 1 MiB) to `peerId`: resolved through the directory
   * (every trust rule, revocation included), then HPKE with X-Wing
   * (ML-KEM-768 + X25519) to its record's keys, signed inside by this
   * node's ML-DSA-65 key. Only that peer can open the envelope
   * (docs/envelope.md).
   */
  seal (peerId: PeerId | string, data: Uint8Array, options?: AbortOptions): Promise<Uint8Array>
  /**
   * Open an envelope sealed to this node (also to a KEM key a rotation
   * retired, within envelopeGraceMs), and check that its sender signed it
   * with the ML-DSA-65 key the directory holds for it. EnvelopeError (or
   * the resolve's error for the sender) otherwise.
   */
  open (envelope: Uint8Array, options?: AbortOptions): Promise<OpenedEnvelope>
  /** Sign `data` with this node's ML-DSA-65 key, context `keydir/signed-message/v1` (docs/signatures.md). */
  sign (data: Uint8Array): Promise<Uint8Array>
  /**
   * Check a signature of `peerId` against the keys the directory holds for
   * it: `valid` for its current key or an earlier key of its rotation chain,
   * `current` only for the current key, `seq` the seq of the record that
   * carried the signing key. Throws as resolve does (ERR_REVOKED, ...).
   */
  verify (peerId: PeerId | string, data: Uint8Array, signature: Uint8Array, options?: AbortOptions): Promise<SignatureCheck>
  status (): Promise<NodeStatus>
  /** This node's entry for other nodes' bootstrap config. */
  anchorEntry (): AnchorEntry
  /**
   * A post-quantum secure session with `peerId` (docs/session.md): a libp2p
   * Stream whose bytes are protected by a hybrid X25519 + ML-KEM-768 Noise
   * handshake that both sides authenticate with the ML-DSA-65 keys the
   * directory holds for them. SessionError when the peer is revoked,
   * equivocated, unknown, or does not hold its directory key.
   */
  dialSecure (peerId: PeerId | string, protocol: string, options?: AbortOptions): Promise<SecureStream>
  /** Accept secure sessions for `protocol`; `handler` gets each once the peer is authenticated. */
  handleSecure (protocol: string, handler: SecureStreamHandler, options?: HandleSecureOptions): Promise<void>
  unhandleSecure (protocol: string): Promise<void>
}
