import { NO_PEERS_ADVICE } from '../dht/index.js'
import { errorCode, KeydirError, ResolveError, type PathFailure } from '../errors.js'
import { silentLogger } from '../util/log.js'
import { countOption } from '../util/options.js'
import { peerIdOf } from '../util/peer-id.js'
import { RefreshBackoff } from './refresh-backoff.js'
import { admitWithEarlierHistory } from './earlier-history.js'
import { equivocatedError } from './equivocated.js'
import { MlDsaPeerIdResolver } from './ml-dsa-peer-id.js'
import { SharedRuns } from './shared-runs.js'
import { selectPqCrypto } from '../crypto/index.js'
import type { DhtLookup, DhtLookupProgressEvents } from '../dht/index.js'
import type { KeyExchange, KeyHistory } from '../exchange/index.js'
import type { KeydirMetrics } from '../metrics/index.js'
import type { KeyRecord } from '../record/index.js'
import type { FollowedRotation, PeerKeyRegistry, Pin, RegistryEntry, StoreAdmission, TrustLevel } from '../registry/index.js'
import type { KeydirLogger } from '../util/log.js'
import type { ProgressEvent } from '../util/progress.js'
import type { PqCrypto } from '../crypto/types.js'
import type { AbortOptions, PeerId } from '@libp2p/interface'

/** The multicodec code of SHA-256, the hash of an ML-DSA PeerId's multihash. */
const SHA2_256 = 0x12

export type ResolveSource = 'self' | 'registry' | 'anchor' | 'dht' | 'direct'

export interface ResolvedRecord {
  record: KeyRecord
  trust: TrustLevel
  source: ResolveSource
  /** Served from the registry past maxStaleMs because the network could not be reached to re-check it. */
  stale: boolean
  /** Set when this lookup's answer was admitted by following a rotation from the pinned key (each hand-over verified). */
  rotated?: FollowedRotation
  /**
   * Which PeerId the caller asked by: the libp2p PeerId (absent, or
   * 'peerId'), the ML-DSA PeerId of the answer's key ('mlDsaPeerId'), or
   * that of an earlier key the answer's descends from
   * ('previousMlDsaPeerId', that PeerId in `previousMlDsaPeerId`).
   */
  asked?: AskedAs
  previousMlDsaPeerId?: string
}

/** Which of a node's PeerIds a resolve was asked by (see ResolvedRecord.asked). */
export type AskedAs = 'peerId' | 'mlDsaPeerId' | 'previousMlDsaPeerId'

export interface ResolverComponents {
  registry: PeerKeyRegistry
  metrics: KeydirMetrics
  logger?: KeydirLogger
  /** Checks the hand-overs from an earlier key to the current one when resolving an ML-DSA PeerId. Default selectPqCrypto(). */
  crypto?: PqCrypto
  /** This node's PeerId and current record. */
  selfPeerId: PeerId
  selfRecord: () => KeyRecord
  /** Absent when the DHT path is turned off. */
  dht?: Pick<DhtLookup, 'findValue'>
  /** Absent when the direct path is turned off. */
  exchange?: KeyExchange
  /**
   * Fetches a peer's hand-overs beyond what its record carries; absent when
   * the direct path is turned off (such a record then stays refused,
   * ERR_HISTORY_BEYOND_BOUND).
   */
  history?: Pick<KeyHistory, 'fetchHistory'>
  /** Whether a peer is a configured bootstrap anchor. */
  isAnchor: (peerId: PeerId) => boolean
  /**
   * Whether a lookup of the peer could reach anyone: false when the node
   * has no DHT peer, no connection and no address of the peer, and the
   * lookup fails at once (ERR_NO_PEERS) rather than at its timeout.
   * Absent: always true.
   */
  canReach?: (peerId: PeerId) => Promise<boolean>
}

export interface ResolverInit {
  /** Default 10 s. */
  timeoutMs?: number
  /** A registry answer older than this (since the network last confirmed it) is re-checked in the background. Default 5 minutes. */
  refreshAfterMs?: number
  /** A registry answer older than this is re-checked before answering; served (stale) only when the network cannot be reached. Default 1 hour. */
  maxStaleMs?: number
  now?: () => number
}

export interface ResolveOptions extends AbortOptions {
  /** Skip the registry and ask the network again. */
  refresh?: boolean
  /**
   * Hears the network lookup as it goes (nothing for an answer from the
   * registry): which path it tries, each DHT answer's result as it is
   * checked, the first contact's quorum. A listener that throws is logged,
   * and the resolve goes on.
   */
  onProgress?: (event: ResolveProgressEvents) => void
}

/** A network path of the resolve starts: the anchor's direct exchange, the DHT lookup, or the direct exchange after it. */
export interface ResolvePathDetail {
  path: Exclude<ResolveSource, 'self' | 'registry'>
  /**
   * The PeerId it looks up: the one asked for, or, for a resolve by ML-DSA
   * PeerId, first that PeerId (its key's DHT entry) and then the libp2p
   * PeerId its record names. The answers that follow are that lookup's.
   */
  peer: PeerId
}

/** A resolve's progress: its paths, and its DHT lookup's answers (DhtLookupProgressEvents). */
export type ResolveProgressEvents = ProgressEvent<'keydir:resolve:path', ResolvePathDetail> | DhtLookupProgressEvents

type OnResolveProgress = (event: ResolveProgressEvents) => void

const minute = 60_000
const DEFAULT_TIMEOUT_MS = 10_000
export const DEFAULT_REFRESH_AFTER_MS = 5 * minute
export const DEFAULT_MAX_STALE_MS = 60 * minute
/** The share of the resolve timeout a DHT lookup may take when the direct request comes after it. */
const DHT_SHARE_BEFORE_DIRECT = 0.6
/**
 * The lookup failures that mean the network could not be reached, not that
 * the peer's answer was refused: a record beyond the bound whose peer could
 * not be asked for its earlier hand-overs is neither taken nor refused.
 */
const UNREACHABLE = new Set(['ERR_NOT_FOUND', 'ERR_RESOLVE_TIMEOUT', 'ERR_HISTORY_UNREACHABLE', 'ERR_NO_PEERS'])

/**
 * The resolution order of the design: registry, anchors, DHT, direct
 * request, then a clear not-found. Concurrent resolves of one peer share a
 * single network lookup; each caller may still give up on its own signal.
 * A registry entry is served as it is until refreshAfterMs after the
 * network last confirmed it; then it is served while a lookup re-checks it
 * in the background; past maxStaleMs the lookup runs first, and the entry
 * is served (marked stale) only if the network cannot be reached. After a
 * lookup that could not reach the network, the peer's entry is served
 * without another for a while (RefreshBackoff).
 */
export class Resolver {
  private readonly components: ResolverComponents
  private readonly timeoutMs: number
  private readonly refreshAfterMs: number
  private readonly maxStaleMs: number
  private readonly now: () => number
  private readonly log: KeydirLogger
  private readonly inFlight: SharedRuns
  private readonly byMlDsaPeerId: MlDsaPeerIdResolver
  private readonly backoff: RefreshBackoff

  constructor (components: ResolverComponents, init: ResolverInit = {}) {
    this.components = components
    // Errors name the node's options (resolveTimeoutMs...), which is what nearly every caller set.
    this.timeoutMs = countOption('resolveTimeoutMs', init.timeoutMs, DEFAULT_TIMEOUT_MS)
    this.refreshAfterMs = countOption('refreshAfterMs', init.refreshAfterMs, DEFAULT_REFRESH_AFTER_MS, 0)
    this.maxStaleMs = Math.max(countOption('maxStaleMs', init.maxStaleMs, DEFAULT_MAX_STALE_MS, 0), this.refreshAfterMs)
    this.backoff = new RefreshBackoff(this.refreshAfterMs)
    this.now = init.now ?? Date.now
    this.log = components.logger ?? silentLogger
    this.inFlight = new SharedRuns(this.log)
    this.byMlDsaPeerId = new MlDsaPeerIdResolver({
      registry: components.registry,
      crypto: components.crypto ?? selectPqCrypto(),
      metrics: components.metrics,
      log: this.log,
      dht: components.dht,
      timeoutMs: this.timeoutMs,
      selfRecord: components.selfRecord,
      resolvePeer: async (peerId, options) => this.resolve(peerId, options),
      admit: async (record, signal) => {
        const { entry, followed } = await this.store(record, 'dht', false, signal)
        return { record: entry.record, trust: entry.trust, source: 'dht', stale: false, ...(followed === undefined ? {} : { rotated: followed }) }
      },
      canReach: components.canReach
    })
  }

  /**
   * A peer's keys by its libp2p (Ed25519) PeerId, or by an ML-DSA PeerId
   * of its key (a SHA-256 multihash, which libp2p parses as an RSA PeerId
   * without a key): see MlDsaPeerIdResolver. An RSA PeerId that carries
   * its key is ERR_UNSUPPORTED_PEER_ID.
   */
  async resolve (peer: PeerId | string, options: ResolveOptions = {}): Promise<ResolvedRecord> {
    const peerId = parsePeerId(peer)
    // By form, not by libp2p's type name: a SHA-256 multihash without its key is an ML-DSA PeerId to keydir, whatever type libp2p gives it (RSA today).
    if (peerId.toMultihash().code === SHA2_256 && peerId.publicKey === undefined) return this.byMlDsaPeerId.resolve(peerId, options)
    if (peerId.type === 'RSA') {
      throw new ResolveError('ERR_UNSUPPORTED_PEER_ID', `${peerId.toString()} is an RSA PeerId: keydir holds records of Ed25519 PeerIds (and finds them by ML-DSA PeerId too), never of RSA ones`)
    }
    // This node's own identity too, once revoked.
    if (this.components.registry.getRevocation(peerId) !== undefined) throw revoked(peerId)
    // A peer proven to have signed two records of one seq: whatever it serves, its keys are not used.
    const equivocation = this.components.registry.getEquivocation(peerId)
    if (equivocation !== undefined) throw this.equivocated(peerId, equivocation.seq)
    if (peerId.equals(this.components.selfPeerId)) {
      return { record: this.components.selfRecord(), trust: 'self', source: 'self', stale: false }
    }
    let pin: Promise<Pin | undefined> | undefined
    if (options.refresh !== true) {
      const { registry } = this.components
      let cached = registry.getCached(peerId)
      if (cached == null) {
        // Not in memory: LevelDB next. Read the pin a DHT lookup needs at the same time, not after it.
        pin = this.readPin(peerId)
        cached = await registry.get(peerId)
      }
      this.components.metrics.registryLookups.inc({ result: cached == null ? 'miss' : 'hit' })
      if (cached != null) {
        // A peer learned unasked is now one this node uses: it leaves the bounded store.
        registry.noteResolved(peerId)
        return this.fromRegistry(peerId, cached, pin, options)
      }
    }
    return this.sharedLookup(peerId, pin, options)
  }

  /** A registry hit, by its age since the network last confirmed it (see the class comment). */
  private async fromRegistry (peerId: PeerId, cached: RegistryEntry, pin: Promise<Pin | undefined> | undefined, options: ResolveOptions): Promise<ResolvedRecord> {
    const answer: ResolvedRecord = { record: cached.record, trust: cached.trust, source: 'registry', stale: false }
    const now = this.now()
    const age = now - (this.components.registry.checkedAt(peerId) ?? cached.storedAt)
    if (age < this.refreshAfterMs) return answer
    // The last re-check could not reach the network, a moment ago: the entry as it is, without another lookup.
    if (this.backoff.waiting(peerId.toString(), now)) {
      this.components.metrics.registryRefreshes.inc({ result: 'backed_off' })
      return { ...answer, stale: age >= this.maxStaleMs }
    }
    if (age < this.maxStaleMs) {
      this.components.metrics.registryRefreshes.inc({ result: 'background' })
      // Its failure is logged by the lookup; the caller has its answer.
      this.sharedLookup(peerId, pin).catch(() => {})
      return answer
    }
    try {
      const fresh = await this.sharedLookup(peerId, pin, options)
      this.components.metrics.registryRefreshes.inc({ result: 'refreshed' })
      return fresh
    } catch (err) {
      if (!UNREACHABLE.has(errorCode(err))) throw err
      this.components.metrics.registryRefreshes.inc({ result: 'stale' })
      this.log.info({ peer: peerId.toString(), ageMs: age, code: errorCode(err) }, 'served registry keys past maxStaleMs: the network could not be reached')
      return { ...answer, stale: true }
    }
  }

  /**
   * The peer equivocated. It was asked for, so it is a peer this node uses:
   * one learned unasked leaves the bounded store of such peers, and its
   * proof is kept for good, not dropped with it.
   */
  private equivocated (peerId: PeerId, seq: number): KeydirError {
    this.components.registry.noteResolved(peerId)
    return equivocatedError(peerId, seq)
  }

  /** One network lookup per peer at a time, shared by every caller; each may give up on its own signal, and hears the progress while it waits. */
  private async sharedLookup (peerId: PeerId, pin?: Promise<Pin | undefined>, options: ResolveOptions = {}): Promise<ResolvedRecord> {
    return this.inFlight.join(peerId.toString(), options, async onProgress => this.lookup(peerId, pin, onProgress))
  }

  /**
   * The network part, bounded by the resolve timeout and shared by
   * concurrent callers. A miss (not found, timed out, no peers) is an
   * outcome, not a fault: one line at info, and the typed error.
   */
  private async lookup (peerId: PeerId, pin: Promise<Pin | undefined> | undefined, onProgress: OnResolveProgress): Promise<ResolvedRecord> {
    const key = peerId.toString()
    const startedAt = this.now()
    try {
      const resolved = await this.lookupPaths(peerId, pin, onProgress)
      this.backoff.reached(key)
      return resolved
    } catch (err) {
      if (UNREACHABLE.has(errorCode(err))) {
        this.backoff.failed(key, this.now(), startedAt)
        this.log.info({ peer: key, code: errorCode(err), err: (err as Error).message }, 'could not resolve peer keys')
      }
      throw err
    }
  }

  private async lookupPaths (peerId: PeerId, pin: Promise<Pin | undefined> | undefined, onProgress: OnResolveProgress): Promise<ResolvedRecord> {
    if (this.components.canReach !== undefined && !await this.components.canReach(peerId)) {
      throw new ResolveError('ERR_NO_PEERS', `cannot look up ${peerId.toString()}: this node has no DHT peers, no connections and no address of that peer; ${NO_PEERS_ADVICE}`)
    }
    const started = performance.now()
    const signal = AbortSignal.timeout(this.timeoutMs)
    const failures: PathFailure[] = []
    // The most telling failure: a record past the bound whose peer could not be asked for the earlier hand-overs.
    let historyUnreachable: KeydirError | undefined
    const anchor = this.components.isAnchor(peerId)
    // An anchor is dialled at start, so asking it directly is the quick path to its record.
    // A DHT lookup that peers keep busy (silent peers near the key) must leave the direct request its turn.
    const dhtFirst = this.components.exchange === undefined ? signal : AbortSignal.any([signal, AbortSignal.timeout(Math.round(this.timeoutMs * DHT_SHARE_BEFORE_DIRECT))])
    const paths: Array<[ResolvePathDetail['path'], (() => Promise<KeyRecord>) | undefined]> = anchor
      ? [['anchor', this.direct(peerId, signal)], ['dht', this.fromDht(peerId, signal, pin, onProgress)]]
      : [['dht', this.fromDht(peerId, dhtFirst, pin, onProgress)], ['direct', this.direct(peerId, signal)]]

    for (const [source, fetch] of paths) {
      if (fetch == null) continue
      onProgress({ type: 'keydir:resolve:path', detail: { path: source, peer: peerId } })
      try {
        const record = await fetch()
        const { entry, followed } = await this.store(record, source === 'dht' ? 'dht' : 'direct', source !== 'dht', signal)
        this.components.metrics.keyDiscoverySeconds.observe({ path: source }, (performance.now() - started) / 1000)
        this.log.info({ peer: peerId.toString(), path: source, seq: entry.record.seq, trust: entry.trust }, 'resolved peer keys')
        const resolved: ResolvedRecord = { record: entry.record, trust: entry.trust, source, stale: false }
        if (followed !== undefined) resolved.rotated = followed
        return resolved
      } catch (err) {
        failures.push({ path: source, code: failureName(err) })
        this.log.debug({ peer: peerId.toString(), path: source, code: errorCode(err), err: (err as Error).message }, 'resolution path failed')
        // A revocation the registry kept ends the resolve: no other path may answer with a record.
        if (errorCode(err) === 'ERR_REVOKED') throw err
        // So does a proof that the peer equivocated, found by this path (its answers conflicted, or the DHT held one).
        const equivocation = this.components.registry.getEquivocation(peerId)
        if (equivocation !== undefined) throw this.equivocated(peerId, equivocation.seq)
        if (errorCode(err) === 'ERR_HISTORY_UNREACHABLE') historyUnreachable = err as KeydirError
        if (err instanceof KeydirError && err.code !== 'ERR_NOT_FOUND') {
          this.components.metrics.verificationFailures.inc({ source: 'resolve', reason: err.code })
        }
        if (signal.aborted) break
      }
    }
    if (historyUnreachable !== undefined) throw historyUnreachable
    const tried = failures.map(f => `${f.path}: ${f.code}`).join(', ')
    if (signal.aborted) {
      throw new ResolveError('ERR_RESOLVE_TIMEOUT', `resolving ${peerId.toString()} took longer than ${this.timeoutMs} ms (${tried || 'no answer'})`, { paths: failures })
    }
    throw new ResolveError('ERR_NOT_FOUND', `no valid keys found for ${peerId.toString()} (${tried || 'no path enabled'})`, { paths: failures })
  }

  /**
   * The pin's seq makes the lookup a refresh (its first answer at or above
   * the pin ends it); without a pin it is a first contact, by quorum over
   * disjoint paths (see DhtLookup).
   */
  private fromDht (peerId: PeerId, signal: AbortSignal, pinRead: Promise<Pin | undefined> | undefined, onProgress: OnResolveProgress): (() => Promise<KeyRecord>) | undefined {
    const dht = this.components.dht
    if (dht == null) return undefined
    return async () => {
      const pin = await (pinRead ?? this.components.registry.getPin(peerId))
      const value = await dht.findValue(peerId, {
        signal,
        minSeq: pin?.highestSeq ?? 0,
        onProgress,
        acceptRevocation: revocation => this.components.registry.revocationApplies(revocation),
        acceptEquivocation: proof => this.components.registry.equivocationApplies(proof)
      })
      if (value.kind === 'record') return value.record
      if (value.kind === 'equivocation') {
        // Found in the DHT: kept, counted and spread by the registry's taker, like one this node made itself.
        await this.components.registry.storeEquivocation(value.proof, 'dht_evidence', peerId)
        throw this.equivocated(peerId, value.proof.seq)
      }
      // Kept only if it may revoke this peer here (for a pinned peer, signed by a key linked to the pin); else this path failed.
      await this.components.registry.storeRevocation(value.revocation)
      this.log.warn({ peer: peerId.toString(), reason: value.revocation.reason }, 'peer is revoked: its revocation certificate came from the DHT')
      throw revoked(peerId)
    }
  }

  /** The pin read started early; a failure surfaces where it is awaited, never as an unhandled rejection. */
  private readPin (peerId: PeerId): Promise<Pin | undefined> {
    const pin = this.components.registry.getPin(peerId)
    pin.catch(() => {})
    return pin
  }

  private direct (peerId: PeerId, signal: AbortSignal): (() => Promise<KeyRecord>) | undefined {
    const exchange = this.components.exchange
    if (exchange == null) return undefined
    return async () => exchange.request(peerId, { signal })
  }

  /**
   * Admit through the registry's pin and rollback rules and return the entry
   * it now holds, without waiting for the disk write: the record is
   * validated and admitted, and a busy event loop can take milliseconds to
   * hand back LevelDB's completion. A write that fails is logged and counted;
   * the registry then forgets the entry, so the next resolve asks again.
   * A record whose history goes beyond what it carries
   * (ERR_HISTORY_BEYOND_BOUND) is admitted again with the earlier
   * hand-overs, fetched from the peer. `followed`: the rotation admitting
   * it followed, if any.
   */
  private async store (record: KeyRecord, trust: 'dht' | 'direct', verified: boolean, signal: AbortSignal): Promise<{ entry: RegistryEntry, followed?: FollowedRotation }> {
    const { registry, history } = this.components
    // Found on the network just now: an unchanged record counts as checked.
    const options = { verified, checked: true }
    let admission: StoreAdmission
    try {
      admission = await registry.admitPeerKeys(record, trust, options)
    } catch (err) {
      if (errorCode(err) !== 'ERR_HISTORY_BEYOND_BOUND' || history == null) throw err
      this.log.info({ peer: record.peerId.toString(), seq: record.seq }, 'record is beyond the history a record carries: asking the peer for the earlier hand-overs')
      admission = await admitWithEarlierHistory({ registry, history }, record, trust, options, err as Error, signal)
    }
    const { entry, written, followed } = admission
    written.catch(err => {
      this.components.metrics.registryWriteFailures.inc()
      this.log.error({ peer: record.peerId.toString(), code: errorCode(err), err: (err as Error).message }, 'could not write resolved keys to the registry')
    })
    if (entry == null) {
      throw new ResolveError('ERR_NOT_FOUND', 'record was refused by the registry')
    }
    return { entry, followed }
  }
}

/** A path's failure in a resolve error's message: its code, or the name of an error keydir did not type (a dial's, say). */
function failureName (err: unknown): string {
  const code = errorCode(err)
  const name = (err as { name?: unknown })?.name
  return code === 'ERR_UNEXPECTED' && typeof name === 'string' && name !== 'Error' ? name : code
}

/** What resolving a revoked peer throws: the same code in the library, HTTP (410) and the CLI. */
function revoked (peerId: PeerId): ResolveError {
  return new ResolveError('ERR_REVOKED', `${peerId.toString()} is revoked: its owner (or whoever held its keys) published a revocation certificate, so no key of it may be used; ask its operator for the new identity`)
}

/** A PeerId or its string; a bad string is ResolveError ERR_BAD_PEER_ID. */
export function parsePeerId (peer: PeerId | string): PeerId {
  try {
    return peerIdOf(peer)
  } catch (err) {
    throw new ResolveError('ERR_BAD_PEER_ID', `"${String(peer).slice(0, 100)}" is not a valid PeerId: pass a base58btc (12D3Koo...) or CIDv1 PeerId`, { cause: err })
  }
}
