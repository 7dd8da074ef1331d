import { Counter, Gauge, Histogram, Registry } from 'prom-client'

/**
 * Every keydir metric, registered in one place on one prom-client registry
 * (libp2p's own metrics join the same registry in the node). Layers receive
 * this object and only increment or observe.
 */
export interface KeydirMetrics {
  readonly registry: Registry
  /** Peers whose record the peer itself or an anchor confirmed; counted when the metrics are read (countVerifiedPeersWith). */
  readonly verifiedPeers: Gauge
  /** Direct KeyRequest/KeyResponse exchanges, by `result` (success, failure) and `role` (requester, responder). */
  readonly keyExchanges: Counter<'result' | 'role'>
  /** Time to learn a peer's keys, by `path` (registry, anchor, dht, direct). */
  readonly keyDiscoverySeconds: Histogram<'path'>
  /** Records, requests or responses refused, by `source` (dht, exchange, registry, resolve) and `reason` (the error code). */
  readonly verificationFailures: Counter<'source' | 'reason'>
  /** DHT lookups for a record, by `outcome` (found, not_found, error). */
  readonly dhtResolveSeconds: Histogram<'outcome'>
  /** Registry reads by `result` (hit, miss). */
  readonly registryLookups: Counter<'result'>
  /** Own records put into the DHT, by `result` (success, failure). */
  readonly recordsPublished: Counter<'result'>
  /** Stored registry values that failed to decode or validate. */
  readonly corruptRegistryValues: Counter
  /** Pending KeyRequests removed by the 30 s expiry. */
  readonly expiredRequests: Counter
  /** Resolved keys the registry could not write to LevelDB (they were returned, then forgotten). */
  readonly registryWriteFailures: Counter
  /**
   * Where keydir_verified_peers gets its count when the metrics are read:
   * counting means listing the registry, so it is done per scrape, not on a
   * timer. Returns a function that detaches this count (if it is still the one set).
   */
  countVerifiedPeersWith (count: () => Promise<number>): () => void
}

const latencyBuckets = [0.00001, 0.0001, 0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30]

export function createKeydirMetrics (registry: Registry = new Registry()): KeydirMetrics {
  const registers = [registry]
  let countVerified: (() => Promise<number>) | undefined
  return {
    registry,
    verifiedPeers: new Gauge({
      name: 'keydir_verified_peers',
      help: 'Peers whose key record was confirmed by the peer itself or by an anchor',
      registers,
      async collect () {
        if (countVerified !== undefined) this.set(await countVerified())
      }
    }),
    keyExchanges: new Counter({ name: 'keydir_key_exchanges_total', help: 'Direct key exchanges by result and role', labelNames: ['result', 'role'], registers }),
    keyDiscoverySeconds: new Histogram({ name: 'keydir_key_discovery_seconds', help: 'Time to resolve a peer\'s keys, by the path that answered', labelNames: ['path'], buckets: latencyBuckets, registers }),
    verificationFailures: new Counter({ name: 'keydir_verification_failures_total', help: 'Refused records, requests and responses, by source and reason', labelNames: ['source', 'reason'], registers }),
    dhtResolveSeconds: new Histogram({ name: 'keydir_dht_resolve_seconds', help: 'DHT record lookups, by outcome', labelNames: ['outcome'], buckets: latencyBuckets, registers }),
    registryLookups: new Counter({ name: 'keydir_registry_lookups_total', help: 'Registry reads, by hit or miss', labelNames: ['result'], registers }),
    recordsPublished: new Counter({ name: 'keydir_records_published_total', help: 'Own key records put into the DHT, by result', labelNames: ['result'], registers }),
    corruptRegistryValues: new Counter({ name: 'keydir_registry_corrupt_values_total', help: 'Stored registry values that failed to decode or validate and were skipped', registers }),
    expiredRequests: new Counter({ name: 'keydir_expired_requests_total', help: 'Pending key requests removed after their 30 s expiry', registers }),
    registryWriteFailures: new Counter({ name: 'keydir_registry_write_failures_total', help: 'Resolved keys that could not be written to the registry (returned, then forgotten)', registers }),
    countVerifiedPeersWith (count) {
      countVerified = count
      return () => { if (countVerified === count) countVerified = undefined }
    }
  }
}
