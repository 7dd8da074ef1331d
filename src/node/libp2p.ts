import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { identify } from '@libp2p/identify'
import { kadDHT, passthroughMapper, removePrivateAddressesMapper } from '@libp2p/kad-dht'
import { ping } from '@libp2p/ping'
import { prometheusMetrics } from '@libp2p/prometheus-metrics'
import { tcp } from '@libp2p/tcp'
import { createLibp2p, type ServiceFactoryMap } from 'libp2p'
import { DHT_DATASTORE_PREFIX, pqkSelector } from '../dht/index.js'
import { countOption } from '../util/options.js'
import type { BootstrapKeeper } from './bootstrap.js'
import type { KeyDiscovery, KeyExchange, KeyHistory, KeyPushService } from '../exchange/index.js'
import type { RecordPublisher } from '../publisher/index.js'
import type { SecureSessions } from '../session/index.js'
import type { Identify } from '@libp2p/identify'
import type { PeerInfo, PrivateKey } from '@libp2p/interface'
import type { KadDHTComponents, SingleKadDHT, ValidateFn } from '@libp2p/kad-dht'
import type { Ping } from '@libp2p/ping'
import type { Datastore } from 'interface-datastore'
import type { Libp2p } from 'libp2p'
import type { Registry } from 'prom-client'

/** The libp2p services every keydir-built node has (keydir's, and the IPNS and hostile test networks'). */
export type BaseServices = { identify: Identify, ping: Ping, dht: SingleKadDHT }
export type BaseLibp2p = Libp2p<BaseServices>

/** keydir's own services, built after kad-dht in this order: each sees the ones before it in its components. */
export type KeydirOwnServices = {
  publisher: RecordPublisher
  keyExchange: KeyExchange
  keyHistory: KeyHistory
  keyPush: KeyPushService
  keyDiscovery: KeyDiscovery
  bootstrap: BootstrapKeeper
  secureSessions: SecureSessions
}
export type KeydirServices = BaseServices & KeydirOwnServices
export type KeydirLibp2p = Libp2p<KeydirServices>

export interface BuildLibp2pInit {
  privateKey: PrivateKey
  datastore: Datastore
  listen: string[]
  dhtProtocol: string
  pqkValidator: ValidateFn
  localNetwork: boolean
  /** Connections kept open at most; at the limit libp2p refuses every inbound one. */
  maxConnections: number
  /** Report libp2p's own metrics into this registry. */
  metricsRegistry?: Registry
}

/** How many connections one host may open towards us in local-network mode (many local nodes share 127.0.0.1). */
const LOCAL_INBOUND_THRESHOLD = 10_000

/**
 * yamux's keep-alive ping interval on a local network (its default is 30 s).
 * The pings are what keep an idle connection open (@libp2p/tcp closes a
 * socket after 2 minutes without traffic; without pings a 400-node bench
 * kept 20 connections a node instead of 218, and its lookups paid dials),
 * but on every connection every 30 s they were about half of an idle node's
 * CPU. A ping every 60 s (plus its round trip) from each end, the two in
 * step, leaves room for one lost round within a socket's 2 minutes.
 */
export const LOCAL_KEEP_ALIVE_MS = 60_000

/** libp2p's own default, kept: a node needs more only when many nodes join through it (a bootstrap peer). */
export const DEFAULT_MAX_CONNECTIONS = 300

/** The node's connection limit, checked: a library caller's value did not pass the config's parser. */
export function maxConnectionsOf (value: number | undefined): number {
  return countOption('maxConnections', value, DEFAULT_MAX_CONNECTIONS)
}

/**
 * libp2p 3 with TCP, Noise, yamux, identify, ping and a private kad-dht in
 * server mode whose only custom namespace is `/pqk/`, its validator and
 * selector passed in at creation; then keydir's services, which libp2p
 * starts and stops with the rest.
 */
export async function buildLibp2p<S extends Record<string, unknown> = Record<never, never>> (init: BuildLibp2pInit & { services?: Omit<ServiceFactoryMap<BaseServices & S>, keyof BaseServices> }): Promise<Libp2p<BaseServices & S>> {
  return createLibp2p<BaseServices & S>({
    privateKey: init.privateKey,
    datastore: init.datastore,
    start: false,
    addresses: { listen: init.listen },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux(init.localNetwork ? { keepAliveInterval: LOCAL_KEEP_ALIVE_MS } : {})],
    connectionManager: {
      maxConnections: init.maxConnections,
      ...(init.localNetwork ? { inboundConnectionThreshold: LOCAL_INBOUND_THRESHOLD, maxIncomingPendingConnections: 1000 } : {})
    },
    // On loopback the monitor's 10 s pings only keep the event loop busy.
    connectionMonitor: { enabled: !init.localNetwork },
    metrics: init.metricsRegistry == null
      ? undefined
      : prometheusMetrics({ registry: init.metricsRegistry, preserveExistingMetrics: true, collectDefaultMetrics: false }),
    services: {
      identify: identify(),
      ping: ping(),
      dht: singleKadDHT({
        protocol: init.dhtProtocol,
        clientMode: false,
        datastorePrefix: DHT_DATASTORE_PREFIX,
        // Local networks need private and loopback addresses kept in the routing table.
        peerInfoMapper: dhtPeerInfoMapper(init.localNetwork),
        validators: { pqk: init.pqkValidator },
        selectors: { pqk: pqkSelector }
      }),
      ...init.services
    } as ServiceFactoryMap<BaseServices & S>
  })
}

/** Which addresses of DHT peers are kept: kad-dht's routing table and keydir's own lookup use the same. */
export function dhtPeerInfoMapper (localNetwork: boolean): (peer: PeerInfo) => PeerInfo {
  return localNetwork ? passthroughMapper : removePrivateAddressesMapper
}

/**
 * kadDHT() types its service as KadDHT, though it is one DHT (kad-dht's
 * SingleKadDHT, which it exports): keydir reads its routing table's size.
 */
function singleKadDHT (init: Parameters<typeof kadDHT>[0]): (components: KadDHTComponents) => SingleKadDHT {
  return kadDHT(init) as (components: KadDHTComponents) => SingleKadDHT
}
