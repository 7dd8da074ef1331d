import { repeatingTask } from '@libp2p/utils'
import { equals as uint8ArrayEquals } from 'uint8arrays/equals'
import { fingerprint, fingerprintHex } from '../crypto/index.js'
import { dhtPeersOf, DhtRecords } from '../dht/index.js'
import { errorCode, KeydirError } from '../errors.js'
import { createOwnRevocation, DEFAULT_ENVELOPE_GRACE_MS, eraseExpiredKems, eraseExpiredKemSeeds, handOversOf, isLiveRetiredKem, prepareRotation } from '../identity/index.js'
import { DEFAULT_RECORD_LIFETIME_MS } from '../record/index.js'
import { silentLogger } from '../util/log.js'
import { countOption } from '../util/options.js'
import { timeoutSignal } from '../util/timeout-signal.js'
import { AwaitingPeers } from './awaiting-peers.js'
import { KEM_ERASURE_INTERVAL_MS, PUBLISH_TIMEOUT_MS } from './constants.js'
import { LowCoverageRepublisher } from './low-coverage.js'
import { OwnRecordLock } from './own-record-lock.js'
import { signOwnRecordOf } from './own-record.js'
import { RecordStorers } from './storers.js'
import type { Datastore } from 'interface-datastore'
import type { PqCrypto } from '../crypto/index.js'
import type { PublishCoverage } from '../dht/index.js'
import type { Identity, RetiredKem } from '../identity/index.js'
import type { KeydirMetrics } from '../metrics/index.js'
import type { KeyRecord, RevocationCertificate, RevocationReason, RotationLink } from '../record/index.js'
import type { PeerKeyRegistry } from '../registry/index.js'
import type { KeydirLogger } from '../util/log.js'
import type { AbortOptions, PeerId, Startable } from '@libp2p/interface'
import type { ConnectionManager } from '@libp2p/interface-internal'
import type { SingleKadDHT } from '@libp2p/kad-dht'
import type { RepeatingTask } from '@libp2p/utils'

export interface RecordPublisherComponents {
  /** kad-dht, registered before this service. */
  dht: SingleKadDHT
  /** Puts a rotated record straight to the peers that stored the previous one; its connections tell whether a DHT peer may join. */
  connectionManager: Pick<ConnectionManager, 'openConnection' | 'getConnections'>
  /** kad-dht's datastore: a node with no peers writes its record there itself, to serve it once peers come. */
  datastore: Pick<Datastore, 'put'>
}

export interface RecordPublisherInit {
  dataDir: string
  identity: Identity
  crypto: PqCrypto
  registry: PeerKeyRegistry
  /** kad-dht's protocol id, for the puts to the previous record's storers. */
  dhtProtocol: string
  metrics: KeydirMetrics
  logger?: KeydirLogger
  /** How many bootstrap peers the node was given: what the warning of a node with no DHT peers tells the operator to check. Default 0. */
  bootstrapPeers?: number
  /** Default 24 hours; republished every third of it. */
  recordLifetimeMs?: number
  /** How long a rotation keeps the KEM key it replaces, for sealed messages already on their way. Default 7 days. */
  envelopeGraceMs?: number
  /** The node now serves a rotated record (pq.key and the registry hold it): tell the holders, while the DHT put runs. */
  onRotated?: (record: KeyRecord) => void
  /** The identity is revoked (the registry holds the certificate): tell the holders, while the DHT put runs. */
  onRevoked?: (revocation: RevocationCertificate) => void
}

/** What the exchange signs its messages with, and answers for this node. */
export interface OwnSigner {
  peerId: PeerId
  record: KeyRecord
  mlDsaSigner: Identity['mlDsaSigner']
}

/** The envelope grace time from an option: default 7 days; a KeydirError ERR_BAD_OPTION unless a whole number of ms, 0 or more. */
export function envelopeGraceMsOf (value: number | undefined): number {
  return countOption('envelopeGraceMs', value, DEFAULT_ENVELOPE_GRACE_MS, 0)
}

/** This node's KEM keys, as the envelope code opens sealed messages with them. */
export interface KemKeys {
  /** The current X-Wing key; undefined only for an identity of an older keydir not yet given a KEM seed. */
  current: { kemSeed: Uint8Array, x25519PublicKey: Uint8Array, mlKemPublicKey: Uint8Array } | undefined
  /** Keys rotated away from, newest first: those past the envelope grace time with their seed erased (empty). */
  retired: RetiredKem[]
}

/**
 * This node's own record, as a libp2p service: the sequence numbers,
 * signing, publishing into the DHT, the regular republish and the retries
 * of a publish too few peers took, and rotation. Every change goes through
 * one OwnRecordLock, so rotate, publish and the background puts run one at
 * a time. libp2p starts it (the record is signed at start and put in the
 * background after) and stops it (background puts end, a change in
 * progress is written before the node's stores close).
 */
export class RecordPublisher implements Startable {
  readonly [Symbol.toStringTag] = 'keydir/record-publisher'
  private readonly components: RecordPublisherComponents
  private readonly init: RecordPublisherInit
  private readonly dht: DhtRecords
  private readonly log: KeydirLogger
  private readonly lifetimeMs: number
  private readonly envelopeGraceMs: number
  private readonly republish: RepeatingTask
  /** Erases retired KEM seeds from pq.key once past the grace time, also on a node that never rotates again. */
  private readonly kemErasure: RepeatingTask
  /** Every change to the own record (its keys, signing, storing, putting it into the DHT) goes through here, one at a time. */
  private readonly lock = new OwnRecordLock()
  /** Changed only with the lock held, and together with `current`: the keys the node signs with are the keys of the record it serves. */
  private identity: Identity
  private current: KeyRecord | undefined
  private readonly storers = new RecordStorers()
  private readonly lowCoverage: LowCoverageRepublisher
  /** The publishes a node with no DHT peers could not make: warned about once, made again when a peer joins. */
  private readonly awaitingPeers: AwaitingPeers
  /** Set once this identity is revoked: no record is signed or put after it; the regular round puts the revocation instead. */
  private revocation: RevocationCertificate | undefined
  /** Aborts background publishes when the node stops. */
  private stopping = new AbortController()

  constructor (components: RecordPublisherComponents, init: RecordPublisherInit) {
    this.components = components
    this.init = init
    this.identity = init.identity
    this.log = init.logger ?? silentLogger
    this.lifetimeMs = init.recordLifetimeMs ?? DEFAULT_RECORD_LIFETIME_MS
    this.envelopeGraceMs = envelopeGraceMsOf(init.envelopeGraceMs)
    // A node with no DHT peers fails a put at once (ERR_NO_PEERS), rather than after the whole publish timeout.
    const peers = dhtPeersOf(components.dht, components.connectionManager, init.bootstrapPeers ?? 0)
    this.dht = new DhtRecords({ dht: components.dht, metrics: init.metrics, logger: this.log, peers, datastore: components.datastore })
    this.awaitingPeers = new AwaitingPeers({
      routingTable: peers.routingTable,
      bootstrapPeers: init.bootstrapPeers ?? 0,
      // The record it could not put, as it is: a new seq would only churn.
      publish: () => { void this.publishQuietly({ sign: false }) },
      logger: this.log
    })
    this.lowCoverage = new LowCoverageRepublisher({
      lock: this.lock,
      dht: this.dht,
      record: () => this.record,
      routingTableSize: () => components.dht.routingTable.size,
      stopping: () => this.stopping.signal,
      noPeers: err => { this.awaitingPeers.noteFailure(err) },
      logger: this.log
    })
    // Republish well before half the lifetime has passed, so a missed round still leaves a valid record out there.
    this.republish = repeatingTask(async () => this.publishQuietly(), Math.floor(this.lifetimeMs / 3))
    // A background task: it publishes nothing, so it must not make a republish in progress give way.
    this.kemErasure = repeatingTask(async () => {
      if (this.hasExpiredKemSeeds()) await this.lock.run(async () => this.eraseExpiredKemSeeds(), { background: true }).catch(() => {})
    }, KEM_ERASURE_INTERVAL_MS)
  }

  async start (): Promise<void> {
    this.stopping = new AbortController()
    this.revocation = this.init.registry.getRevocation(this.identity.peerId)
    // A revoked identity signs a record for its own use (the pushes' signer) but never stores or puts one.
    await this.lock.run(async () => {
      await this.eraseExpiredKemSeeds()
      if (this.revocation === undefined) await this.signOwnRecord()
      else this.current = await this.createOwnRecord(this.identity)
    })
  }

  afterStart (): void {
    // kad-dht holds a put until its routing table has peers: publish in the background.
    void this.publishQuietly()
    this.republish.start()
    this.kemErasure.start()
  }

  async stop (): Promise<void> {
    this.stopping.abort()
    this.awaitingPeers.stop()
    this.republish.stop()
    this.kemErasure.stop()
    // Puts in progress were aborted; the node's stores close only after the record change in progress is written.
    await this.lock.idle()
  }

  /** The current record; throws before start. */
  get record (): KeyRecord {
    if (this.current == null) throw new KeydirError('ERR_NOT_STARTED', 'the node has no record yet: call start() first')
    return this.current
  }

  /** The record if one was signed yet. */
  get recordIfAny (): KeyRecord | undefined {
    return this.current
  }

  get mlDsaPublicKey (): Uint8Array {
    return this.identity.mlDsaSigner.publicKey
  }

  /** The record and the key that signs exchange messages, always of the same keys. */
  signer (): OwnSigner {
    return { peerId: this.identity.peerId, record: this.record, mlDsaSigner: this.identity.mlDsaSigner }
  }

  /** Every hand-over this identity keeps, newest first (at most 65): what the key history service answers. */
  handOvers (): RotationLink[] {
    return handOversOf(this.identity)
  }

  /**
   * The KEM keys sealed messages to this node open with: the current one
   * (that of the record it serves) and those rotated away from less than
   * envelopeGraceMs ago. Read again after each rotation.
   */
  kemKeys (): KemKeys {
    const { kemSeed, x25519PublicKey } = this.identity
    return {
      current: kemSeed === undefined || x25519PublicKey === undefined
        ? undefined
        : { kemSeed, x25519PublicKey, mlKemPublicKey: this.identity.mlKem.publicKey },
      retired: eraseExpiredKems(this.identity.retiredKem, Date.now(), this.envelopeGraceMs)
    }
  }

  private hasExpiredKemSeeds (): boolean {
    const now = Date.now()
    return this.identity.retiredKem.some(entry => entry.kemSeed.length > 0 && !isLiveRetiredKem(entry, now, this.envelopeGraceMs))
  }

  /** With the lock held: pq.key rewritten without the retired KEM seeds past the grace time, if it has any. A failure is logged; the next round tries again. */
  private async eraseExpiredKemSeeds (): Promise<void> {
    try {
      this.identity = await eraseExpiredKemSeeds(this.init.dataDir, this.identity, { crypto: this.init.crypto, now: Date.now(), graceMs: this.envelopeGraceMs })
    } catch (err) {
      this.log.warn({ code: errorCode(err), err: (err as Error).message }, 'could not erase retired KEM seeds past the grace time from pq.key; trying again within the hour')
    }
  }

  /**
   * Waits for a rotation or publish in progress, then signs the next record
   * and puts it; the wait and the put together end within
   * PUBLISH_TIMEOUT_MS (ERR_PUBLISH_TIMEOUT). A node with no DHT peers fails
   * at once with ERR_NO_PEERS, and publishes by itself once a peer joins.
   */
  async publish (options: AbortOptions = {}): Promise<KeyRecord> {
    const signal = this.publishSignal(options)
    try {
      const { record, coverage } = await this.lock.run(async () => this.publishWithCoverage(signal), { signal })
      void this.lowCoverage.republishWhileUncovered(coverage)
      return record
    } catch (err) {
      this.awaitingPeers.noteFailure(err)
      throw err
    }
  }

  /**
   * A second rotate() (or a publish) called during one waits its turn and
   * then rotates from the keys the first one made, so two calls make two
   * rotations, each proven by the key before it. `options.signal` aborts
   * the wait, and the rotation itself until pq.key is written; after that
   * it only aborts the DHT put.
   */
  async rotate (options: AbortOptions = {}): Promise<KeyRecord> {
    const { record, coverage } = await this.lock.run(async () => this.rotateLocked(options), { signal: options.signal })
    void this.lowCoverage.republishWhileUncovered(coverage)
    return record
  }

  /** Revoke this identity with the current keys: kept in the registry, put into the DHT; publish and rotate then throw ERR_REVOKED. */
  async revoke (options: AbortOptions & { reason?: RevocationReason } = {}): Promise<{ revocation: RevocationCertificate, coverage: PublishCoverage }> {
    const revocation = await this.lock.run(async () => {
      // Revoked only once the registry holds it: a failed write leaves the node as it was.
      const made = this.revocation ?? await createOwnRevocation(this.identity, { reason: options.reason })
      await this.init.registry.storeRevocation(made)
      this.init.onRevoked?.(this.revocation = made)
      return made
    }, { signal: options.signal })
    this.log.warn({ reason: revocation.reason }, 'revoked this identity: no record of it will be signed again')
    return { revocation, coverage: await this.dht.publishRevocation(revocation, { signal: this.publishSignal(options) }) }
  }

  get revoked (): boolean {
    return this.revocation !== undefined
  }

  /** Call with the lock held. `sign`: a fresh record with the next seq (default), else the current one as it is. */
  private async publishWithCoverage (signal: AbortSignal, sign = true): Promise<{ record: KeyRecord, coverage: PublishCoverage }> {
    if (this.revocation !== undefined) throw revokedError()
    const record = sign ? await this.signOwnRecord() : this.record
    const coverage = await this.dht.publish(record, { signal })
    this.storers.note(coverage)
    return { record, coverage }
  }

  /**
   * Writes in this order: pq.key (atomically), the registry, the DHT. A kill
   * before pq.key's rename leaves the old keys, and nothing else changed;
   * after it, pq.key holds the new keys with their proof by the old key,
   * which the registry's pin (still at the old key, or already at the new)
   * follows when the next start signs the own record. Past the rename the
   * node uses the new keys, whatever fails next: ERR_ROTATION_INCOMPLETE
   * says what is left to do.
   */
  private async rotateLocked (options: AbortOptions): Promise<{ record: KeyRecord, coverage: PublishCoverage }> {
    if (this.stopping.signal.aborted) {
      throw new KeydirError('ERR_NODE_STOPPED', 'the node is stopping or stopped: start it, then rotate')
    }
    if (this.revocation !== undefined) throw revokedError()
    await this.followOwnPin()
    // The KEM key being replaced is kept for the grace time, with the seq of the last record that carried it.
    const rotation = await prepareRotation(this.init.dataDir, this.identity, { crypto: this.init.crypto, lastSeq: this.current?.seq, envelopeGraceMs: this.envelopeGraceMs })
    // Signed before pq.key is written, so that the keys and the record the node serves change at one moment.
    const record = await this.createOwnRecord(rotation.identity)
    options.signal?.throwIfAborted()
    await rotation.commit()
    this.identity = rotation.identity
    this.current = record
    this.log.info({ fingerprint: fingerprintHex(record.mlDsaPublicKey) }, 'rotated ML-DSA-65 / ML-KEM-768 keys')
    let step = 'storing'
    try {
      await this.init.registry.storePeerKeys(record, 'self', { verified: true })
      this.init.onRotated?.(record)
      step = 'publishing'
      const coverage = await this.dht.publish(record, { signal: this.publishSignal(options) })
      await this.storers.replaceMissed(record, coverage, { components: this.components, protocol: this.init.dhtProtocol, signal: this.stopping.signal, log: this.log })
      return { record, coverage }
    } catch (err) {
      // Put the record again soon (and the next regular round signs and stores it again); with no DHT peers, once one joins.
      this.awaitingPeers.noteFailure(err)
      void this.lowCoverage.republishWhileUncovered({ targeted: 0, stored: 0, storers: [] })
      throw new KeydirError('ERR_ROTATION_INCOMPLETE',
        `rotated to new keys (pq.key holds them, proven by the old key, and this node uses them), but ${step} the new record failed ` +
        `(${(err as Error).message}): the node publishes it again in the background; publish (POST /v1/publish) to do it now, and before ` +
        'rotating again, or peers that saw only the old key cannot follow', { cause: err })
    }
  }

  /** The next record of `identity`'s keys (see signOwnRecordOf). */
  private async createOwnRecord (identity: Identity): Promise<KeyRecord> {
    return signOwnRecordOf(identity, { registry: this.init.registry, current: this.current, lifetimeMs: this.lifetimeMs })
  }

  /** A fresh record of the current keys with the next seq, stored. Call with the lock held. */
  private async signOwnRecord (): Promise<KeyRecord> {
    const record = await this.createOwnRecord(this.identity)
    await this.init.registry.storePeerKeys(record, 'self', { verified: true })
    this.current = record
    return record
  }

  /** Bring the own pin to the current keys after a failed rotation write: the next proof is signed by the current key. Lock held. */
  private async followOwnPin (): Promise<void> {
    const pin = await this.init.registry.getPin(this.identity.peerId)
    if (pin !== undefined && uint8ArrayEquals(pin.fingerprint, fingerprint(this.identity.mlDsaSigner.publicKey))) return
    await this.signOwnRecord()
  }

  /** A caller's publish: bounded by PUBLISH_TIMEOUT_MS whatever signal it brings (the API passes only its shutdown), its signal, and the node's stop. */
  private publishSignal (options: AbortOptions): AbortSignal {
    return AbortSignal.any([publishTimeout(), this.stopping.signal, ...(options.signal === undefined ? [] : [options.signal])])
  }

  /** A background task's signal: aborted after PUBLISH_TIMEOUT_MS or when the node stops. */
  private untilStopped (): AbortSignal { return AbortSignal.any([this.stopping.signal, publishTimeout()]) }

  /**
   * Publish in the background (start-up, the regular round; with `sign`
   * false, the current record again once a DHT peer joined); a failure is
   * logged, the next round tries again.
   */
  private async publishQuietly ({ sign = true } = {}): Promise<void> {
    let yielded: AbortSignal | undefined
    try {
      if (this.revocation !== undefined) {
        await this.dht.publishRevocation(this.revocation, { signal: this.untilStopped() })
        return
      }
      const { coverage } = await this.lock.run(async ({ yieldSignal }) => {
        yielded = yieldSignal
        return this.publishWithCoverage(AbortSignal.any([this.untilStopped(), yieldSignal]), sign)
      }, { background: true })
      // Not awaited: the next regular round is timed from the end of this one, and must not wait for the retries.
      void this.lowCoverage.republishWhileUncovered(coverage)
    } catch (err) {
      if (yielded?.aborted === true || errorCode(err) === 'ERR_SUPERSEDED') {
        this.log.debug({}, 'background publish gave way to a publish or rotation')
        return
      }
      if (this.stopping.signal.aborted) return
      if (errorCode(err) === 'ERR_NO_PEERS') {
        // No one to publish to (yet): one warning that says what to do, and a publish once a DHT peer joins.
        this.awaitingPeers.noteFailure(err)
        return
      }
      this.log.warn({ code: errorCode(err), err: (err as Error).message }, 'could not publish key record; the regular republish tries again')
    }
  }
}

/** A publish's bound: ERR_PUBLISH_TIMEOUT once it has waited for its turn and put for PUBLISH_TIMEOUT_MS. */
function publishTimeout (): AbortSignal {
  return timeoutSignal(PUBLISH_TIMEOUT_MS, () => new KeydirError('ERR_PUBLISH_TIMEOUT',
    `publishing took longer than ${PUBLISH_TIMEOUT_MS / 1000} s: the node's DHT peers did not answer in time, or another publish or rotation held it up; ` +
    'check its peers with `keydir status`, then try again'))
}

function revokedError (): KeydirError {
  return new KeydirError('ERR_REVOKED', 'this identity is revoked: it signs and publishes no record again; create a new identity (keydir init --force) for a new PeerId')
}

/** The record publisher as a libp2p service factory, registered after kad-dht (`services.publisher`). */
export function recordPublisher (init: RecordPublisherInit): (components: RecordPublisherComponents) => RecordPublisher {
  return (components) => new RecordPublisher(components, init)
}
