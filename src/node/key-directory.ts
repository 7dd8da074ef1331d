import { join } from 'node:path'
import { setTimeout as delay } from 'node:timers/promises'
import { repeatingTask } from '@libp2p/utils'
import { LevelDatastore } from 'datastore-level'
import { equals as uint8ArrayEquals } from 'uint8arrays/equals'
import { fingerprint, selectPqCrypto } from '../crypto/index.js'
import { createPqkCheck, createPqkValidator, DHT_PROTOCOL, DhtRecords, isWellCovered, PqkRecordStore } from '../dht/index.js'
import { errorCode, KeydirError } from '../errors.js'
import { EXCHANGE_PROTOCOL, KeyExchange } from '../exchange/index.js'
import { loadIdentity, loadOrCreateIdentity, prepareRotation } from '../identity/index.js'
import { createKeydirMetrics } from '../metrics/index.js'
import { createKeyRecord, DEFAULT_RECORD_LIFETIME_MS, KeyRecordValidator } from '../record/index.js'
import { PeerKeyRegistry } from '../registry/index.js'
import { Resolver } from '../resolver/index.js'
import { silentLogger } from '../util/log.js'
import { parseBootstrap } from './anchors.js'
import { CachedPeerDatastore } from './cached-peer-datastore.js'
import { buildLibp2p } from './libp2p.js'
import { isLocalNetwork } from './local-network.js'
import { OwnRecordLock } from './own-record-lock.js'
import { resolvedKeys } from './resolved-keys.js'
import type { BootstrapPeer } from './anchors.js'
import type { PqkRecordCheck, PublishCoverage } from '../dht/index.js'
import type { KeydirLibp2p } from './libp2p.js'
import type { AnchorEntry, KeyDirectory, KeyDirectoryOptions, NodeStatus, ResolvedKeys, ResolveOptions } from './types.js'
import type { PqCrypto } from '../crypto/index.js'
import type { Identity } from '../identity/index.js'
import type { KeydirMetrics } from '../metrics/index.js'
import type { KeyRecord } from '../record/index.js'
import type { KeydirLogger } from '../util/log.js'
import type { AbortOptions, PeerId } from '@libp2p/interface'
import type { RepeatingTask } from '@libp2p/utils'
import type { Multiaddr } from '@multiformats/multiaddr'

const DEFAULT_LISTEN = ['/ip4/127.0.0.1/tcp/0']
const CLEANUP_INTERVAL_MS = 10_000
/** How often expired registry records (and the pins of unsolicited peers) are collected. */
const COLLECT_INTERVAL_MS = 60_000
/** How often a node with an empty routing table dials (or identifies) its bootstrap peers again. */
const REJOIN_INTERVAL_MS = 5_000
/** Identify's own default timeout. */
const IDENTIFY_TIMEOUT_MS = 5_000
/** A publish waits for DHT peers at most this long. */
const PUBLISH_TIMEOUT_MS = 60_000
/** A publish that reached too few of the closest peers is tried again, up to three times, after about 5 s, 10 s, 20 s. */
const LOW_COVERAGE_RETRY_MS = 5_000
const LOW_COVERAGE_RETRIES = 3
const REGISTRY_DIR = 'registry'
const LIBP2P_DIR = 'libp2p'

/** Everything a node is made of, assembled by `createKeyDirectory`. */
interface Parts {
  options: KeyDirectoryOptions
  identity: Identity
  crypto: PqCrypto
  /** One validator for the registry, the DHT and the exchange: a record verified by one is a cache hit for the others. */
  validator: KeyRecordValidator
  /** The `/pqk/` validator's checks, shared by kad-dht's validator and the lookup's early look at each answer. */
  pqkCheck: PqkRecordCheck
  libp2p: KeydirLibp2p
  datastore: CachedPeerDatastore
  registry: PeerKeyRegistry
  metrics: KeydirMetrics
  logger: KeydirLogger
  bootstrap: BootstrapPeer[]
}

/**
 * A keydir node: libp2p with the `/pqk/` DHT and the direct exchange, the
 * registry, and the resolver that ties them together. It owns start/stop
 * and its own record (publish, republish, rotate).
 */
export class KeydirNode implements KeyDirectory {
  readonly peerId: PeerId
  readonly registry: PeerKeyRegistry
  readonly metrics: KeydirMetrics
  readonly libp2p: KeydirLibp2p
  private readonly options: KeyDirectoryOptions
  private readonly crypto: PqCrypto
  private readonly datastore: CachedPeerDatastore
  private readonly log: KeydirLogger
  private readonly bootstrap: BootstrapPeer[]
  private readonly anchors: Set<string>
  private readonly dht: DhtRecords
  private readonly exchange: KeyExchange
  private readonly resolver: Resolver
  private readonly republish: RepeatingTask
  private readonly cleanup: RepeatingTask
  private readonly collect: RepeatingTask
  private readonly rejoin: RepeatingTask
  private readonly lifetimeMs: number
  /** Every change to the own record (its keys, signing, storing, putting it into the DHT) goes through here, one at a time. */
  private readonly ownRecordLock = new OwnRecordLock()
  /** Changed only with the lock held, and together with `record`: the keys the node signs with are the keys of the record it serves. */
  private identity: Identity
  private record: KeyRecord | undefined
  private running = false
  /** A low-coverage republish loop is running. */
  private republishing = false
  /** Aborts background publishes when the node stops. */
  private stopping = new AbortController()
  private stopCountingRegistry = (): void => {}

  constructor (parts: Parts) {
    this.options = parts.options
    this.identity = parts.identity
    this.crypto = parts.crypto
    this.libp2p = parts.libp2p
    this.datastore = parts.datastore
    this.registry = parts.registry
    this.metrics = parts.metrics
    this.log = parts.logger
    this.bootstrap = parts.bootstrap
    this.peerId = parts.identity.peerId
    this.anchors = new Set(parts.bootstrap.filter(b => b.anchor != null).map(b => b.peerId.toString()))
    this.lifetimeMs = parts.options.recordLifetimeMs ?? DEFAULT_RECORD_LIFETIME_MS

    const validator = parts.validator
    this.dht = new DhtRecords({ dht: this.libp2p.services.dht, check: parts.pqkCheck, metrics: this.metrics, logger: this.log }, { quorum: parts.options.dhtQuorum })
    this.exchange = new KeyExchange({
      libp2p: this.libp2p,
      crypto: this.crypto,
      validator,
      registry: this.registry,
      metrics: this.metrics,
      logger: this.log,
      self: () => ({ peerId: this.peerId, record: this.ownRecord(), mlDsaSigner: this.identity.mlDsaSigner })
    }, { protocol: parts.options.exchangeProtocol ?? EXCHANGE_PROTOCOL })
    this.resolver = new Resolver({
      registry: this.registry,
      metrics: this.metrics,
      logger: this.log,
      selfPeerId: this.peerId,
      selfRecord: () => this.ownRecord(),
      dht: parts.options.paths?.dht === false ? undefined : this.dht,
      exchange: parts.options.paths?.direct === false ? undefined : this.exchange,
      isAnchor: peerId => this.anchors.has(peerId.toString())
    }, { timeoutMs: parts.options.resolveTimeoutMs })
    // Republish well before half the lifetime has passed, so a missed round still leaves a valid record out there.
    this.republish = repeatingTask(async () => this.publishQuietly(), Math.floor(this.lifetimeMs / 3))
    this.cleanup = repeatingTask(() => { this.housekeeping() }, CLEANUP_INTERVAL_MS)
    this.collect = repeatingTask(async () => { await this.collectExpired() }, COLLECT_INTERVAL_MS)
    // A bootstrap peer that was down or swamped when we started must not leave us alone for good.
    this.rejoin = repeatingTask(async () => { if (this.dhtSize() === 0) await this.rejoinBootstrap() }, REJOIN_INTERVAL_MS)
  }

  async start (): Promise<void> {
    if (this.running) return
    this.stopping = new AbortController()
    await this.libp2p.start()
    await this.exchange.start()
    this.libp2p.addEventListener('peer:identify', this.onIdentify)
    this.libp2p.addEventListener('peer:disconnect', this.onDisconnect)
    this.running = true
    this.stopCountingRegistry = this.metrics.countRegistryWith(() => this.registry.counts())
    await this.ownRecordLock.run(async () => this.signOwnRecord())
    await this.connectBootstrap()
    // kad-dht holds a put until its routing table has peers: publish in the background.
    void this.publishQuietly()
    this.republish.start()
    this.cleanup.start()
    this.collect.start()
    this.rejoin.start()
    this.log.info({ peerId: this.peerId.toString(), multiaddrs: this.getMultiaddrs().map(String) }, 'keydir node started')
  }

  async stop (): Promise<void> {
    if (!this.running) return
    this.running = false
    this.stopping.abort()
    this.republish.stop()
    this.cleanup.stop()
    this.collect.stop()
    this.rejoin.stop()
    // Puts in progress were aborted with `stopping`; the registry closes only after the record change in progress is written.
    await this.ownRecordLock.idle()
    this.libp2p.removeEventListener('peer:identify', this.onIdentify)
    this.libp2p.removeEventListener('peer:disconnect', this.onDisconnect)
    await this.exchange.stop()
    await this.libp2p.stop()
    this.stopCountingRegistry()
    await this.registry.close()
    await this.datastore.close()
    this.log.info({ peerId: this.peerId.toString() }, 'keydir node stopped')
  }

  getMultiaddrs (): Multiaddr[] {
    return this.libp2p.getMultiaddrs()
  }

  /** Waits for a rotation or publish in progress (OwnRecordLock), then signs the next record and puts it. */
  async publish (options: AbortOptions = {}): Promise<KeyRecord> {
    const { record, coverage } = await this.ownRecordLock.run(async () => this.publishWithCoverage(this.publishSignal(options)), { signal: options.signal })
    void this.republishWhileUncovered(coverage)
    return record
  }

  /** Call with the own-record lock held. */
  private async publishWithCoverage (signal: AbortSignal): Promise<{ record: KeyRecord, coverage: PublishCoverage }> {
    const record = await this.signOwnRecord()
    const coverage = await this.dht.publish(record, { signal })
    return { record, coverage }
  }

  async resolve (peerId: PeerId | string, options: ResolveOptions = {}): Promise<ResolvedKeys> {
    const { record, trust, source } = await this.resolver.resolve(peerId, options)
    return resolvedKeys(record, trust, source)
  }

  /**
   * A second rotate() (or a publish) called during one waits its turn and
   * then rotates from the keys the first one made, so two calls make two
   * rotations, each proven by the key before it. `options.signal` aborts
   * the wait, and the rotation itself until pq.key is written; after that
   * it only aborts the DHT put.
   */
  async rotate (options: AbortOptions = {}): Promise<KeyRecord> {
    const { record, coverage } = await this.ownRecordLock.run(async () => this.rotateLocked(options), { signal: options.signal })
    void this.republishWhileUncovered(coverage)
    return record
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
    await this.followOwnPin()
    const rotation = await prepareRotation(this.options.dataDir, this.identity, { crypto: this.crypto })
    // Signed before pq.key is written, so that the keys and the record the node serves change at one moment.
    const record = await this.createOwnRecord(rotation.identity, await this.nextSeq())
    options.signal?.throwIfAborted()
    await rotation.commit()
    this.identity = rotation.identity
    this.record = record
    this.log.info({ fingerprint: Buffer.from(fingerprint(record.mlDsaPublicKey)).toString('hex') }, 'rotated ML-DSA-65 / ML-KEM-768 keys')
    let step = 'storing'
    try {
      await this.registry.storePeerKeys(record, 'self', { verified: true })
      step = 'publishing'
      return { record, coverage: await this.dht.publish(record, { signal: this.publishSignal(options) }) }
    } catch (err) {
      // Put the record again soon (and the next regular round signs and stores it again).
      void this.republishWhileUncovered({ targeted: 0, stored: 0 })
      throw new KeydirError('ERR_ROTATION_INCOMPLETE',
        `rotated to new keys (pq.key holds them, proven by the old key, and this node uses them), but ${step} the new record failed ` +
        `(${(err as Error).message}): the node publishes it again in the background; run \`keydir publish\` to do it now, and before ` +
        'rotating again, or peers that saw only the old key cannot follow', { cause: err })
    }
  }

  async status (): Promise<NodeStatus> {
    const counts = this.registry.counts()
    return {
      peerId: this.peerId.toString(),
      multiaddrs: this.getMultiaddrs().map(String),
      dhtSize: this.dhtSize(),
      connections: this.libp2p.getConnections().length,
      registry: { peers: counts.records, verified: counts.verified },
      record: this.record == null ? undefined : { seq: this.record.seq, issuedAt: this.record.issuedAt, expiresAt: this.record.expiresAt },
      crypto: this.crypto.name
    }
  }

  anchorEntry (): AnchorEntry {
    const addr = this.getMultiaddrs()[0]
    return {
      multiaddr: addr?.toString() ?? '',
      peerId: this.peerId.toString(),
      mlDsaPublicKey: Buffer.from(this.identity.mlDsaSigner.publicKey).toString('base64')
    }
  }

  private ownRecord (): KeyRecord {
    if (this.record == null) {
      throw new Error('the node has no record yet: call start() first')
    }
    return this.record
  }

  /** A fresh record of the current keys with the next seq, stored. Call with the own-record lock held. */
  private async signOwnRecord (): Promise<KeyRecord> {
    const record = await this.createOwnRecord(this.identity, await this.nextSeq())
    await this.registry.storePeerKeys(record, 'self', { verified: true })
    this.record = record
    return record
  }

  /**
   * The next seq. It never goes below the clock in milliseconds, so a node
   * whose registry was lost still outranks the records it published before.
   */
  private async nextSeq (): Promise<number> {
    const pin = await this.registry.getPin(this.peerId)
    return Math.max((pin?.highestSeq ?? 0) + 1, (this.record?.seq ?? 0) + 1, Date.now())
  }

  private async createOwnRecord (identity: Identity, seq: number): Promise<KeyRecord> {
    return createKeyRecord({
      privateKey: identity.privateKey,
      mlDsaSigner: identity.mlDsaSigner,
      mlKemPublicKey: identity.mlKem.publicKey,
      seq,
      lifetimeMs: this.lifetimeMs,
      rotation: identity.rotation
    })
  }

  /**
   * Bring the registry's own pin to the current keys when a rotation's
   * registry write failed: the next rotation's proof is signed by the current
   * key, which the registry takes only from a pin at that key. Call with the
   * own-record lock held.
   */
  private async followOwnPin (): Promise<void> {
    const pin = await this.registry.getPin(this.peerId)
    if (pin !== undefined && uint8ArrayEquals(pin.fingerprint, fingerprint(this.identity.mlDsaSigner.publicKey))) return
    await this.signOwnRecord()
  }

  /** A caller's publish: its signal, or PUBLISH_TIMEOUT_MS from now; and the node's stop. */
  private publishSignal (options: AbortOptions): AbortSignal {
    return AbortSignal.any([options.signal ?? AbortSignal.timeout(PUBLISH_TIMEOUT_MS), this.stopping.signal])
  }

  /** Publish in the background (start-up, the regular round); a failure is logged, the next round tries again. */
  private async publishQuietly (): Promise<void> {
    let yielded: AbortSignal | undefined
    try {
      const { coverage } = await this.ownRecordLock.run(async ({ yieldSignal }) => {
        yielded = yieldSignal
        return this.publishWithCoverage(AbortSignal.any([this.untilStopped(PUBLISH_TIMEOUT_MS), yieldSignal]))
      }, { background: true })
      // Not awaited: the next regular round is timed from the end of this one, and must not wait for the retries.
      void this.republishWhileUncovered(coverage)
    } catch (err) {
      if (yielded?.aborted === true || errorCode(err) === 'ERR_SUPERSEDED') {
        this.log.debug({}, 'background publish gave way to a publish or rotation')
        return
      }
      // Publishing with no DHT peers yet fails; the next round or a resolve by a peer's direct request still works.
      this.log.warn({ code: errorCode(err), err: (err as Error).message }, 'could not publish key record')
    }
  }

  /**
   * Publish again soon while too few of the closest peers took the record
   * (isWellCovered): when many nodes start or publish at once, part of a
   * put's search times out, a record can land on a handful of peers, and
   * the regular round is hours away. The current record is put again as it
   * is (no new seq). The waits double from
   * LOW_COVERAGE_RETRY_MS, each drawn from half to one and a half of it so
   * that nodes hit by the same burst do not retry together. One such loop
   * runs at a time; a well covered publish starts none.
   */
  private async republishWhileUncovered (coverage: PublishCoverage): Promise<void> {
    if (this.republishing || isWellCovered(coverage, this.dhtSize())) return
    this.republishing = true
    let yielded: AbortSignal | undefined
    try {
      for (let attempt = 0; attempt < LOW_COVERAGE_RETRIES; attempt++) {
        this.log.info({ ...coverage, attempt }, 'few peers stored our record: publishing again soon')
        await delay(LOW_COVERAGE_RETRY_MS * 2 ** attempt * (0.5 + Math.random()), undefined, { signal: this.stopping.signal })
        // The current record again, not a new seq: what publish() returned stays the record out there.
        // Taken with the lock held, so it is never an older record than one put before it.
        coverage = await this.ownRecordLock.run(async ({ yieldSignal }) => {
          yielded = yieldSignal
          return this.dht.publish(this.ownRecord(), { signal: AbortSignal.any([this.untilStopped(PUBLISH_TIMEOUT_MS), yieldSignal]) })
        }, { background: true })
        if (isWellCovered(coverage, this.dhtSize())) return
      }
    } catch (err) {
      // A publish or rotation that took over starts its own retries when it needs them.
      if (!this.stopping.signal.aborted && yielded?.aborted !== true && errorCode(err) !== 'ERR_SUPERSEDED') {
        this.log.warn({ code: errorCode(err), err: (err as Error).message }, 'could not publish key record again')
      }
    } finally {
      this.republishing = false
    }
  }

  /** Pin the anchors, note every bootstrap peer's address, then dial them all. */
  private async connectBootstrap (): Promise<void> {
    await Promise.all(this.bootstrap.map(async peer => {
      try {
        if (peer.anchor != null) {
          await this.registry.setAnchor(peer.peerId, peer.anchor)
        }
        await this.libp2p.peerStore.merge(peer.peerId, { multiaddrs: [peer.multiaddr.decapsulateCode(421)] })
      } catch (err) {
        this.log.warn({ peer: peer.peerId.toString(), err: (err as Error).message }, 'could not record bootstrap peer')
        return
      }
      await this.dialBootstrapPeer(peer)
    }))
  }

  /**
   * Join again through every bootstrap peer; the anchors were pinned at
   * start. A peer we are still connected to is identified again instead:
   * kad-dht learns a peer only from identify, which libp2p runs once per
   * connection and never retries, so a connection whose identify timed out
   * (a swamped anchor) would otherwise leave the routing table empty for good.
   */
  private async rejoinBootstrap (): Promise<void> {
    await Promise.all(this.bootstrap.map(async peer => {
      const connection = this.libp2p.getConnections(peer.peerId).find(c => c.status === 'open')
      if (connection == null) {
        await this.dialBootstrapPeer(peer)
        return
      }
      try {
        await this.libp2p.services.identify.identify(connection, { signal: this.untilStopped(IDENTIFY_TIMEOUT_MS) })
        this.log.info({ peer: peer.peerId.toString() }, 'identified bootstrap peer again')
      } catch (err) {
        this.log.warn({ peer: peer.peerId.toString(), err: (err as Error).message }, 'could not identify bootstrap peer')
      }
    }))
  }

  private async dialBootstrapPeer (peer: BootstrapPeer): Promise<void> {
    try {
      await this.libp2p.dial(peer.peerId, { signal: AbortSignal.timeout(10_000) })
      this.log.info({ peer: peer.peerId.toString(), anchor: peer.anchor != null }, 'connected to bootstrap peer')
    } catch (err) {
      this.log.warn({ peer: peer.peerId.toString(), err: (err as Error).message }, 'could not reach bootstrap peer')
    }
  }

  /** A background task's signal: aborted after `timeoutMs` or when the node stops. */
  private untilStopped (timeoutMs: number): AbortSignal {
    return AbortSignal.any([this.stopping.signal, AbortSignal.timeout(timeoutMs)])
  }

  /** Peers in kad-dht's routing table (not part of its public interface). */
  private dhtSize (): number {
    return (this.libp2p.services.dht as unknown as { routingTable?: { size: number } }).routingTable?.size ?? 0
  }

  /** The seed's automatic discovery: ask a newly identified keydir peer for its keys if we lack them. */
  private readonly onIdentify = (event: CustomEvent<{ peerId: PeerId, protocols: string[] }>): void => {
    const { peerId, protocols } = event.detail
    const protocol = this.options.exchangeProtocol ?? EXCHANGE_PROTOCOL
    if (this.options.discoverOnConnect === false || this.options.paths?.direct === false || !protocols.includes(protocol)) return
    void this.discover(peerId)
  }

  private async discover (peerId: PeerId): Promise<void> {
    try {
      if (!await this.registry.requestKeysIfNeeded(peerId)) return
      const record = await this.exchange.request(peerId)
      // Any peer can connect, and PeerIds are free: what it told us unasked goes to the registry's bounded store.
      await this.registry.storePeerKeys(record, 'direct', { verified: true, unsolicited: true })
    } catch (err) {
      if (errorCode(err) === 'ERR_UNSOLICITED_LIMIT') this.metrics.unsolicitedRecords.inc({ result: 'rate_limited' })
      this.log.debug({ peer: peerId.toString(), code: errorCode(err) }, 'discovery on connect failed')
    } finally {
      this.registry.completeRequest(peerId)
    }
  }

  private readonly onDisconnect = (event: CustomEvent<PeerId>): void => {
    if (this.options.removeKeysOnDisconnect !== true) return
    void this.registry.removePeerKeys(event.detail).catch(() => {})
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

  /** Periodic: expire pending key requests (the seed's 30 s rule). */
  private housekeeping (): void {
    const removed = this.registry.cleanupExpiredRequests()
    if (removed > 0) {
      this.metrics.expiredRequests.inc(removed)
      this.log.info({ removed }, 'cleaned up expired key requests')
    }
  }
}

/**
 * Build a keydir node from options: identity (made on first use), LevelDB
 * stores under `dataDir`, libp2p with the `/pqk/` DHT. Call `start()` next.
 */
export async function createKeyDirectory (options: KeyDirectoryOptions): Promise<KeyDirectory> {
  const crypto = selectPqCrypto(options.crypto)
  const logger = options.logger ?? silentLogger
  const metrics = options.metrics ?? createKeydirMetrics()
  const identity = options.createIdentity === false
    ? await loadIdentity(options.dataDir, { crypto })
    : await loadOrCreateIdentity(options.dataDir, { crypto })
  const listen = options.listen ?? DEFAULT_LISTEN
  const bootstrap = parseBootstrap(options.bootstrap ?? [])
  const validator = new KeyRecordValidator({ crypto })

  const registry = new PeerKeyRegistry({
    path: join(options.dataDir, REGISTRY_DIR),
    crypto,
    validator,
    onUnsolicitedEvicted: () => { metrics.unsolicitedRecords.inc({ result: 'evicted' }) },
    onCollected: ({ records, pins }) => {
      metrics.registryCollected.inc({ what: 'records' }, records)
      if (pins > 0) metrics.registryCollected.inc({ what: 'pins' }, pins)
    },
    onCorruptValue: (key, err) => {
      metrics.corruptRegistryValues.inc()
      logger.error({ key, err: err.message }, 'skipped a corrupt registry value')
    }
  })
  await registry.open()
  const level = new LevelDatastore(join(options.dataDir, LIBP2P_DIR))
  const dhtRecords = new PqkRecordStore(level, {
    self: identity.peerId,
    maxRecords: options.maxDhtRecords,
    onRefused: code => { metrics.verificationFailures.inc({ source: 'dht', reason: code }) }
  })
  const datastore = new CachedPeerDatastore(dhtRecords)
  const pqkCheck = createPqkCheck({ validator, datastore, readSync: key => level.db.getSync(key.toString()) })
  try {
    await level.open()
    await dhtRecords.open()
    const libp2p = await buildLibp2p({
      privateKey: identity.privateKey,
      datastore,
      listen,
      dhtProtocol: options.dhtProtocol ?? DHT_PROTOCOL,
      pqkValidator: createPqkValidator({ check: pqkCheck, metrics }),
      localNetwork: options.localNetwork ?? isLocalNetwork(listen),
      metricsRegistry: options.libp2pMetrics === true ? metrics.registry : undefined
    })
    return new KeydirNode({ options, identity, crypto, validator, pqkCheck, libp2p, datastore, registry, metrics, logger, bootstrap })
  } catch (err) {
    await level.close().catch(() => {})
    await registry.close()
    throw err
  }
}
