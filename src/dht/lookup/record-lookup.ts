import { errorCode, ResolveError } from '../../errors.js'
import { routingKeyFor } from '../../record/index.js'
import { xorCompare as uint8ArrayXorCompare } from 'uint8arrays/xor-compare'
import { silentLogger } from '../../util/log.js'
import { countOption } from '../../util/options.js'
import { DHT_REPLICATION } from '../constants.js'
import { distanceTo, walkDisjointPaths } from './disjoint-paths.js'
import { SELF_PATH, SKIPPED_PATH, WIDENED_PATH } from './answer-tally.js'
import { asPqkValue, LookupRun } from './lookup-run.js'
import { reportProgress } from '../../util/progress.js'
import type { DisjointPathsComponents } from './disjoint-paths.js'
import type { KeydirMetrics } from '../../metrics/index.js'
import type { EquivocationProof, KeyRecord, PqkValue, RevocationCertificate } from '../../record/index.js'
import type { OnDhtLookupProgress } from './progress.js'
import type { KeydirLogger } from '../../util/log.js'
import type { PqkRecordCheck, PqkValueCheck } from '../pqk-validator.js'
import type { AbortOptions, PeerId, PeerInfo } from '@libp2p/interface'

export interface DhtLookupComponents extends DisjointPathsComponents {
  /**
   * The `/pqk/` validator's checks (createPqkValueCheck, or the record-only
   * createPqkCheck, over the same validators and datastore), run on each
   * answer as it arrives.
   */
  check: PqkRecordCheck | PqkValueCheck
  /** What this node's own DHT store holds under a key (validated when it was stored). */
  readLocal?: (key: Uint8Array) => Promise<Uint8Array | undefined>
  /** Put a value the check accepted into this node's own DHT store, through its guard (which keeps a better value it holds). */
  writeLocal?: (key: Uint8Array, value: Uint8Array) => Promise<void>
  /** Send the best record to peers that answered with an older one, under the key they were asked (`key`); resolves to how many took it. */
  correct?: (peers: PeerId[], record: KeyRecord, key: Uint8Array) => Promise<number>
  /** Two valid answers of one seq with different bytes: the registry decides whether they are an equivocation. */
  onEquivocation?: (a: KeyRecord, b: KeyRecord) => Promise<unknown>
  metrics: KeydirMetrics
  logger?: KeydirLogger
}

export interface DhtLookupInit {
  /** Valid answers from this many peers (over as many disjoint paths) before a first-contact lookup ends. Default 3. */
  firstContactQuorum?: number
  /**
   * Valid answers at or above the pin that end a pinned peer's lookup.
   * Default 1: the first (the pin already refuses anything older).
   */
  refreshQuorum?: number
  /** Disjoint paths a lookup walks. Default 3. */
  disjointPaths?: number
  /**
   * A first contact with its quorum takes the answers in flight until this
   * long after its first valid answer (or as long again as that answer
   * took, if longer; or this long after the quorum, if that came later).
   * Default 150 ms.
   */
  firstContactGraceMs?: number
  /** Peers asked at once on one path. Default 3 (Kademlia's alpha). */
  alpha?: number
  /** Each peer's time to answer; also the longest a first contact waits for its quorum after its first valid answer. Default 3 s. */
  askTimeoutMs?: number
}

export interface FindOptions extends AbortOptions {
  /**
   * The pin's seq: records below it are rollbacks, refused and counted. A
   * pinned peer (minSeq > 0) is no first contact: its first valid answer at
   * or above the pin ends the lookup. This node's own store then counts
   * only with a record above the pin: the copy it keeps for others is often
   * just what its registry holds, and would end a refresh with the old keys.
   */
  minSeq?: number
  /**
   * Whether a valid revocation counts (the registry's check against its pin).
   * One that does not is counted and the lookup goes on, so a certificate
   * made with the Ed25519 key alone cannot end lookups of a pinned peer.
   */
  acceptRevocation?: (revocation: RevocationCertificate) => boolean
  /**
   * Whether a valid equivocation proof counts (the registry's check: for a
   * pinned peer, both records linked to the pin). One that does not is
   * counted and the lookup goes on.
   */
  acceptEquivocation?: (proof: EquivocationProof) => boolean
  /** Called as each answer is checked, and when a first contact has its quorum (see DhtLookupProgressEvents). */
  onProgress?: OnDhtLookupProgress
}

export const DEFAULT_FIRST_CONTACT_QUORUM = 3
export const DEFAULT_DISJOINT_PATHS = 3
export const DEFAULT_FIRST_CONTACT_GRACE_MS = 150
const DEFAULT_ALPHA = 3
export const DEFAULT_ASK_TIMEOUT_MS = 3_000

/**
 * Finding a peer's `/pqk/` value: keydir's own lookup over disjoint paths
 * (disjoint-paths.ts), its answers tallied (answer-tally.ts). A peer never
 * seen (no pin) is a first contact: the lookup waits for
 * `firstContactQuorum` valid answers over as many paths (then for the
 * answers in flight, `firstContactGraceMs`), asks the peers its walk named
 * but did not ask if its paths end short of it, gives up waiting
 * `askTimeoutMs` after its first valid answer, and takes the highest seq, so
 * that a few hostile nodes keeping an older record cannot answer alone; the
 * peers that answered older are sent the best. A pinned peer's lookup ends
 * at its first valid answer at or above the pin. A valid revocation ends
 * either at once.
 */
export class DhtLookup {
  private readonly log: KeydirLogger
  private readonly quorum: number
  private readonly refreshQuorum: number
  private readonly paths: number
  private readonly graceMs: number
  private readonly alpha: number
  private readonly askTimeoutMs: number

  constructor (private readonly components: DhtLookupComponents, init: DhtLookupInit = {}) {
    this.log = components.logger ?? silentLogger
    this.quorum = countOption('firstContactQuorum', init.firstContactQuorum, DEFAULT_FIRST_CONTACT_QUORUM)
    this.refreshQuorum = countOption('refreshQuorum', init.refreshQuorum, 1)
    this.paths = countOption('disjointPaths', init.disjointPaths, DEFAULT_DISJOINT_PATHS)
    this.graceMs = countOption('firstContactGraceMs', init.firstContactGraceMs, DEFAULT_FIRST_CONTACT_GRACE_MS, 0)
    this.alpha = countOption('alpha', init.alpha, DEFAULT_ALPHA)
    this.askTimeoutMs = countOption('askTimeoutMs', init.askTimeoutMs, DEFAULT_ASK_TIMEOUT_MS)
  }

  /** The best valid record of `peerId`; ResolveError ERR_NOT_FOUND when there is none, ERR_REVOKED for a revocation. */
  async find (peerId: PeerId, options: FindOptions = {}): Promise<KeyRecord> {
    const value = await this.findValue(peerId, options)
    if (value.kind === 'revocation') throw new ResolveError('ERR_REVOKED', `${peerId.toString()} is revoked: the DHT holds its revocation certificate`)
    if (value.kind === 'equivocation') throw new ResolveError('ERR_EQUIVOCATION', `${peerId.toString()} equivocated: the DHT holds a proof that it signed two records of seq ${value.proof.seq}`)
    return value.record
  }

  /** The best valid `/pqk/` value of `peerId` (see the class comment): a revocation or an equivocation proof ends the lookup. ResolveError ERR_NOT_FOUND when there is none. */
  async findValue (peerId: PeerId, options: FindOptions = {}): Promise<PqkValue> {
    const started = performance.now()
    const key = routingKeyFor(peerId)
    const minSeq = options.minSeq ?? 0
    const run = new LookupRun({
      peerId,
      key,
      minSeq,
      quorum: minSeq === 0 ? this.quorum : this.refreshQuorum,
      graceMs: this.graceMs,
      quorumWaitMs: this.askTimeoutMs,
      check: this.components.check,
      acceptRevocation: options.acceptRevocation,
      acceptEquivocation: options.acceptEquivocation,
      metrics: this.components.metrics,
      scores: this.components.scores,
      onProgress: options.onProgress,
      log: this.log
    })
    const signal = options.signal == null ? run.walk.signal : AbortSignal.any([options.signal, run.walk.signal])

    const ownSeq = await this.readOwnStore(run, key, minSeq)
    if (!run.ended) {
      const walked = walkDisjointPaths(this.components, key, {
        paths: this.paths,
        alpha: this.alpha,
        askTimeoutMs: this.askTimeoutMs,
        signal,
        onStart: paths => { run.tally.setPaths(paths) },
        onAnswer: answer => { run.answer(answer) },
        stopAsking: () => run.stopAsking,
        onPathEnd: path => { run.pathEnded(path) }
      })
      const walk = await Promise.race([walked, run.settled.then(() => undefined)])
      // Every path is over, drained after the quorum, or cut by the grace time or the quorum wait: the checks of the answers already in still count.
      await run.drain()
      if (walk !== undefined && !run.ended && !signal.aborted && this.needsWidening(run, minSeq)) {
        // A record from this node's own store alone started no clock: the quorum wait bounds the widening all the same.
        run.startQuorumWait()
        await this.askOutsidePaths(run, walk.unasked, key, signal, WIDENED_PATH)
      }
      if (walk !== undefined && !run.ended && !signal.aborted && this.needsSkipped(run, minSeq)) {
        const closest = walk.skipped.sort((a, b) => uint8ArrayXorCompare(distanceTo(key, a.id), distanceTo(key, b.id))).slice(0, DHT_REPLICATION)
        await this.askOutsidePaths(run, closest, key, signal, SKIPPED_PATH)
      }
    }
    run.end()
    reportProgress(options.onProgress, { type: 'keydir:dht:end', detail: { reason: run.endedBy ?? (options.signal?.aborted === true ? 'aborted' : 'walk'), answers: run.tally.recordAnswerCount } }, this.log)
    const value = await this.conclude(run, peerId, options, started)
    if (value.kind === 'record' && ownSeq !== undefined && ownSeq < value.record.seq) this.correctOwnStore(key, value.record)
    return value
  }

  /**
   * This node's own store answers first, on no path (a record at or below
   * the pin is not taken). Returns the seq of the record it holds, if any.
   */
  private async readOwnStore (run: LookupRun, key: Uint8Array, minSeq: number): Promise<number | undefined> {
    const bytes = await this.components.readLocal?.(key).catch(() => undefined)
    if (bytes === undefined) return undefined
    try {
      const value = asPqkValue(await this.components.check(key, bytes))
      if (value.kind !== 'record' || value.record.seq > minSeq || minSeq === 0) run.take(this.components.self, SELF_PATH, value)
      return value.kind === 'record' ? value.record.seq : undefined
    } catch (err) {
      this.log.debug({ key: Buffer.from(key).toString('base64'), code: errorCode(err) }, 'own DHT store holds no valid value')
      return undefined
    }
  }

  /**
   * The own store held an older record than the lookup found: it is
   * replaced, as the peers that answered older are sent the best one, so
   * that this node no longer serves the older one to others. Not awaited.
   */
  private correctOwnStore (key: Uint8Array, best: KeyRecord): void {
    this.components.writeLocal?.(key, best.bytes).then(
      () => { this.log.debug({ seq: best.seq }, 'put the best record into this node\'s own DHT store, which held an older one') },
      err => { this.log.debug({ seq: best.seq, code: errorCode(err) }, 'could not put the best record into this node\'s own DHT store') }
    )
  }

  /**
   * Whether the peers skipped for their score must be asked after all: no
   * one else had a value (a score never blocks an only source), or a first
   * contact heard older records beside the best (someone serves stale
   * records, and a skipped peer may hold a newer one than any heard).
   */
  private needsSkipped (run: LookupRun, minSeq: number): boolean {
    if (run.revocation !== undefined || run.equivocation !== undefined) return false
    return run.best === undefined || (minSeq === 0 && run.tally.staleAnswerers().length > 0)
  }

  /**
   * Whether a first contact whose paths all ended short of its quorum, with
   * a record heard, must ask the peers its walk named but did not ask. A
   * walk from a small routing table (a node just started) may reach only a
   * few of the peers that hold the record: more answers only make a stale
   * record that answered first less likely to be all it heard.
   */
  private needsWidening (run: LookupRun, minSeq: number): boolean {
    return minSeq === 0 && run.best !== undefined && !run.stopAsking && run.revocation === undefined && run.equivocation === undefined
  }

  /**
   * `peers` in their order, alpha at a time, on `path` (no disjoint path);
   * their answers are tallied, scored and corrected like any other's.
   * Skipped peers are all asked; peers named on the walk until the quorum
   * is in.
   */
  private async askOutsidePaths (run: LookupRun, peers: PeerInfo[], key: Uint8Array, signal: AbortSignal, path: typeof WIDENED_PATH | typeof SKIPPED_PATH): Promise<void> {
    const closest = peers.map(peer => ({ peer, distance: distanceTo(key, peer.id) }))
    let next = 0
    const more = (): boolean => next < closest.length && !signal.aborted && !(path === WIDENED_PATH && run.stopAsking)
    const worker = async (): Promise<void> => {
      while (more()) {
        const { peer, distance } = closest[next++]
        try {
          const answer = await this.components.ask(peer, key, { signal: AbortSignal.any([signal, AbortSignal.timeout(this.askTimeoutMs)]) })
          run.answer({ peer: peer.id, path, distance, value: answer.value })
        } catch {}
      }
    }
    await Promise.all(Array.from({ length: Math.min(this.alpha, closest.length) }, worker))
    await run.drain()
  }

  /** What the lookup found; what its answers say of their peers; the corrections and the equivocation check. */
  private async conclude (run: LookupRun, peerId: PeerId, options: FindOptions, started: number): Promise<PqkValue> {
    const { tally, revocation, equivocation } = run
    const best = tally.best
    const outcome = revocation !== undefined || equivocation !== undefined || best !== undefined ? 'found' : options.signal?.aborted === true ? 'timeout' : 'not_found'
    this.components.metrics.dhtResolveSeconds.observe({ outcome }, (performance.now() - started) / 1000)
    for (const [peer, said] of tally.outcomes()) this.components.scores?.note(peer, said)
    if (revocation !== undefined) return { kind: 'revocation', revocation }
    if (equivocation !== undefined) return { kind: 'equivocation', proof: equivocation }
    if (best === undefined) {
      if (options.signal?.aborted === true) {
        throw new ResolveError('ERR_RESOLVE_TIMEOUT', `DHT lookup for ${peerId.toString()} was cut short by its timeout`)
      }
      throw new ResolveError('ERR_NOT_FOUND', `no valid key record for ${peerId.toString()} in the DHT`)
    }
    // Found before the registry sees the best record, so that it refuses the peer at once.
    await Promise.allSettled(tally.conflicts.map(async ([a, b]) => this.components.onEquivocation?.(a, b)))
    const stale = tally.staleAnswerers()
    if (tally.olderThanBest > 0) this.components.metrics.verificationFailures.inc({ source: 'dht', reason: 'ERR_ROLLBACK' }, tally.olderThanBest)
    if (stale.length > 0) {
      this.components.correct?.(stale, best, routingKeyFor(peerId)).then(
        took => { this.log.debug({ peer: peerId.toString(), seq: best.seq, sent: stale.length, took }, 'sent the best record to peers that answered older') },
        () => {}
      )
    }
    return { kind: 'record', record: best }
  }
}
