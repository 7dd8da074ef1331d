/**
 * A seeded Monte Carlo of one lookup walk where kad-dht 16's routing tables
 * no longer hold everyone (N > 2^p x K): the rules of the installed
 * kad-dht's query (query/manager.js and query/query-path.js) and of keydir's
 * walk (src/dht/lookup/disjoint-paths.ts), replayed in rounds of one query
 * time each over the key's region. test/bench/scale-model.test.ts drives
 * the installed query-path.js and keydir's walk over the same kind of region
 * and checks the query counts against this.
 *
 * The region is the M nodes sharing the key's first p bits, known by rank
 * (0: the closest to the key); ids are uniform, so ranks are all the order
 * a walk sees. Every table holds, for the region, one bucket of K members
 * taken as they came: K uniform members. Every answer names them.
 *
 * The same walk covers a young network whose tables do not yet hold every
 * node although they could (N <= 2^p x K): the region is then the whole
 * network, each table holds S uniform members of it (the measured table
 * size), and an answer names the K closest of those.
 */

import { KAD_ALPHA, KAD_DISJOINT_PATHS } from './constants.js'
import { seededRandom } from '../lib/random.js'
import { takeInTurn } from '../../src/util/in-turn.js'

/** Which lookup's rules a walk follows. */
export type WalkRules = 'kad-dht' | 'keydir'

export interface WalkShape {
  rules: WalkRules
  /** Peers asked at once per path. */
  alpha: number
  paths: number
}

/** One simulated walk, round by round (a round: the queries sent together, answered one query time later). */
export interface WalkTrial {
  /** Peers asked in each round. */
  asked: number[]
  /** Of those, the record holders (the K closest that answered the publisher's put). */
  holders: number[]
  /** The paths of the holders' answers, round by round. */
  holderPaths: number[][]
  /** The last round each path asked in. */
  pathEnds: number[]
  /**
   * keydir's first contact short of its quorum, after the walk: the K
   * closest peers it named but did not ask, alpha at a time; the holders
   * among each such round's peers. Empty for kad-dht's walk.
   */
  widening: number[]
  /** How many peers each widening round asks. */
  wideningAsked: number[]
}

/** Queues are kept farthest first, so that the closest is popped off the end. */
const farthestFirst = (a: number, b: number): number => b - a

/** One round's queries: which path asked which peer. */
type Round = Array<{ path: number, peer: number }>

/** A walk's rounds, and the peers it was named (or started from) but did not ask, closest first. */
interface Walked {
  rounds: Round[]
  unasked: number[]
}

/** The region's nodes and the bucket each one's table holds for it. */
class Region {
  private readonly buckets: Array<number[] | undefined>

  /** known: members of the region each table holds (K: a full bucket). */
  constructor (readonly size: number, private readonly k: number, private readonly random: () => number, private readonly known = k) {
    this.buckets = new Array<number[] | undefined>(size)
  }

  /** The K closest of `known` distinct uniform members, `self` excluded: what a table holds for the region, as an answer names it. */
  sample (self = -1): number[] {
    const want = Math.min(Math.max(this.k, this.known), this.size - (self >= 0 ? 1 : 0))
    const picked = new Set<number>()
    while (picked.size < want) {
      const n = Math.floor(this.random() * this.size)
      if (n !== self) picked.add(n)
    }
    // A full bucket keeps the order its members were drawn in: the put's shuffle of its start draws on it.
    return this.known <= this.k ? [...picked] : [...picked].sort((a, b) => a - b).slice(0, this.k)
  }

  bucket (node: number): number[] {
    let b = this.buckets[node]
    if (b === undefined) {
      b = this.sample(node)
      this.buckets[node] = b
    }
    return b
  }
}

/** A path's K closest that answered, sorted; `admits` is the stop rule both lookups apply per path. */
class Answered {
  private readonly ranks: number[] = []
  constructor (private readonly k: number) {}
  add (rank: number): void {
    let at = this.ranks.findIndex(r => rank < r)
    if (at === -1) at = this.ranks.length
    this.ranks.splice(at, 0, rank)
    if (this.ranks.length > this.k) this.ranks.length = this.k
  }

  /** kad-dht's PeerDistanceList.canAddKadId, keydir's PathWalker.next: fewer than K answered, or closer than the K-th. */
  admits (rank: number): boolean {
    return this.ranks.length < this.k || rank < this.ranks[this.k - 1]
  }
}

/**
 * kad-dht 16's query: the K closest of the asker's table, shuffled by the
 * query manager's peer order and dealt round-robin to d paths; a peer named
 * is queued on the path whose answer named it if no path has seen it, it is
 * closer than the peer that named it, and that path would still admit it;
 * it is asked (closest first, alpha at once) if the path still admits it
 * then. Returns the peers asked, round by round.
 */
function kadWalk (region: Region, start: number[], shape: WalkShape, k: number, random: () => number): Walked {
  const order = [...start]
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]]
  }
  const queues: number[][] = Array.from({ length: shape.paths }, () => [])
  order.forEach((p, i) => { queues[i % shape.paths].push(p) })
  const seen = new Set(order)
  const answered = queues.map(() => new Answered(k))
  const rounds: Round[] = []
  while (true) {
    const batch: Round = []
    queues.forEach((queue, path) => {
      queue.sort(farthestFirst)
      let taken = 0
      while (queue.length > 0 && taken < shape.alpha) {
        const peer = queue.pop()!
        if (!answered[path].admits(peer)) continue
        batch.push({ path, peer })
        taken++
      }
    })
    if (batch.length === 0) return { rounds, unasked: [] }
    for (const { path, peer } of batch) {
      answered[path].add(peer)
      for (const named of region.bucket(peer)) {
        if (seen.has(named) || named >= peer || !answered[path].admits(named)) continue
        seen.add(named)
        queues[path].push(named)
      }
    }
    rounds.push(batch)
  }
}

/**
 * keydir's walk: the K closest of the asker's table, closest first, dealt
 * round-robin to d paths; a path asks its closest queued peer not yet
 * claimed by any path while it is closer than the K-th closest that
 * answered on that path, alpha at once; a peer named is queued on the path
 * that heard it if it is unclaimed and closer than the peer that named it.
 * The peers it heard of but never asked are returned, K of them, each
 * path's closest in turn: those a first contact short of its quorum asks
 * after the walk.
 */
function keydirWalk (region: Region, start: number[], shape: WalkShape, k: number): Walked {
  const sorted = [...start].sort((a, b) => a - b)
  const pathCount = Math.min(shape.paths, sorted.length)
  const queues: number[][] = Array.from({ length: pathCount }, () => [])
  const named = queues.map(() => new Set<number>())
  sorted.forEach((p, i) => { queues[i % pathCount].push(p); named[i % pathCount].add(p) })
  const claimed = new Set<number>()
  /** Each peer heard of, and the path that heard of it first. */
  const heardOf = new Map<number, number>(sorted.map((p, i) => [p, i % pathCount]))
  const answered = queues.map(() => new Answered(k))
  const rounds: Round[] = []
  while (true) {
    const batch: Round = []
    queues.forEach((queue, path) => {
      queue.sort(farthestFirst)
      let taken = 0
      while (queue.length > 0 && taken < shape.alpha) {
        const peer = queue.pop()!
        if (claimed.has(peer) || !answered[path].admits(peer)) continue
        claimed.add(peer)
        batch.push({ path, peer })
        taken++
      }
    })
    if (batch.length === 0) return { rounds, unasked: takenInTurn(heardOf, claimed, k) }
    for (const { path, peer } of batch) {
      answered[path].add(peer)
      for (const n of region.bucket(peer)) {
        if (!heardOf.has(n)) heardOf.set(n, path)
        if (claimed.has(n) || n >= peer || named[path].has(n)) continue
        named[path].add(n)
        queues[path].push(n)
      }
    }
    rounds.push(batch)
  }
}

/**
 * The first round whose answers settle keydir's tally: `quorum` records
 * over min(quorum, paths that answered with one or are still walking).
 */
export function quorumRound (trial: WalkTrial, quorum: number): number | undefined {
  const withRecord = new Set<number>()
  let records = 0
  for (let i = 0; i < trial.asked.length; i++) {
    for (const path of trial.holderPaths[i]) {
      records++
      withRecord.add(path)
    }
    const endedSilent = trial.pathEnds.filter((last, path) => last <= i && !withRecord.has(path)).length
    if (records >= quorum && withRecord.size >= Math.min(quorum, trial.pathEnds.length - endedSilent)) return i
  }
  return undefined
}

/** The publisher's put: kad-dht's FIND_NODE query (its own width), the record then stored on the K closest that answered. */
export const PUT_SHAPE: WalkShape = { rules: 'kad-dht', alpha: KAD_ALPHA, paths: KAD_DISJOINT_PATHS }

/**
 * `trials` walks in a region of `regionSize` nodes, each after a put of its
 * own into a fresh region (seeded by the trial's number and the region's
 * size: the same numbers every run). `known`: members of the region each
 * table holds (default K).
 */
export function simulateWalks (regionSize: number, k: number, shape: WalkShape, trials: number, put: WalkShape = PUT_SHAPE, known = k): { walks: WalkTrial[], putQueries: number[] } {
  const m = Math.max(k + 1, Math.round(regionSize))
  const walks: WalkTrial[] = []
  const putQueries: number[] = []
  for (let t = 0; t < trials; t++) {
    const random = seededRandom(0x5ca1e + t * 7919 + m * 104729)
    const region = new Region(m, k, random, known)
    const putRounds = kadWalk(region, region.sample(), put, k, random).rounds
    const putAsked = putRounds.flat().map(a => a.peer)
    putQueries.push(putAsked.length)
    const holders = new Set([...new Set(putAsked)].sort((a, b) => a - b).slice(0, k))
    const start = region.sample()
    const { rounds, unasked } = shape.rules === 'kad-dht' ? kadWalk(region, start, shape, k, random) : keydirWalk(region, start, shape, k)
    const pathEnds: number[] = []
    rounds.forEach((r, i) => { for (const { path } of r) pathEnds[path] = i })
    const holderPaths = rounds.map(r => r.filter(a => holders.has(a.peer)).map(a => a.path))
    const wideningRounds = chunks(unasked, shape.alpha)
    walks.push({
      asked: rounds.map(r => r.length),
      holders: holderPaths.map(r => r.length),
      holderPaths,
      pathEnds,
      widening: wideningRounds.map(r => r.filter(peer => holders.has(peer)).length),
      wideningAsked: wideningRounds.map(r => r.length)
    })
  }
  return { walks, putQueries }
}

/** keydir's disjoint-paths.ts takenInTurn: the unasked peers each path heard of, closest first, from the paths in turn, at most k. */
function takenInTurn (heardOf: Map<number, number>, claimed: Set<number>, k: number): number[] {
  const byPath = new Map<number, number[]>()
  for (const [peer, path] of heardOf) {
    if (claimed.has(peer)) continue
    const queue = byPath.get(path) ?? []
    queue.push(peer)
    byPath.set(path, queue)
  }
  return takeInTurn([...byPath.values()].map(queue => queue.sort((a, b) => a - b)), k)
}

function chunks<T> (items: T[], size: number): T[][] {
  return Array.from({ length: Math.ceil(items.length / size) }, (_, i) => items.slice(i * size, (i + 1) * size))
}
