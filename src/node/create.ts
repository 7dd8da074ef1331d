import { join } from 'node:path'
import { LevelDatastore } from 'datastore-level'
import { equals as uint8ArrayEquals } from 'uint8arrays/equals'
import { selectPqCrypto } from '../crypto/index.js'
import { errorCode, IdentityError } from '../errors.js'
import { createPqkValidator, createPqkValueCheck, DHT_PROTOCOL, dhtPeersOf, DhtLookup, DhtRecords, isAloneForGood, kadGet, noPeersError, PqkRecordStore, putToPeers, readOwnDhtValue, writeOwnDhtValue, type DhtPeers } from '../dht/index.js'
import { EXCHANGE_PROTOCOL, keyDiscovery, keyExchange, keyHistory, keyPush, PendingKeyRequests, PUSH_ROUND_TIMEOUT_MS } from '../exchange/index.js'
import { ensureKemSeed, ensureRevocationCertificate, loadIdentity, loadOrCreateIdentity } from '../identity/index.js'
import { createKeydirMetrics } from '../metrics/index.js'
import { envelopeGraceMsOf, recordPublisher } from '../publisher/index.js'
import { Envelopes } from '../envelope/index.js'
import { EquivocationValidator, KeyRecordValidator, mlDsaRoutingKey, RevocationValidator } from '../record/index.js'
import { PeerKeyRegistry } from '../registry/index.js'
import { PeerReputation, SCORE_ROWS } from '../reputation/index.js'
import { Resolver } from '../resolver/index.js'
import { secureSessions } from '../session/index.js'
import { MessageSignatures, RETIRED_KEY_ROWS, RetiredSigningKeys } from '../signature/index.js'
import { silentLogger } from '../util/log.js'
import { parseBootstrap } from './anchors.js'
import { bootstrapKeeper } from './bootstrap.js'
import { CachedPeerDatastore } from './cached-peer-datastore.js'
import { NodeEvidence } from './evidence.js'
import { KeydirNode } from './key-directory.js'
import { buildLibp2p, dhtPeerInfoMapper, maxConnectionsOf } from './libp2p.js'
import { isLocalNetwork } from './local-network.js'
import { checkNumericOptions } from './options.js'
import type { KeydirLibp2p, KeydirOwnServices } from './libp2p.js'
import type { KeyDirectory, KeyDirectoryOptions, ResolveOptions } from './types.js'
import type { KeyRecord } from '../record/index.js'
import type { Identity } from '../identity/index.js'
import type { PqCrypto } from '../crypto/index.js'
import type { KeydirLogger } from '../util/log.js'
import type { KeydirMetrics } from '../metrics/index.js'
import type { KeyChange, PeerKeyRegistryInit } from '../registry/index.js'
import type { AbortOptions, PeerId, PeerStore } from '@libp2p/interface'
import type { SingleKadDHT } from '@libp2p/kad-dht'

const DEFAULT_LISTEN = ['/ip4/127.0.0.1/tcp/0']
const REGISTRY_DIR = 'registry'
const LIBP2P_DIR = 'libp2p'
/** Sending the best record to the peers that answered a lookup with an older one, in the background, takes at most this long. */
const CORRECTION_TIMEOUT_MS = 30_000

/**
 * kad-dht's routing table's closest peers to a Kademlia id, where keydir's
 * lookup starts. kad-dht types its routing table with `size` only; the
 * method is there in the version package-lock.json pins, and checked here
 * so that an upgrade that drops it fails at start, not at the first lookup.
 */
function closestPeersOf (dht: SingleKadDHT): (kadId: Uint8Array, count: number) => PeerId[] {
  const table = dht.routingTable as unknown as { closestPeers?: (kadId: Uint8Array, options: { count: number }) => PeerId[] }
  if (typeof table.closestPeers !== 'function') throw new Error('kad-dht\'s routing table has no closestPeers(): keydir\'s lookup needs the kad-dht version package-lock.json pins')
  return (kadId, count) => table.closestPeers!(kadId, { count })
}

/**
 * Resolves when kad-dht's routing table holds a peer, or the signal ends
 * the wait; fails at once when the node has no connection either (no peer
 * is on its way), so a lookup goes straight to asking the peer directly.
 */
async function routingTableReady (peers: DhtPeers, options: AbortOptions): Promise<void> {
  const table = peers.routingTable
  if (table.size > 0) return
  if (isAloneForGood(peers)) throw noPeersError('look up a record in the DHT')
  options.signal?.throwIfAborted()
  await new Promise<void>((resolve, reject) => {
    const done = (): void => {
      table.removeEventListener('peer:add', done)
      options.signal?.removeEventListener('abort', done)
      if (table.size > 0) resolve()
      else reject(new Error('the routing table stayed empty'))
    }
    table.addEventListener('peer:add', done)
    options.signal?.addEventListener('abort', done)
  })
}

/**
 * Whether a lookup of `peerId` can reach anyone: a DHT peer, a connection
 * through which one may join, a bootstrap peer still being dialled, or an
 * address of the peer to ask it directly.
 */
async function canReach (peers: DhtPeers, peerStore: PeerStore, peerId: PeerId): Promise<boolean> {
  if (!isAloneForGood(peers)) return true
  try {
    return (await peerStore.get(peerId)).addresses.length > 0
  } catch {
    // Not in the peer store: nothing known of it.
    return false
  }
}

/**
 * Build a keydir node from options: identity (made on first use), the
 * registry and libp2p's LevelDB under `dataDir`, libp2p with kad-dht
 * (`/pqk/`) and keydir's services, the resolver over them. Call `start()`
 * next.
 */
export async function createKeyDirectory (options: KeyDirectoryOptions): Promise<KeyDirectory> {
  const crypto = selectPqCrypto(options.crypto)
  const logger = options.logger ?? silentLogger
  const metrics = options.metrics ?? createKeydirMetrics()
  // Checked before anything is opened or written.
  const envelopeGraceMs = envelopeGraceMsOf(options.envelopeGraceMs)
  const maxConnections = maxConnectionsOf(options.maxConnections)
  checkNumericOptions(options)
  const kemSeedAdded = (): void => {
    logger.info({}, 'gave the identity from an older keydir an X-Wing KEM seed: new ML-KEM-768 and X25519 keys, published with the next record (version 2)')
  }
  let identity = options.createIdentity === false
    ? await loadIdentity(options.dataDir, { crypto })
    : await loadOrCreateIdentity(options.dataDir, { crypto, onKemSeedAdded: kemSeedAdded })
  if (options.createIdentity === false) {
    // An identity of an older keydir gets its KEM seed, and an existing one its pre-signed revocation certificate, here too (loadOrCreateIdentity does both for its own).
    const upgrade = await ensureKemSeed(options.dataDir, identity, { crypto })
    if (upgrade.upgraded) kemSeedAdded()
    identity = upgrade.identity
    await ensureRevocationCertificate(options.dataDir, identity, { crypto })
  }
  const listen = options.listen ?? DEFAULT_LISTEN
  const bootstrap = parseBootstrap(options.bootstrap ?? [])
  // One validator for the registry, the DHT and the exchange: a record verified by one is a cache hit for the others.
  const validator = new KeyRecordValidator({ crypto })
  const revocationValidator = new RevocationValidator({ crypto })
  const equivocationValidator = new EquivocationValidator({ crypto })

  // Key requests in flight: the exchange makes and counts them, the registry's seed API reads the same table.
  const requests = new PendingKeyRequests()
  // The node that reports the registry's key changes; it is built last, before anything can be stored.
  let node: KeydirNode | undefined
  const registry = openRegistryStore(options.dataDir, {
    crypto,
    validator,
    revocationValidator,
    equivocationValidator,
    requests,
    metrics,
    logger,
    onKeyChange: change => { node?.keyChanged(change) },
    onEquivocation: (proof, source) => { node?.evidenceTaken(proof, source) }
  })
  // This node's scores of the peers it deals with, in the registry's database (its options were checked above).
  const reputation = new PeerReputation({
    store: registry.sideRows(SCORE_ROWS),
    threshold: options.reputationThreshold,
    halfLifeMs: options.reputationHalfLifeMs,
    onOutcome: outcome => { metrics.peerOutcomes.inc({ outcome }) },
    onCorruptValue: corruptValueReporter(metrics, logger),
    onWriteError: err => { logger.warn({ err: err.message }, 'could not write peer scores; they are written again with the next change') }
  })
  await registry.open()
  const level = new LevelDatastore(join(options.dataDir, LIBP2P_DIR))
  // The publisher's current record once it is built (it changes on rotation); the identity's key until then.
  let ownRecord = (): KeyRecord | undefined => undefined
  const ownMlDsaKey = lastRoutingKey()
  const dhtStore = new PqkRecordStore(level, {
    self: identity.peerId,
    // The own record under its ML-DSA PeerId's key is exempt from the bound too; the publisher's key changes on rotation.
    selfKeys: () => [ownMlDsaKey(ownRecord()?.mlDsaPublicKey ?? identity.mlDsaSigner.publicKey)],
    maxRecords: options.maxDhtRecords,
    readSync: key => level.db.getSync(key.toString()),
    onRefused: code => { metrics.verificationFailures.inc({ source: 'dht', reason: code }) },
    // A PUT of a second record with the held seq: the store now serves the proof; the registry keeps it too (if it links to
    // the pin), but only of a peer it holds: PUTs name any PeerId, and a stranger's proof kept for good would grow without end.
    onEquivocation: (held, incoming) => {
      registry.holds(held.peerId)
        .then(async holds => { if (holds) await registry.noteEquivocation(held, incoming, 'dht_store') })
        .catch(err => { metrics.verificationFailures.inc({ source: 'evidence', reason: errorCode(err) }) })
    }
  })
  const datastore = new CachedPeerDatastore(dhtStore)
  // The `/pqk/` validator's checks, shared by kad-dht's validator and the lookup's early look at each answer.
  const pqkCheck = createPqkValueCheck({ validator, revocationValidator, equivocationValidator, datastore, readSync: key => level.db.getSync(key.toString()) })
  try {
    // pq.key was read (and perhaps given a KEM seed) before the registry's lock was this node's: another
    // process starting on this data dir may have written it meanwhile. No other node holds the lock now.
    identity = await identityOnDisk(options.dataDir, identity, crypto)
    await reputation.open()
    await level.open()
    await dhtStore.open()
    const exchangeProtocol = options.exchangeProtocol ?? EXCHANGE_PROTOCOL
    const dhtProtocol = options.dhtProtocol ?? DHT_PROTOCOL
    const localNetwork = options.localNetwork ?? isLocalNetwork(listen)
    // The exchange answers with the publisher's current record, which exists once libp2p is built and started.
    let built: KeydirLibp2p | undefined
    const libp2p: KeydirLibp2p = built = await buildLibp2p<KeydirOwnServices>({
      privateKey: identity.privateKey,
      datastore,
      listen,
      dhtProtocol,
      // kad-dht takes revocations under /pqk/ too; a held one refuses every later record of its peer.
      pqkValidator: createPqkValidator({ check: pqkCheck, metrics }),
      localNetwork,
      maxConnections,
      metricsRegistry: options.libp2pMetrics === true ? metrics.registry : undefined,
      services: {
        publisher: recordPublisher({
          dataDir: options.dataDir,
          identity,
          crypto,
          registry,
          dhtProtocol,
          metrics,
          logger,
          bootstrapPeers: bootstrap.length,
          recordLifetimeMs: options.recordLifetimeMs,
          envelopeGraceMs,
          // In the background: rotate() returns once the DHT put is done, and the pushes run beside it.
          onRotated: () => { built!.services.keyPush.pushToHolders({ signal: AbortSignal.timeout(PUSH_ROUND_TIMEOUT_MS) }).catch(() => {}) },
          onRevoked: revocation => { built!.services.keyPush.pushToHolders({ carried: revocation.bytes, signal: AbortSignal.timeout(PUSH_ROUND_TIMEOUT_MS) }).catch(() => {}) }
        }),
        keyExchange: keyExchange({
          crypto,
          validator,
          registry,
          requests,
          metrics,
          logger,
          protocol: exchangeProtocol,
          self: () => built!.services.publisher.signer(),
          isRevoked: () => built!.services.publisher.revoked,
          scores: reputation
        }),
        // Answers from the identity the publisher holds, which changes on rotation.
        keyHistory: keyHistory({ crypto, metrics, logger, handOvers: () => built!.services.publisher.handOvers(), isRevoked: () => built!.services.publisher.revoked }),
        keyPush: keyPush({ crypto, validator, revocations: revocationValidator, registry, metrics, logger, scores: reputation, self: () => built!.services.publisher.signer() }),
        keyDiscovery: keyDiscovery({
          registry,
          metrics,
          logger,
          protocol: exchangeProtocol,
          discoverOnConnect: options.discoverOnConnect !== false && options.paths?.direct !== false,
          removeKeysOnDisconnect: options.removeKeysOnDisconnect
        }),
        bootstrap: bootstrapKeeper({ peers: bootstrap, registry, logger }),
        // Sessions check peers through the node's resolve (every trust rule: revoked or equivocated peers throw), sign with the current key.
        secureSessions: secureSessions({
          crypto,
          metrics,
          logger,
          signer: () => built!.services.publisher.signer().mlDsaSigner,
          resolve: async (peerId, opts) => node!.resolve(peerId, opts),
          isRevoked: () => built!.services.publisher.revoked,
          handshakeTimeoutMs: options.sessionHandshakeTimeoutMs
        })
      }
    })
    ownRecord = () => libp2p.services.publisher.recordIfAny
    const anchors = new Set(bootstrap.filter(b => b.anchor != null).map(b => b.peerId.toString()))
    // Puts and lookups on a node with no DHT peers fail at once (ERR_NO_PEERS) rather than at their timeout.
    const dhtPeers = dhtPeersOf(libp2p.services.dht, libp2p, bootstrap.length)
    const dhtRecords = new DhtRecords({ dht: libp2p.services.dht, metrics, logger, peers: dhtPeers, datastore })
    const dhtLookup = new DhtLookup({
      closestPeers: closestPeersOf(libp2p.services.dht),
      routingTableReady: async options => routingTableReady(dhtPeers, options),
      ask: kadGet({ libp2p, protocol: dhtProtocol, peerInfoMapper: dhtPeerInfoMapper(localNetwork) }),
      self: identity.peerId,
      scores: reputation,
      check: pqkCheck,
      readLocal: async key => readOwnDhtValue(datastore, key),
      writeLocal: async (key, value) => { await writeOwnDhtValue(datastore, key, value) },
      onEquivocation: async (a, b) => registry.noteEquivocation(a, b),
      correct: async (peers, record, key) => putToPeers({ connectionManager: { openConnection: async (peer, opts) => libp2p.dial(peer, opts) } }, dhtProtocol, peers, record, { key, signal: AbortSignal.timeout(CORRECTION_TIMEOUT_MS) }),
      metrics,
      logger
    }, { firstContactQuorum: options.firstContactQuorum, refreshQuorum: options.refreshQuorum, disjointPaths: options.disjointPaths, firstContactGraceMs: options.firstContactGraceMs })
    const resolver = new Resolver({
      registry,
      metrics,
      logger,
      selfPeerId: identity.peerId,
      selfRecord: () => libp2p.services.publisher.record,
      dht: options.paths?.dht === false ? undefined : dhtLookup,
      exchange: options.paths?.direct === false ? undefined : libp2p.services.keyExchange,
      history: options.paths?.direct === false ? undefined : libp2p.services.keyHistory,
      isAnchor: peerId => anchors.has(peerId.toString()),
      canReach: async peerId => canReach(dhtPeers, libp2p.peerStore, peerId)
    }, { timeoutMs: options.resolveTimeoutMs, refreshAfterMs: options.refreshAfterMs, maxStaleMs: options.maxStaleMs })
    const evidence = new NodeEvidence({ registry, validator: equivocationValidator, dht: dhtRecords, metrics, logger })
    // Using the keys: through the node's resolve, so every trust rule (revocation, equivocation) applies.
    const retiredKeys = new RetiredSigningKeys(registry.sideRows(RETIRED_KEY_ROWS))
    await retiredKeys.load()
    const resolveForUse = async (peerId: PeerId | string, opts: ResolveOptions): Promise<{ record: KeyRecord }> => node!.resolve(peerId, opts)
    const signatures = new MessageSignatures({
      crypto,
      signer: () => libp2p.services.publisher.signer().mlDsaSigner,
      resolve: resolveForUse,
      retiredKeys,
      getPin: async peerId => registry.getPin(peerId),
      isRevoked: () => libp2p.services.publisher.revoked,
      metrics
    })
    const envelopes = new Envelopes({
      crypto,
      peerId: identity.peerId,
      self: () => libp2p.services.publisher.signer(),
      kemKeys: () => libp2p.services.publisher.kemKeys(),
      graceMs: envelopeGraceMs,
      resolve: resolveForUse,
      checkSignature: async (peerId, message, signature, context, opts) => signatures.check(peerId, message, signature, context, opts),
      isRevoked: () => libp2p.services.publisher.revoked,
      metrics
    })
    node = new KeydirNode({
      libp2p, registry, reputation, resolver, datastore, crypto, metrics, logger, revocations: { validator: revocationValidator, dht: dhtRecords }, evidence, signatures, envelopes, retiredKeys, maxConnections
    })
    return node
  } catch (err) {
    await level.close().catch(() => {})
    await reputation.close()
    await registry.close()
    throw err
  }
}

/** The identity in pq.key, if it holds other KEM keys than `identity` (the same PeerId and ML-DSA-65 key), else `identity`. */
async function identityOnDisk (dataDir: string, identity: Identity, crypto: PqCrypto): Promise<Identity> {
  const onDisk = await loadIdentity(dataDir, { crypto })
  if (!onDisk.peerId.equals(identity.peerId) || !uint8ArrayEquals(onDisk.mlDsaSigner.publicKey, identity.mlDsaSigner.publicKey)) {
    throw new IdentityError('ERR_IDENTITY_CHANGED', `the identity in ${dataDir} changed while this node was starting (another process?): start it again`)
  }
  return onDisk.kemSeed !== undefined && identity.kemSeed !== undefined && uint8ArrayEquals(onDisk.kemSeed, identity.kemSeed) ? identity : onDisk
}

/** The registry under `<dataDir>/registry`, its events counted and logged, its key changes passed on. */
function openRegistryStore (dataDir: string, parts: {
  crypto: ReturnType<typeof selectPqCrypto>
  validator: KeyRecordValidator
  revocationValidator: RevocationValidator
  equivocationValidator: EquivocationValidator
  requests: PendingKeyRequests
  metrics: KeydirMetrics
  logger: KeydirLogger
  onKeyChange: (change: KeyChange) => void
  onEquivocation: NonNullable<PeerKeyRegistryInit['onEquivocation']>
}): PeerKeyRegistry {
  const { metrics, logger } = parts
  return new PeerKeyRegistry({
    path: join(dataDir, REGISTRY_DIR),
    crypto: parts.crypto,
    validator: parts.validator,
    revocationValidator: parts.revocationValidator,
    equivocationValidator: parts.equivocationValidator,
    onEquivocation: parts.onEquivocation,
    requests: parts.requests,
    onUnsolicitedEvicted: () => { metrics.unsolicitedRecords.inc({ result: 'evicted' }) },
    onCollected: ({ records, pins }) => {
      metrics.registryCollected.inc({ what: 'records' }, records)
      if (pins > 0) metrics.registryCollected.inc({ what: 'pins' }, pins)
    },
    onKeyChange: parts.onKeyChange,
    onCorruptValue: corruptValueReporter(metrics, logger)
  })
}

/** A corrupt value in the registry's database (a record, pin, nonce or peer score): counted and logged, then skipped. */
function corruptValueReporter (metrics: KeydirMetrics, logger: KeydirLogger): (key: string, err: Error) => void {
  return (key, err) => {
    metrics.corruptRegistryValues.inc()
    logger.error({ key, err: err.message }, 'skipped a corrupt registry value')
  }
}

/** mlDsaRoutingKey, computed again only when the key changes (a rotation): the store asks at every write. */
function lastRoutingKey (): (mlDsaPublicKey: Uint8Array) => Uint8Array {
  let last: { key: Uint8Array, routingKey: Uint8Array } | undefined
  return mlDsaPublicKey => {
    if (last?.key !== mlDsaPublicKey) last = { key: mlDsaPublicKey, routingKey: mlDsaRoutingKey(mlDsaPublicKey) }
    return last.routingKey
  }
}
