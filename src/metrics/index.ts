import { Counter, Gauge, Histogram, Registry } from 'prom-client'
import { keydirVersion } from '../util/version.js'
import { KNOWN_SERIES } from './known-series.js'
import { addProcessMetrics } from './process.js'

export { addProcessMetrics } from './process.js'
export { KNOWN_SERIES, type Series } from './known-series.js'

/**
 * Every keydir metric, registered in one place on one prom-client registry
 * (libp2p's own metrics join the same registry in the node). Layers receive
 * this object and only increment or observe.
 */
export interface KeydirMetrics {
  readonly registry: Registry
  /** Always 1; its labels say what runs: keydir's `version`, `node` (Node.js) and `openssl`. */
  readonly buildInfo: Gauge<'version' | 'node' | 'openssl'>
  /** Peers whose record the peer itself or an anchor confirmed; read from the registry's counts per scrape (countRegistryWith). */
  readonly verifiedPeers: Gauge
  /** Stored registry records, by `kind` (all, unsolicited); read from the registry's counts per scrape. */
  readonly registryRecords: Gauge<'kind'>
  /** Peers learned unasked (KeyRequests, discovery on connect) not kept, by `result` (rate_limited, evicted). */
  readonly unsolicitedRecords: Counter<'result'>
  /** Expired registry records collected, by `what` (records, pins: those of unsolicited peers go with their record). */
  readonly registryCollected: Counter<'what'>
  /** HTTP requests refused before any route ran, by `reason` (ERR_HOST_NOT_ALLOWED, ERR_BAD_CHALLENGE). */
  readonly apiRefusals: Counter<'reason'>
  /** Direct KeyRequest/KeyResponse exchanges, by `result` (success, failure) and `role` (requester, responder). */
  readonly keyExchanges: Counter<'result' | 'role'>
  /** Key pushes (a rotated record sent to holders), by `result` (sent, failed, stored, unchanged, refused) and `role` (pusher, receiver). */
  readonly keyPushes: Counter<'result' | 'role'>
  /** Resolves served from the registry past its refresh time, by `result` (background, refreshed, stale). */
  readonly registryRefreshes: Counter<'result'>
  /** Time to learn a peer's keys, by `path` (registry, anchor, dht, direct). */
  readonly keyDiscoverySeconds: Histogram<'path'>
  /** Records, requests, responses or equivocation proofs refused, by `source` (dht, exchange, push, history, registry, resolve, evidence) and `reason` (the error code). */
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
   * Equivocation proofs this node took (stored for a peer for the first
   * time), by `source`: dht_lookup, dht_store, exchange, push, api,
   * dht_evidence. Refused evidence counts in verificationFailures, source `evidence`.
   */
  readonly equivocations: Counter<'source'>
  /** Envelopes sealed and opened, by `ok` or the error code. */
  readonly envelopes: Counter<'op' | 'result'>
  /** Messages signed, and signatures checked against the directory (current, earlier_key, invalid, or the error code). */
  readonly signatures: Counter<'op' | 'result'>
  /** Changes of peers' keys (the node's `key-change` events), by `change` (new, rotated, revoked, equivocated), each present from the start. */
  readonly keyChanges: Counter<'change'>
  /** Secure sessions (src/session), by `role` (initiator, responder) and `outcome` (opened, or the SessionError code that refused or broke one). */
  readonly sessions: Counter<'role' | 'outcome'>
  /** Peers below the reputation threshold; read from the scores per scrape (showScoresWith). */
  readonly peersBelowThreshold: Gauge
  /** Scores of the peers at each end of the range, by `peer`; read from the scores per scrape (showScoresWith). */
  readonly peerScores: Gauge<'peer'>
  /** Outcomes of dealing with peers that this node noted in their scores, by `outcome` (valid, stale, invalid, withheld, timeout, refused), each present from the start. */
  readonly peerOutcomes: Counter<'outcome'>
  /**
   * Where keydir_peers_below_threshold and keydir_peer_score get their
   * values when the metrics are read. keydir_peer_score shows at most
   * MAX_SCORED_PEERS_SHOWN peers with the lowest scores and as many with
   * the highest, so /metrics does not grow with every peer scored. Returns
   * a function that detaches these scores (if they are still the ones set).
   */
  showScoresWith (scores: PeerScoresView): () => void
  /**
   * Where keydir_verified_peers and keydir_registry_records get their
   * counts when the metrics are read: the registry keeps them as entries
   * change, so a scrape scans nothing. Returns a function that detaches
   * these counts (if they are still the ones set).
   */
  countRegistryWith (counts: () => RegistryCountsView): () => void
}

/** The registry's counts, as the metrics read them. */
export interface RegistryCountsView {
  records: number
  verified: number
  unsolicited: number
}

/** The node's peer scores, as the metrics read them. */
export interface PeerScoresView {
  /** How many peers lookups skip now. */
  belowThresholdCount (): number
  /** The `limit` lowest-scored peers and the `limit` highest-scored, each once. */
  extremes (limit: number): Array<{ peer: string, score: number }>
}

/** Peers at each end of the score range that keydir_peer_score shows: 200 series at most, whatever the number of peers scored. */
export const MAX_SCORED_PEERS_SHOWN = 100

export interface KeydirMetricsInit {
  /**
   * Add prom-client's default `process_*` and `nodejs_*` metrics to the
   * registry (made once per process, see addProcessMetrics). Default true;
   * false for a registry that is merged with one that has them already.
   */
  processMetrics?: boolean
}

const latencyBuckets = [0.00001, 0.0001, 0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30]

export function createKeydirMetrics (registry: Registry = new Registry(), init: KeydirMetricsInit = {}): KeydirMetrics {
  const registers = [registry]
  let registryCounts: (() => RegistryCountsView) | undefined
  let peerScores: PeerScoresView | undefined
  if (init.processMetrics !== false) addProcessMetrics(registry)
  const buildInfo = new Gauge({ name: 'keydir_build_info', help: 'Always 1: the labels say which keydir, Node.js and OpenSSL run', labelNames: ['version', 'node', 'openssl'], registers })
  buildInfo.set({ version: keydirVersion(), node: process.version, openssl: process.versions.openssl ?? 'none' }, 1)
  const metrics: KeydirMetrics = {
    registry,
    buildInfo,
    verifiedPeers: new Gauge({
      name: 'keydir_verified_peers',
      help: 'Peers whose key record was confirmed by the peer itself or by an anchor',
      registers,
      collect () {
        if (registryCounts !== undefined) this.set(registryCounts().verified)
      }
    }),
    registryRecords: new Gauge({
      name: 'keydir_registry_records',
      help: 'Stored registry records (expired ones until collected), all and those learned unasked',
      labelNames: ['kind'],
      registers,
      collect () {
        if (registryCounts === undefined) return
        const counts = registryCounts()
        this.set({ kind: 'all' }, counts.records)
        this.set({ kind: 'unsolicited' }, counts.unsolicited)
      }
    }),
    unsolicitedRecords: new Counter({ name: 'keydir_unsolicited_records_total', help: 'Peers learned unasked that were not kept: over the per-minute bound, or evicted for newer ones', labelNames: ['result'], registers }),
    apiRefusals: new Counter({ name: 'keydir_api_refusals_total', help: 'HTTP requests refused before any route ran: a Host the API does not answer for, a malformed Keydir-Challenge', labelNames: ['reason'], registers }),
    registryCollected: new Counter({ name: 'keydir_registry_collected_total', help: 'Expired registry records collected, and pins of unsolicited peers collected with them', labelNames: ['what'], registers }),
    keyExchanges: new Counter({ name: 'keydir_key_exchanges_total', help: 'Direct key exchanges by result and role', labelNames: ['result', 'role'], registers }),
    keyPushes: new Counter({ name: 'keydir_key_pushes_total', help: 'Rotated records pushed to holders, by result and role', labelNames: ['result', 'role'], registers }),
    registryRefreshes: new Counter({ name: 'keydir_registry_refreshes_total', help: 'Registry answers past refreshAfterMs: re-checked in the background, re-checked before answering, answered stale because the network could not be reached, or answered without a re-check because the last one could not reach the network (backed_off)', labelNames: ['result'], registers }),
    keyDiscoverySeconds: new Histogram({ name: 'keydir_key_discovery_seconds', help: 'Time to resolve a peer\'s keys, by the path that answered', labelNames: ['path'], buckets: latencyBuckets, registers }),
    verificationFailures: new Counter({ name: 'keydir_verification_failures_total', help: 'Refused records, requests and responses, by source and reason', labelNames: ['source', 'reason'], registers }),
    dhtResolveSeconds: new Histogram({ name: 'keydir_dht_resolve_seconds', help: 'DHT record lookups, by outcome', labelNames: ['outcome'], buckets: latencyBuckets, registers }),
    registryLookups: new Counter({ name: 'keydir_registry_lookups_total', help: 'Registry reads, by hit or miss', labelNames: ['result'], registers }),
    recordsPublished: new Counter({ name: 'keydir_records_published_total', help: 'Own key records put into the DHT, by result (ml_dsa_peer_id_failure: the second put, under the ML-DSA PeerId, failed)', labelNames: ['result'], registers }),
    corruptRegistryValues: new Counter({ name: 'keydir_registry_corrupt_values_total', help: 'Stored registry values that failed to decode or validate and were skipped', registers }),
    expiredRequests: new Counter({ name: 'keydir_expired_requests_total', help: 'Pending key requests removed after their 30 s expiry', registers }),
    registryWriteFailures: new Counter({ name: 'keydir_registry_write_failures_total', help: 'Resolved keys that could not be written to the registry (returned, then forgotten)', registers }),
    equivocations: new Counter({ name: 'keydir_equivocations_total', help: 'Equivocation proofs taken (a peer signed two records of one seq), by where they came from', labelNames: ['source'], registers }),
    envelopes: new Counter({ name: 'keydir_envelopes_total', help: 'Sealed envelopes made and opened, by operation and result (ok or the error code)', labelNames: ['op', 'result'], registers }),
    signatures: new Counter({ name: 'keydir_signatures_total', help: 'Messages signed and signatures checked against the directory, by operation and result', labelNames: ['op', 'result'], registers }),
    keyChanges: new Counter({ name: 'keydir_key_changes_total', help: 'Changes of peers\' keys this node saw, by kind: new peer, rotated key, revoked, equivocated', labelNames: ['change'], registers }),
    peerOutcomes: new Counter({ name: 'keydir_peer_outcomes_total', help: 'Outcomes of dealing with peers, noted in their scores: valid, stale, invalid, withheld, timeout, refused', labelNames: ['outcome'], registers }),
    sessions: new Counter({ name: 'keydir_sessions_total', help: 'Secure sessions opened, refused or broken, by role and outcome (opened, or the error code)', labelNames: ['role', 'outcome'], registers }),
    peersBelowThreshold: new Gauge({
      name: 'keydir_peers_below_threshold',
      help: 'Peers whose score is below the reputation threshold: lookups ask them last, or skip them',
      registers,
      collect () { this.set(peerScores?.belowThresholdCount() ?? 0) }
    }),
    peerScores: new Gauge({
      name: 'keydir_peer_score',
      help: `Peers' scores (decayed to now, 2 decimals): the ${MAX_SCORED_PEERS_SHOWN} lowest and the ${MAX_SCORED_PEERS_SHOWN} highest`,
      labelNames: ['peer'],
      registers,
      collect () {
        // Peers that left the shown set leave the output too.
        this.reset()
        for (const { peer, score } of peerScores?.extremes(MAX_SCORED_PEERS_SHOWN) ?? []) this.set({ peer }, Math.round(score * 100) / 100)
      }
    }),
    showScoresWith (scores) {
      peerScores = scores
      return () => { if (peerScores === scores) peerScores = undefined }
    },
    countRegistryWith (counts) {
      registryCounts = counts
      return () => { if (registryCounts === counts) registryCounts = undefined }
    }
  }
  zeroKnownSeries(registry)
  return metrics
}

/** Every known series of the labelled counters and histograms at zero (known-series.ts). */
function zeroKnownSeries (registry: Registry): void {
  for (const [name, series] of Object.entries(KNOWN_SERIES)) {
    const metric = registry.getSingleMetric(name)
    if (metric instanceof Counter) {
      for (const labels of series) metric.inc(labels, 0)
    } else if (metric instanceof Histogram) {
      for (const labels of series) metric.zero(labels)
    }
  }
}
