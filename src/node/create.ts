import { join } from 'node:path'
import { LevelDatastore } from 'datastore-level'
import { selectPqCrypto } from '../crypto/index.js'
import { errorCode } from '../errors.js'
import { createPqkValidator, createPqkValueCheck, DHT_PROTOCOL, DhtRecords, PqkRecordStore } from '../dht/index.js'
import { EXCHANGE_PROTOCOL, keyDiscovery, keyExchange, keyHistory, keyPush, PendingKeyRequests, PUSH_ROUND_TIMEOUT_MS } from '../exchange/index.js'
import { ensureRevocationCertificate, loadIdentity, loadOrCreateIdentity } from '../identity/index.js'
import { createKeydirMetrics } from '../metrics/index.js'
import { recordPublisher } from '../publisher/index.js'
import { EquivocationValidator, KeyRecordValidator, RevocationValidator } from '../record/index.js'
import { PeerKeyRegistry } from '../registry/index.js'
import { Resolver } from '../resolver/index.js'
import { silentLogger } from '../util/log.js'
import { parseBootstrap } from './anchors.js'
import { bootstrapKeeper } from './bootstrap.js'
import { CachedPeerDatastore } from './cached-peer-datastore.js'
import { NodeEvidence } from './evidence.js'
import { KeydirNode } from './key-directory.js'
import { buildLibp2p } from './libp2p.js'
import { isLocalNetwork } from './local-network.js'
import type { KeydirLibp2p, KeydirOwnServices } from './libp2p.js'
import type { KeyDirectory, KeyDirectoryOptions } from './types.js'
import type { KeydirLogger } from '../util/log.js'
import type { KeydirMetrics } from '../metrics/index.js'
import type { KeyChange, PeerKeyRegistryInit } from '../registry/index.js'

const DEFAULT_LISTEN = ['/ip4/127.0.0.1/tcp/0']
const REGISTRY_DIR = 'registry'
const LIBP2P_DIR = 'libp2p'

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
  const identity = options.createIdentity === false
    ? await loadIdentity(options.dataDir, { crypto })
    : await loadOrCreateIdentity(options.dataDir, { crypto })
  // An existing identity gets its pre-signed revocation certificate here too (loadOrCreateIdentity does it for its own).
  if (options.createIdentity === false) await ensureRevocationCertificate(options.dataDir, identity, { crypto })
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
  await registry.open()
  const level = new LevelDatastore(join(options.dataDir, LIBP2P_DIR))
  const dhtStore = new PqkRecordStore(level, {
    self: identity.peerId,
    maxRecords: options.maxDhtRecords,
    readSync: key => level.db.getSync(key.toString()),
    onRefused: code => { metrics.verificationFailures.inc({ source: 'dht', reason: code }) },
    // A PUT of a second record with the held seq: the store now serves the proof; the registry keeps it too (if it links to the pin).
    onEquivocation: (held, incoming) => {
      registry.noteEquivocation(held, incoming, 'dht_store').catch(err => { metrics.verificationFailures.inc({ source: 'evidence', reason: errorCode(err) }) })
    }
  })
  const datastore = new CachedPeerDatastore(dhtStore)
  // The `/pqk/` validator's checks, shared by kad-dht's validator and the lookup's early look at each answer.
  const pqkCheck = createPqkValueCheck({ validator, revocationValidator, equivocationValidator, datastore, readSync: key => level.db.getSync(key.toString()) })
  try {
    await level.open()
    await dhtStore.open()
    const exchangeProtocol = options.exchangeProtocol ?? EXCHANGE_PROTOCOL
    // The exchange answers with the publisher's current record, which exists once libp2p is built and started.
    let built: KeydirLibp2p | undefined
    const libp2p: KeydirLibp2p = built = await buildLibp2p<KeydirOwnServices>({
      privateKey: identity.privateKey,
      datastore,
      listen,
      dhtProtocol: options.dhtProtocol ?? DHT_PROTOCOL,
      // kad-dht takes revocations under /pqk/ too; a held one refuses every later record of its peer.
      pqkValidator: createPqkValidator({ check: pqkCheck, metrics }),
      localNetwork: options.localNetwork ?? isLocalNetwork(listen),
      metricsRegistry: options.libp2pMetrics === true ? metrics.registry : undefined,
      services: {
        publisher: recordPublisher({
          dataDir: options.dataDir,
          identity,
          crypto,
          registry,
          check: pqkCheck,
          dhtProtocol: options.dhtProtocol ?? DHT_PROTOCOL,
          metrics,
          logger,
          recordLifetimeMs: options.recordLifetimeMs,
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
          isRevoked: () => built!.services.publisher.revoked
        }),
        // Answers from the identity the publisher holds, which changes on rotation.
        keyHistory: keyHistory({ crypto, metrics, logger, handOvers: () => built!.services.publisher.handOvers(), isRevoked: () => built!.services.publisher.revoked }),
        keyPush: keyPush({ crypto, validator, revocations: revocationValidator, registry, metrics, logger, self: () => built!.services.publisher.signer() }),
        keyDiscovery: keyDiscovery({
          registry,
          metrics,
          logger,
          protocol: exchangeProtocol,
          discoverOnConnect: options.discoverOnConnect !== false && options.paths?.direct !== false,
          removeKeysOnDisconnect: options.removeKeysOnDisconnect
        }),
        bootstrap: bootstrapKeeper({ peers: bootstrap, registry, logger })
      }
    })
    const anchors = new Set(bootstrap.filter(b => b.anchor != null).map(b => b.peerId.toString()))
    const dhtRecords = new DhtRecords({ dht: libp2p.services.dht, check: pqkCheck, metrics, logger }, { quorum: options.dhtQuorum })
    const resolver = new Resolver({
      registry,
      metrics,
      logger,
      selfPeerId: identity.peerId,
      selfRecord: () => libp2p.services.publisher.record,
      dht: options.paths?.dht === false ? undefined : dhtRecords,
      exchange: options.paths?.direct === false ? undefined : libp2p.services.keyExchange,
      history: options.paths?.direct === false ? undefined : libp2p.services.keyHistory,
      isAnchor: peerId => anchors.has(peerId.toString())
    }, { timeoutMs: options.resolveTimeoutMs, refreshAfterMs: options.refreshAfterMs, maxStaleMs: options.maxStaleMs })
    const evidence = new NodeEvidence({ registry, validator: equivocationValidator, dht: () => libp2p.services.dht, metrics, logger })
    node = new KeydirNode({ libp2p, registry, resolver, datastore, crypto, metrics, logger, revocations: { validator: revocationValidator, dht: dhtRecords }, evidence })
    return node
  } catch (err) {
    await level.close().catch(() => {})
    await registry.close()
    throw err
  }
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
    onCorruptValue: (key, err) => {
      metrics.corruptRegistryValues.inc()
      logger.error({ key, err: err.message }, 'skipped a corrupt registry value')
    }
  })
}
