import { errorCode } from '../../errors.js'
import { peerIdNamesRecord } from '../../record/index.js'
import { AnswerTally, SELF_PATH } from './answer-tally.js'
import { reportProgress } from '../../util/progress.js'
import type { PathAnswer } from './disjoint-paths.js'
import type { DhtAnswerDetail, DhtEndReason, OnDhtLookupProgress } from './progress.js'
import type { LookupScores } from './scores.js'
import type { KeydirMetrics } from '../../metrics/index.js'
import type { EquivocationProof, KeyRecord, PqkValue, RevocationCertificate } from '../../record/index.js'
import type { KeydirLogger } from '../../util/log.js'
import type { PqkRecordCheck, PqkValueCheck } from '../pqk-validator.js'
import type { PeerId } from '@libp2p/interface'

export interface LookupRunContext {
  peerId: PeerId
  key: Uint8Array
  /** The pin's seq; 0 for a first contact. */
  minSeq: number
  /** Valid answers (over as many paths) that settle the lookup: the first-contact or the refresh quorum. */
  quorum: number
  /**
   * How long a first contact with its quorum still takes answers in
   * flight, counted from its first valid answer (or from the quorum, if
   * that came later); never less than the first answer itself took, so
   * that a slow network or a busy event loop does not leave the first
   * answers alone.
   */
  graceMs: number
  /**
   * The longest a first contact waits for its quorum after its first valid
   * answer (the ask timeout: every request in flight then has answered or
   * failed). It ends earlier when every path has ended.
   */
  quorumWaitMs: number
  check: PqkRecordCheck | PqkValueCheck
  acceptRevocation?: (revocation: RevocationCertificate) => boolean
  acceptEquivocation?: (proof: EquivocationProof) => boolean
  metrics: KeydirMetrics
  scores?: LookupScores
  /** The caller's progress listener: each answer's result as it is checked, and the quorum. */
  onProgress?: OnDhtLookupProgress
  log: KeydirLogger
}

/**
 * One lookup's state while its answers come in: each answer checked, then
 * tallied. A refresh ends when the tally is settled. A first contact
 * stops asking at its quorum and ends when the grace time runs out; without
 * a quorum, when its paths have ended or the quorum wait after its first
 * valid answer runs out. A valid revocation ends either at once.
 */
export class LookupRun {
  readonly tally: AnswerTally
  /** Aborted when the lookup ends: the walk's in-flight requests stop. */
  readonly walk = new AbortController()
  revocation: RevocationCertificate | undefined
  /** A valid equivocation proof about the peer: like a revocation, it ends the lookup. */
  equivocation: EquivocationProof | undefined
  private readonly pending = new Set<Promise<void>>()
  /** Answers still being checked, per path; a path that ended with some counts as ended once they are in. */
  private readonly checking = new Map<number, number>()
  private readonly endedWhileChecking = new Set<number>()
  private readonly done = Promise.withResolvers<void>()
  private grace: NodeJS.Timeout | undefined
  private quorumWait: NodeJS.Timeout | undefined
  /** The grace time ran out before the quorum: a quorum that comes later gets a grace time of its own. */
  private graceOver = false
  private settledBy: Exclude<DhtEndReason, 'walk' | 'aborted'> | undefined
  private over = false
  private readonly started = performance.now()
  /** A first contact's quorum is in: no new peer is asked, the answers in flight still count. */
  private draining = false
  /** The grace time ran out: no answer is awaited any more, but those already being checked still count. */
  private closing = false

  constructor (private readonly context: LookupRunContext) {
    this.tally = new AnswerTally({ quorum: context.quorum })
  }

  get ended (): boolean {
    return this.over
  }

  /**
   * What settled the lookup, when something did: its quorum, a refresh's
   * answer, a verdict, or the quorum wait running out (then answers being
   * checked may still bring the count to the quorum, with no quorum event).
   */
  get endedBy (): Exclude<DhtEndReason, 'walk' | 'aborted'> | undefined {
    return this.settledBy
  }

  /** Whether the walk should ask no one new. */
  get stopAsking (): boolean {
    return this.over || this.draining || this.closing
  }

  /**
   * The grace time ran out: the requests in flight are dropped, but an
   * answer that already came and is being checked (an ML-DSA-65 verify, a
   * datastore read) still counts: the caller drains the checks, then ends.
   */
  private close (): void {
    if (this.over || this.closing) return
    this.closing = true
    this.clearTimers()
    this.done.resolve()
    setImmediate(() => { this.walk.abort() })
  }

  /** Resolves when the lookup has what it needs. */
  get settled (): Promise<void> {
    return this.done.promise
  }

  end (): void {
    if (this.over) return
    this.over = true
    this.clearTimers()
    this.done.resolve()
    // Aborting runs every in-flight request's abort handlers synchronously: let the caller go on first.
    setImmediate(() => { this.walk.abort() })
  }

  /** An answer from the walk: checked (off the walk's turn), then taken. */
  answer (answer: PathAnswer): void {
    if (this.over || this.closing) return
    if (answer.value === undefined) {
      this.tally.noRecord(answer.peer, answer.path, answer.distance)
      this.report(answer.peer, answer.path, { result: 'no-value' })
      return
    }
    const checked = this.context.check(this.context.key, answer.value).then(
      valid => { this.take(answer.peer, answer.path, asPqkValue(valid), answer.distance) },
      err => {
        const code = errorCode(err)
        this.context.metrics.verificationFailures.inc({ source: 'dht', reason: code })
        this.context.log.debug({ peer: this.context.peerId.toString(), from: answer.peer.toString(), code }, 'refused a DHT answer')
        if (OUTDATED.has(code)) {
          // Validly signed, but older than what this node holds (a newer record, a revocation, a proof) or expired: stale, not forged.
          if (answer.path !== SELF_PATH) this.context.scores?.note(answer.peer, 'stale')
          this.tally.outdated(answer.peer, answer.path, code === 'ERR_ROLLBACK')
          this.report(answer.peer, answer.path, { result: 'outdated', code })
        } else {
          this.context.scores?.note(answer.peer, 'invalid')
          this.tally.refused(answer.peer, answer.path)
          this.report(answer.peer, answer.path, { result: 'refused', code })
        }
      }
    )
    this.pending.add(checked)
    this.checking.set(answer.path, (this.checking.get(answer.path) ?? 0) + 1)
    void checked.finally(() => {
      this.pending.delete(checked)
      const left = (this.checking.get(answer.path) ?? 1) - 1
      this.checking.set(answer.path, left)
      if (left === 0 && this.endedWhileChecking.delete(answer.path)) this.pathEnded(answer.path)
    })
  }

  /** Wait for the checks of answers already in. */
  async drain (): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending])
  }

  pathEnded (path: number): void {
    if ((this.checking.get(path) ?? 0) > 0) {
      this.endedWhileChecking.add(path)
      return
    }
    this.tally.pathEnded(path)
    if (this.tally.settled) this.settle()
  }

  /**
   * The tally is settled. A refresh ends at once. A first contact asks no
   * one new but takes the answers already in flight (until the grace time
   * runs out): a few more answers, at the cost of a round trip already
   * under way, make it much harder for hostile peers that answered first
   * to be all it heard.
   */
  private settle (): void {
    if (this.context.minSeq > 0) {
      this.settledBy ??= 'answer'
      this.end()
      return
    }
    if (this.draining) return
    this.draining = true
    // Paths the quorum wait cut end as their requests are dropped, and may settle the tally then: no quorum was reached.
    if (this.over || this.closing) return
    this.settledBy = 'quorum'
    reportProgress(this.context.onProgress, { type: 'keydir:dht:quorum', detail: { answers: this.tally.recordAnswerCount } }, this.context.log)
    if (this.graceOver) this.grace = setTimeout(() => { this.close() }, this.context.graceMs)
  }

  /**
   * The first valid answer from another peer starts a first contact's
   * clocks. Its grace time ends the wait for answers in flight once the
   * quorum is in; it never ends a lookup without its quorum: an answer that
   * came fast over a connection already open (a hostile node's, perhaps)
   * says nothing of how long the peers still being dialled need.
   */
  private startClocks (): void {
    const took = performance.now() - this.started
    this.grace = setTimeout(() => {
      if (this.draining) this.close()
      else this.graceOver = true
    }, Math.max(this.context.graceMs, took))
    this.armQuorumWait(Math.max(this.context.quorumWaitMs, this.context.graceMs, took))
  }

  /** The quorum wait, if no clock runs yet: a first contact whose only record is this node's own store's asks more peers, bounded all the same. */
  startQuorumWait (): void {
    if (this.quorumWait !== undefined || this.over || this.closing) return
    this.armQuorumWait(this.context.quorumWaitMs)
  }

  private armQuorumWait (ms: number): void {
    this.quorumWait = setTimeout(() => {
      this.settledBy ??= 'wait'
      this.close()
    }, ms)
  }

  private clearTimers (): void {
    clearTimeout(this.grace)
    clearTimeout(this.quorumWait)
  }

  /** A checked value from `peer` (SELF_PATH: this node's own store; SKIPPED_PATH, WIDENED_PATH: a peer asked after the walk). */
  take (peer: PeerId, path: number, value: PqkValue, distance?: Uint8Array): void {
    const { peerId, minSeq, metrics } = this.context
    if (this.over || this.tally.heard(peer)) return
    if (value.kind !== 'record') {
      this.takeVerdict(peer, path, value)
      return
    }
    const record = value.record
    // Asked by its PeerId or by the ML-DSA PeerId of its key (a lookup under that key).
    if (!peerIdNamesRecord(peerId.toMultihash().bytes, record)) {
      this.refuseOtherPeers(peer, path)
      return
    }
    if (record.seq < minSeq) {
      metrics.verificationFailures.inc({ source: 'dht', reason: 'ERR_ROLLBACK' })
      if (path !== SELF_PATH) this.context.scores?.note(peer, 'stale')
      this.tally.outdated(peer, path, true)
      this.report(peer, path, { result: 'outdated', seq: record.seq, code: 'ERR_ROLLBACK' })
      return
    }
    const first = !this.tally.anyPathRecord
    this.tally.record(peer, path, record, distance)
    this.report(peer, path, { result: 'record', seq: record.seq })
    if (this.tally.settled) {
      this.settle()
    }
    // This node's own store may hold what a hostile peer PUT there: only another peer's answer starts the clocks.
    if (first && path !== SELF_PATH && minSeq === 0 && !this.over && !this.closing) this.startClocks()
  }

  /**
   * A revocation or an equivocation proof of the peer ends the lookup, if
   * the caller takes it (for a pinned peer, only one linked to the pin);
   * one it does not take is counted and the lookup goes on.
   */
  private takeVerdict (peer: PeerId, path: number, value: Exclude<PqkValue, { kind: 'record' }>): void {
    const revocation = value.kind === 'revocation' ? value.revocation : undefined
    const proof = value.kind === 'equivocation' ? value.proof : undefined
    if (!(revocation ?? proof)!.peerId.equals(this.context.peerId)) {
      this.refuseOtherPeers(peer, path)
      return
    }
    const taken = revocation !== undefined ? this.context.acceptRevocation?.(revocation) : this.context.acceptEquivocation?.(proof!)
    if (taken === false) {
      const code = revocation !== undefined ? 'ERR_REVOCATION_KEY_UNKNOWN' : 'ERR_EVIDENCE_KEY_UNKNOWN'
      this.context.metrics.verificationFailures.inc({ source: 'dht', reason: code })
      this.tally.refused(peer, path)
      this.report(peer, path, { result: 'refused', code })
      return
    }
    this.revocation = revocation
    this.equivocation = proof
    this.settledBy = 'verdict'
    this.report(peer, path, { result: value.kind })
    this.end()
  }

  /**
   * A valid value about another peer than the one looked up. The check
   * binds a value to the key it was asked under, so this is defence in
   * depth: refused, counted and held against the peer like a forgery.
   */
  private refuseOtherPeers (peer: PeerId, path: number): void {
    this.context.metrics.verificationFailures.inc({ source: 'dht', reason: 'ERR_PEER_ID_MISMATCH' })
    if (path !== SELF_PATH) this.context.scores?.note(peer, 'invalid')
    this.tally.refused(peer, path)
    this.report(peer, path, { result: 'refused', code: 'ERR_PEER_ID_MISMATCH' })
  }

  /** One answer's result, to the caller's progress listener; nothing once the lookup is over (a late answer is not taken either). */
  private report (from: PeerId, path: number, result: Omit<DhtAnswerDetail, 'from' | 'own'>): void {
    if (this.over) return
    reportProgress(this.context.onProgress, { type: 'keydir:dht:answer', detail: { from, own: path === SELF_PATH, ...result } }, this.context.log)
  }

  get best (): KeyRecord | undefined {
    return this.tally.best
  }
}

/** Check refusals that mean an answer is validly signed but outdated here: stale, not forged. */
const OUTDATED = new Set(['ERR_ROLLBACK', 'ERR_RECORD_EXPIRED', 'ERR_REVOKED', 'ERR_EQUIVOCATION'])

/** A check's result as a /pqk/ value: the record-only check gives records. */
export function asPqkValue (checked: KeyRecord | PqkValue): PqkValue {
  return 'kind' in checked ? checked : { kind: 'record', record: checked }
}
