import { repeatingTask } from '@libp2p/utils'
import { TypedEventEmitter } from 'main-event'
import { errorCode, KeydirError, ResolveError } from '../errors.js'
import { PUBLISH_TIMEOUT_MS } from '../publisher/index.js'
import { unmarshalRevocation } from '../record/index.js'
import { resolvedKeys } from './resolved-keys.js'
import { equivocatedError, parsePeerId } from '../resolver/index.js'
import { keydirVersion } from '../util/version.js'
import type { KeyChangeDetail, KeyDirectoryEvents } from './events.js'
import type { KeydirLibp2p } from './libp2p.js'
import type { AnchorEntry, KeyDirectory, NodeStatus, ResolvedKeys, ResolveOptions } from './types.js'
import type { PqCrypto } from '../crypto/index.js'
import type { KeydirMetrics } from '../metrics/index.js'
import type { DhtRecords } from '../dht/index.js'
import type { NodeEvidence } from './evidence.js'
import type { Envelopes, OpenedEnvelope } from '../envelope/index.js'
import type { MessageSignatures, RetiredSigningKeys, SignatureCheck } from '../signature/index.js'
import type { EquivocationProof, KeyRecord, RevocationCertificate, RevocationReason, RevocationValidator } from '../record/index.js'
import type { EvidenceSource, FollowedRotation, KeyChange, ListPeersFilter, PeerKeyRegistry, RegistryEntry } from '../registry/index.js'
import type { PeerReputation } from '../reputation/index.js'
import type { Resolver } from '../resolver/index.js'
import type { KeydirLogger } from '../util/log.js'
import type { HandleSecureOptions, SecureStream, SecureStreamHandler } from '../session/index.js'
import type { AbortOptions, PeerId } from '@libp2p/interface'
import type { RepeatingTask } from '@libp2p/utils'
import type { Multiaddr } from '@multiformats/multiaddr'

/** Pending key requests past the seed's 30 s are dropped this often. */
const CLEANUP_INTERVAL_MS = 10_000
/** How often expired registry records (and the pins of unsolicited peers) are collected. */
const COLLECT_INTERVAL_MS = 60_000
/** Held revocations and equivocation proofs are put into the DHT again this often: kad-dht drops a value 48 hours after it received it. */
const REVOCATION_REPUBLISH_MS = 12 * 60 * 60_000

/** What a node is made of, assembled by `createKeyDirectory`. */
export interface KeydirNodeParts {
  libp2p: KeydirLibp2p
  registry: PeerKeyRegistry
  /** Peer scores, kept in the registry's database: closed (written) before it. */
  reputation: PeerReputation
  resolver: Resolver
  /** libp2p's datastore, closed after libp2p stops. */
  datastore: { close (): Promise<void> }
  crypto: PqCrypto
  metrics: KeydirMetrics
  logger: KeydirLogger
  /** Checks uploaded revocation certificates and puts them into the DHT. */
  revocations: { validator: RevocationValidator, dht: DhtRecords }
  /** Equivocation proofs: taken from outside, counted, spread. */
  evidence: NodeEvidence
  /** Detached signatures, checked against the directory. */
  signatures: MessageSignatures
  /** Sealed envelopes. */
  envelopes: Envelopes
  /** The keys peers rotated away from, fed by the registry's `rotated` changes. */
  retiredKeys: RetiredSigningKeys
  /** libp2p's connection limit, which status() reports beside the connections. */
  maxConnections: number
}

/**
 * The KeyDirectory facade over a keydir node: libp2p runs the protocols
 * (kad-dht with `/pqk/`, the key exchange, discovery, the record
 * publisher, the bootstrap peers) and owns their start and stop; this
 * class adds the registry's upkeep, resolves through the Resolver, and
 * answers for the node. It is a typed event target: `key-change` (from the
 * registry's onKeyChange, through keyChanged) and `stop`.
 */
export class KeydirNode extends TypedEventEmitter<KeyDirectoryEvents> implements KeyDirectory {
  readonly peerId: PeerId
  readonly registry: PeerKeyRegistry
  readonly metrics: KeydirMetrics
  readonly reputation: PeerReputation
  /** Not part of the KeyDirectory facade: for keydir's own tests and benches (see libp2pOf). */
  readonly libp2p: KeydirLibp2p
  private readonly resolver: Resolver
  private readonly revocations: KeydirNodeParts['revocations']
  private readonly evidence: NodeEvidence
  private readonly signatures: MessageSignatures
  private readonly envelopes: Envelopes
  private readonly retiredKeys: RetiredSigningKeys
  private readonly datastore: { close (): Promise<void> }
  private readonly crypto: PqCrypto
  private readonly maxConnections: number
  private readonly log: KeydirLogger
  private readonly cleanup: RepeatingTask
  private readonly collect: RepeatingTask
  private readonly republishRevocations: RepeatingTask
  private running = false
  /** performance.now() at the last start: uptime from a clock that never goes back. */
  private startedAt: number | undefined
  /** The databases are closed: stop() has run, after a start or instead of one. */
  private closed = false
  /** Aborts the registry's upkeep when the node stops. */
  private stopping = new AbortController()
  private stopCountingRegistry = (): void => {}
  private stopShowingScores = (): void => {}

  constructor (parts: KeydirNodeParts) {
    super()
    this.libp2p = parts.libp2p
    this.peerId = parts.libp2p.peerId
    this.registry = parts.registry
    this.reputation = parts.reputation
    this.resolver = parts.resolver
    this.revocations = parts.revocations
    this.evidence = parts.evidence
    this.signatures = parts.signatures
    this.envelopes = parts.envelopes
    this.retiredKeys = parts.retiredKeys
    this.datastore = parts.datastore
    this.crypto = parts.crypto
    this.maxConnections = parts.maxConnections
    this.metrics = parts.metrics
    this.log = parts.logger
    this.cleanup = repeatingTask(() => { this.dropExpiredRequests() }, CLEANUP_INTERVAL_MS)
    this.collect = repeatingTask(async () => { await this.collectExpired() }, COLLECT_INTERVAL_MS)
    this.republishRevocations = repeatingTask(async () => {
      await this.putRevocationsAgain()
      await this.evidence.putAgain(this.stopping.signal)
    }, REVOCATION_REPUBLISH_MS)
  }

  async start (): Promise<void> {
    if (this.running) return
    if (this.closed) throw new KeydirError('ERR_NODE_STOPPED', 'this node was stopped and its databases closed: create a new one with createKeyDirectory')
    this.stopping = new AbortController()
    await this.libp2p.start()
    this.running = true
    this.startedAt = performance.now()
    this.stopCountingRegistry = this.metrics.countRegistryWith(() => this.registry.counts())
    this.stopShowingScores = this.metrics.showScoresWith(this.reputation)
    this.cleanup.start()
    this.collect.start()
    this.republishRevocations.start()
    this.log.info({ peerId: this.peerId.toString(), multiaddrs: this.getMultiaddrs().map(String) }, 'keydir node started')
  }

  /**
   * Stop libp2p (and with it keydir's services), then close the databases.
   * Also after a start that failed, or none: createKeyDirectory opened the
   * databases, and their locks must be released. Safe to call twice.
   */
  async stop (): Promise<void> {
    if (this.closed) return
    const wasRunning = this.running
    this.running = false
    this.closed = true
    this.stopping.abort()
    this.cleanup.stop()
    this.collect.stop()
    this.republishRevocations.stop()
    try {
      await this.libp2p.stop()
      this.stopCountingRegistry()
      this.stopShowingScores()
      // libp2p has stopped, so no more outcomes come in: the last scores are written while the database is open.
      await this.reputation.close()
      await this.registry.close()
      await this.datastore.close()
    } finally {
      this.safeDispatchEvent('stop', { detail: this })
    }
    if (wasRunning) this.log.info({ peerId: this.peerId.toString() }, 'keydir node stopped')
  }

  /**
   * A peer's keys changed: counted in keydir_key_changes_total, logged, and
   * dispatched as `key-change`. The registry's onKeyChange calls it
   * (create.ts); not part of the KeyDirectory facade. A listener that throws
   * does not reach the caller (EventTarget reports it as uncaught).
   */
  keyChanged (change: KeyChange): void {
    const detail: KeyChangeDetail = { peerId: change.peerId, change: change.change, seq: change.seq }
    if (change.retired !== undefined) {
      this.retiredKeys.note(change.peerId, change.retired).catch(err => { this.log.warn({ peer: change.peerId.toString(), err: (err as Error).message }, 'could not write a peer\'s retired key; verify reports its later signatures by the current record\'s seq') })
    }
    this.metrics.keyChanges.inc({ change: detail.change })
    const fields = { peerId: detail.peerId.toString(), change: detail.change, seq: detail.seq }
    const followed = change.followed
    if (detail.change === 'new') this.log.debug(fields, 'new peer keys')
    else if (followed !== undefined) this.log.info({ ...fields, fromSeq: followed.fromSeq, handOvers: followed.handOvers }, followedMessage(followed))
    else this.log.info(fields, 'peer keys changed')
    this.safeDispatchEvent('key-change', { detail })
  }

  getMultiaddrs (): Multiaddr[] {
    return this.libp2p.getMultiaddrs()
  }

  /** Waits for a rotation or publish in progress, then signs the next record and puts it. */
  async publish (options: AbortOptions = {}): Promise<KeyRecord> {
    return this.libp2p.services.publisher.publish(options)
  }

  /** A second rotate() during one waits its turn, then rotates from the keys the first made (RecordPublisher.rotate). */
  async rotate (options: AbortOptions = {}): Promise<KeyRecord> {
    return this.libp2p.services.publisher.rotate(options)
  }

  /** The publisher signs, keeps and puts it; the holders are pushed it while the DHT put runs, as after a rotation. */
  async revoke (options: AbortOptions & { reason?: RevocationReason } = {}): Promise<RevocationCertificate> {
    return (await this.libp2p.services.publisher.revoke(options)).revocation
  }

  listRevocations (): RevocationCertificate[] {
    return this.registry.listRevocations()
  }

  async publishRevocation (certificate: Uint8Array, options: AbortOptions = {}): Promise<RevocationCertificate> {
    const revocation = this.revocations.validator.validate(unmarshalRevocation(certificate).peerId, certificate)
    // This node's own identity goes through revoke(), which also stops its publishing and tells its holders.
    if (revocation.peerId.equals(this.peerId)) throw new KeydirError('ERR_OWN_REVOCATION', 'this certificate revokes this node itself: run `keydir revoke` (node.revoke()) instead')
    await this.registry.storeRevocation(revocation)
    // A peer's revocation goes where its records go; a holder that missed it meets it on its next re-check.
    const bounded = AbortSignal.timeout(PUBLISH_TIMEOUT_MS)
    await this.revocations.dht.publishRevocation(revocation, { signal: options.signal === undefined ? bounded : AbortSignal.any([options.signal, bounded]) })
    return revocation
  }

  getEvidence (peerId: PeerId | string): EquivocationProof | undefined {
    return this.evidence.get(peerId)
  }

  listEvidence (): EquivocationProof[] {
    return this.evidence.list()
  }

  async submitEvidence (proof: Uint8Array, options: AbortOptions = {}): Promise<EquivocationProof> {
    return this.evidence.submit(proof, { ...options, stopping: this.stopping.signal })
  }

  /** The registry took an equivocation proof (its onEquivocation, wired in create.ts): counted and spread. Not part of the facade. */
  evidenceTaken (proof: EquivocationProof, source: EvidenceSource): void {
    this.evidence.taken(proof, source, this.stopping.signal)
  }

  async resolve (peerId: PeerId | string, options: ResolveOptions = {}): Promise<ResolvedKeys> {
    try {
      const resolved = await this.resolver.resolve(peerId, options)
      return resolvedKeys(resolved.record, resolved.trust, resolved.source, resolved.stale, resolved.rotated, resolved)
    } catch (err) {
      // The lookup itself may have met the conflict (the registry refused an answer and kept the proof): say so, not "not found".
      // By the libp2p PeerId the resolve got to, when asked by an ML-DSA PeerId: proofs are kept under it.
      const about = err instanceof ResolveError && err.peerId !== undefined ? err.peerId : peerId
      const proof = errorCode(err) === 'ERR_EQUIVOCATION' || errorCode(err) === 'ERR_NOT_FOUND' ? this.registry.getEquivocation(about) : undefined
      if (proof !== undefined) throw equivocatedError(proof.peerId, proof.seq)
      throw err
    }
  }

  async seal (peerId: PeerId | string, data: Uint8Array, options: AbortOptions = {}): Promise<Uint8Array> {
    return this.envelopes.seal(peerId, data, this.bounded(options))
  }

  async open (envelope: Uint8Array, options: AbortOptions = {}): Promise<OpenedEnvelope> {
    return this.envelopes.open(envelope, this.bounded(options))
  }

  async sign (data: Uint8Array): Promise<Uint8Array> {
    return this.signatures.sign(data)
  }

  async verify (peerId: PeerId | string, data: Uint8Array, signature: Uint8Array, options: AbortOptions = {}): Promise<SignatureCheck> {
    return this.signatures.verify(peerId, data, signature, this.bounded(options))
  }

  async listPeers (filter: ListPeersFilter = {}): Promise<RegistryEntry[]> {
    return this.registry.listPeers(filter)
  }

  async status (): Promise<NodeStatus> {
    const counts = this.registry.counts()
    const record = this.libp2p.services.publisher.recordIfAny
    return {
      peerId: this.peerId.toString(),
      multiaddrs: this.getMultiaddrs().map(String),
      dhtSize: this.libp2p.services.dht.routingTable.size,
      connections: this.libp2p.getConnections().length,
      maxConnections: this.maxConnections,
      registry: { peers: counts.records, verified: counts.verified },
      record: record == null ? undefined : { seq: record.seq, issuedAt: record.issuedAt, expiresAt: record.expiresAt },
      crypto: this.crypto.name,
      reputation: { peers: this.reputation.size, belowThreshold: this.reputation.belowThresholdCount() },
      version: keydirVersion(),
      uptimeMs: this.running && this.startedAt !== undefined ? Math.round(performance.now() - this.startedAt) : 0
    }
  }

  anchorEntry (): AnchorEntry {
    const addr = this.getMultiaddrs()[0]
    return {
      multiaddr: addr?.toString() ?? '',
      peerId: this.peerId.toString(),
      mlDsaPublicKey: Buffer.from(this.libp2p.services.publisher.mlDsaPublicKey).toString('base64')
    }
  }

  async dialSecure (peerId: PeerId | string, protocol: string, options: AbortOptions = {}): Promise<SecureStream> {
    return this.libp2p.services.secureSessions.dial(parsePeerId(peerId), protocol, options)
  }

  async handleSecure (protocol: string, handler: SecureStreamHandler, options: HandleSecureOptions = {}): Promise<void> {
    await this.libp2p.services.secureSessions.handle(protocol, handler, options)
  }

  async unhandleSecure (protocol: string): Promise<void> {
    await this.libp2p.services.secureSessions.unhandle(protocol)
  }

  /** Every use of the keys that may go to the network ends by the node's stop at the latest. */
  private bounded (options: AbortOptions): AbortOptions {
    return { ...options, signal: options.signal === undefined ? this.stopping.signal : AbortSignal.any([options.signal, this.stopping.signal]) }
  }

  /** Periodic: collect expired registry records; a failure is logged, the next round tries again. */
  private async collectExpired (): Promise<void> {
    try {
      const removed = await this.registry.removeExpiredRecords({ signal: this.stopping.signal })
      if (removed > 0) this.log.info({ removed }, 'collected expired registry records')
    } catch (err) {
      if (!this.stopping.signal.aborted) this.log.warn({ code: errorCode(err), err: (err as Error).message }, 'could not collect expired registry records')
    }
  }

  /**
   * Periodic: put every revocation this node holds of other peers into the
   * DHT again (its own, the publisher's regular round puts), so that a dead
   * identity stays dead there after kad-dht's 48 hours, also when its owner
   * is gone. A failure is logged; the next round tries again.
   */
  private async putRevocationsAgain (): Promise<void> {
    for (const revocation of this.registry.listRevocations()) {
      if (this.stopping.signal.aborted) return
      if (revocation.peerId.equals(this.peerId)) continue
      await this.revocations.dht.publishRevocation(revocation, { signal: AbortSignal.any([this.stopping.signal, AbortSignal.timeout(PUBLISH_TIMEOUT_MS)]) })
        .catch(err => { this.log.debug({ peer: revocation.peerId.toString(), code: errorCode(err) }, 'could not put a held revocation into the DHT again') })
    }
  }

  /** Periodic: expire pending key requests (the seed's 30 s rule). */
  private dropExpiredRequests (): void {
    const removed = this.registry.cleanupExpiredRequests()
    if (removed > 0) {
      this.metrics.expiredRequests.inc(removed)
      this.log.info({ removed }, 'cleaned up expired key requests')
    }
  }
}

/** The log line of a rotation the registry followed: from which seq to which, and how it was checked. */
function followedMessage (followed: FollowedRotation): string {
  const proofs = followed.handOvers === 1 ? 'its rotation proof' : `its ${followed.handOvers} rotation proofs`
  return `followed a rotation of the peer's keys: seq ${followed.fromSeq} -> ${followed.toSeq}, ${proofs} from the pinned ` +
    `ML-DSA-65 key${followed.anchor ? ' (a configured anchor\'s)' : ''} verified`
}

/**
 * The libp2p node under a node createKeyDirectory made. Not part of the
 * public facade (the package does not export it): keydir's own tests and
 * benches reach kad-dht and the services through it.
 */
export function libp2pOf (node: KeyDirectory): KeydirLibp2p {
  if (!(node instanceof KeydirNode)) throw new TypeError('not a node made by createKeyDirectory')
  return node.libp2p
}
