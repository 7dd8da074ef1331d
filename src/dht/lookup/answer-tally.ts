import { createHash } from 'node:crypto'
import { equals as uint8ArrayEquals } from 'uint8arrays/equals'
import { xorCompare as uint8ArrayXorCompare } from 'uint8arrays/xor-compare'
import { compareKeyRecords, recordSignedBytes } from '../../record/index.js'
import { DHT_REPLICATION } from '../constants.js'
import type { LookupOutcome } from './scores.js'
import type { KeyRecord } from '../../record/index.js'
import type { PeerId } from '@libp2p/interface'

/** The answer of one peer, as the tally keeps it. */
interface Answer {
  peer: PeerId
  /** -1: this node's own store; -2: a peer skipped for its score; -3: a peer named but not asked on the walk; the last two asked after it, on no path. */
  path: number
  distance?: Uint8Array
  record?: KeyRecord
  /** Already judged (a refused or outdated answer): outcomes() says nothing more of it. */
  judged?: boolean
  /** It answered with a validly signed record older than the best: it is sent the best. */
  older?: boolean
}

export interface TallyRules {
  /** Valid record answers from this many peers, spread over as many paths as can still answer, settle a lookup. */
  quorum: number
}

/** The path of this node's own store's answer. */
export const SELF_PATH = -1
/** The path of the answers of peers skipped for their score, asked after the walk. */
export const SKIPPED_PATH = -2
/** The path of the answers of peers named on the walk but not asked on it, asked by a first contact short of its quorum. */
export const WIDENED_PATH = -3

/**
 * The answers of one lookup, and when they are enough. A lookup is settled
 * when `quorum` peers answered with a valid record, over at least
 * min(quorum, paths that answered or may still answer) different paths:
 * peers that captured one path cannot fill the quorum from it alone. The
 * best answer is the highest seq (the DHT selector's order). Two answers of
 * one seq with different bytes are kept as a conflict for the equivocation
 * check; the peers that answered something older are kept for a correction.
 */
export class AnswerTally {
  private readonly answers = new Map<string, Answer>()
  private readonly answeredPaths = new Set<number>()
  private readonly silentEndedPaths = new Set<number>()
  private readonly conflictKeys = new Set<string>()
  readonly conflicts: Array<[KeyRecord, KeyRecord]> = []
  best: KeyRecord | undefined
  /** Valid record answers from other peers (this node's own store does not count towards the quorum). */
  private recordAnswers = 0

  private paths = 0

  constructor (private readonly rules: TallyRules) {}

  /** Whether `peer` has answered already (each peer counts once). */
  heard (peer: PeerId): boolean {
    return this.answers.has(peer.toString())
  }

  /** How many paths the walk started; known once it has begun. */
  setPaths (paths: number): void {
    this.paths = paths
  }

  /** A path ended; one that never answered can no longer count towards the spread. */
  pathEnded (path: number): void {
    if (!this.answeredPaths.has(path)) this.silentEndedPaths.add(path)
  }

  /** A peer answered without a record. */
  noRecord (peer: PeerId, path: number, distance?: Uint8Array): void {
    if (!this.heard(peer)) this.answers.set(peer.toString(), { peer, path, distance })
  }

  /** A peer answered with something refused (forged, a revocation not taken): heard, and already held against it. */
  refused (peer: PeerId, path: number): void {
    if (!this.heard(peer)) this.answers.set(peer.toString(), { peer, path, judged: true })
  }

  /** A peer answered with a validly signed but outdated value; `older`: a record older than this node knows, to be corrected. */
  outdated (peer: PeerId, path: number, older: boolean): void {
    if (!this.heard(peer)) this.answers.set(peer.toString(), { peer, path, judged: true, older })
  }

  /** Valid record answers from other peers so far. */
  get recordAnswerCount (): number {
    return this.recordAnswers
  }

  /** Whether a peer other than this node's own store answered with a valid record. */
  get anyPathRecord (): boolean {
    return this.recordAnswers > 0
  }

  /** A valid record of the peer looked up, not below minSeq. */
  record (peer: PeerId, path: number, record: KeyRecord, distance?: Uint8Array): void {
    if (this.heard(peer)) return
    this.answers.set(peer.toString(), { peer, path, distance, record })
    if (path !== SELF_PATH) this.recordAnswers++
    if (path >= 0) {
      this.answeredPaths.add(path)
      // Its answer was still being checked when the path ended.
      this.silentEndedPaths.delete(path)
    }
    for (const other of this.answers.values()) {
      if (other.record !== undefined && other.record !== record && other.record.seq === record.seq && !uint8ArrayEquals(recordSignedBytes(other.record), recordSignedBytes(record))) {
        this.noteConflict(other.record, record)
      }
    }
    if (this.best === undefined || compareKeyRecords(record, this.best) < 0) this.best = record
  }

  get settled (): boolean {
    if (this.best === undefined || this.recordAnswers < this.rules.quorum) return false
    const mayStillAnswer = this.paths - this.answeredPaths.size - this.silentEndedPaths.size
    return this.answeredPaths.size >= Math.min(this.rules.quorum, this.answeredPaths.size + mayStillAnswer)
  }

  /** How many answers held a valid record older than the best (those below the pin or refused by the check were counted when they came). */
  get olderThanBest (): number {
    const best = this.best
    if (best === undefined) return 0
    return [...this.answers.values()].filter(a => a.path !== SELF_PATH && a.record !== undefined && a.record.seq < best.seq).length
  }

  /** The peers that answered with an older record than the best: to be sent the best. */
  staleAnswerers (): PeerId[] {
    const best = this.best
    if (best === undefined) return []
    return [...this.answers.values()].filter(a => a.path !== SELF_PATH && (a.older === true || (a.record !== undefined && a.record.seq < best.seq))).map(a => a.peer)
  }

  /**
   * What each answer says of its peer: the best seq is valid; an older one
   * is stale; no record from a peer among the K closest that answered,
   * closer to the key than at least two peers that had the best, is
   * withheld (the put went to the closest peers; one far peer serving the
   * record, perhaps a hostile one, cannot make honest routing hops look
   * like they withheld it). Nothing is said when no record was found: no
   * one can be blamed for holding none; nor of peers asked because the
   * walk fell short, often newcomers the last put did not reach.
   */
  outcomes (): Array<[PeerId, LookupOutcome]> {
    const best = this.best
    if (best === undefined) return []
    const holders = [...this.answers.values()].flatMap(a => a.record?.seq === best.seq && a.distance !== undefined ? [a.distance] : [])
    const closest = [...this.answers.values()].flatMap(a => a.distance === undefined ? [] : [a.distance]).sort(uint8ArrayXorCompare)
    const kth = closest[Math.min(closest.length, DHT_REPLICATION) - 1]
    const out: Array<[PeerId, LookupOutcome]> = []
    for (const a of this.answers.values()) {
      if (a.path === SELF_PATH || a.judged === true) continue
      if (a.record !== undefined) {
        out.push([a.peer, a.record.seq >= best.seq ? 'valid' : 'stale'])
      } else if (a.path !== WIDENED_PATH && a.distance !== undefined && kth !== undefined && uint8ArrayXorCompare(a.distance, kth) <= 0) {
        const distance = a.distance
        if (holders.filter(h => uint8ArrayXorCompare(distance, h) < 0).length >= 2) out.push([a.peer, 'withheld'])
      }
    }
    return out
  }

  private noteConflict (a: KeyRecord, b: KeyRecord): void {
    const key = [a, b].map(r => createHash('sha256').update(r.bytes).digest('hex')).sort().join()
    if (this.conflictKeys.has(key)) return
    this.conflictKeys.add(key)
    this.conflicts.push([a, b])
  }
}
