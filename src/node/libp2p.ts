import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { identify } from '@libp2p/identify'
import { kadDHT, passthroughMapper, removePrivateAddressesMapper } from '@libp2p/kad-dht'
import { ping } from '@libp2p/ping'
import { prometheusMetrics } from '@libp2p/prometheus-metrics'
import { tcp } from '@libp2p/tcp'
import { createLibp2p } from 'libp2p'
import { DHT_DATASTORE_PREFIX, pqkSelector } from '../dht/index.js'
import type { Identify } from '@libp2p/identify'
import type { PrivateKey } from '@libp2p/interface'
import type { KadDHT, ValidateFn } from '@libp2p/kad-dht'
import type { Ping } from '@libp2p/ping'
import type { Datastore } from 'interface-datastore'
import type { Libp2p } from 'libp2p'
import type { Registry } from 'prom-client'

export type KeydirServices = { dht: KadDHT, identify: Identify, ping: Ping }
export type KeydirLibp2p = Libp2p<KeydirServices>

export interface BuildLibp2pInit {
  privateKey: PrivateKey
  datastore: Datastore
  listen: string[]
  dhtProtocol: string
  pqkValidator: ValidateFn
  localNetwork: boolean
  /** Report libp2p's own metrics into this registry. */
  metricsRegistry?: Registry
}

/** How many connections one host may open towards us in local-network mode (many local nodes share 127.0.0.1). */
const LOCAL_INBOUND_THRESHOLD = 10_000

/**
 * libp2p 3 with TCP, Noise, yamux, identify, ping and a private kad-dht in
 * server mode whose only custom namespace is `/pqk/`, its validator and
 * selector passed in at creation.
 */
export async function buildLibp2p (init: BuildLibp2pInit): Promise<KeydirLibp2p> {
  return createLibp2p({
    privateKey: init.privateKey,
    datastore: init.datastore,
    start: false,
    addresses: { listen: init.listen },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    connectionManager: init.localNetwork
      ? { inboundConnectionThreshold: LOCAL_INBOUND_THRESHOLD, maxIncomingPendingConnections: 1000 }
      : {},
    // On loopback the monitor's 10 s pings only keep the event loop busy.
    connectionMonitor: { enabled: !init.localNetwork },
    metrics: init.metricsRegistry == null
      ? undefined
      : prometheusMetrics({ registry: init.metricsRegistry, preserveExistingMetrics: true, collectDefaultMetrics: false }),
    services: {
      identify: identify(),
      ping: ping(),
      dht: kadDHT({
        protocol: init.dhtProtocol,
        clientMode: false,
        datastorePrefix: DHT_DATASTORE_PREFIX,
        // Local networks need private and loopback addresses kept in the routing table.
        peerInfoMapper: init.localNetwork ? passthroughMapper : removePrivateAddressesMapper,
        validators: { pqk: init.pqkValidator },
        selectors: { pqk: pqkSelector }
      })
    }
  })
}
