/**
 * The scale model of docs/scale.md: what one resolve and one node's upkeep
 * cost in a DHT of N nodes, from K, alpha, disjoint paths, quorum, record
 * size and RTT. Pure functions; docs/scale.md derives each one.
 *
 * Assumptions: uniform Kademlia ids; every routing table full (every
 * bucket holds K peers, or every peer when there are fewer) unless a
 * measured table size says otherwise; no churn; a
 * record stored on the K peers its publisher's put found; every peer
 * answers; the network's RTT, not CPU, sets the time of a query.
 */
import {
  IPNS_RECORD_BYTES, IPNS_REPUBLISH_MS, IPNS_VERIFY_MS, K, KAD_ALPHA, KAD_DISJOINT_PATHS, KAD_PREFIX_LENGTH,
  KEYDIR_ALPHA, KEYDIR_PATHS, KEYDIR_QUORUM_WAIT_MS, KEYDIR_QUORUM, KEYDIR_RECORD_BYTES, KEYDIR_REPUBLISH_MS, KEYDIR_VERIFY_MS,
  ROUND_TRIPS_PER_DIAL, ROUND_TRIPS_PER_QUERY, SERVICE_MS, WIRE
} from './constants.js'
import { PUT_SHAPE, quorumRound, simulateWalks, type WalkShape, type WalkTrial } from './walk-simulation.js'

/** The DHT every system runs on. */
export interface Network {
  /** N, nodes in the DHT. */
  nodes: number
  /** Bucket size, and the replication of a put. */
  k: number
  /** Depth of kad-dht's routing-table trie: a table holds at most 2^prefixLength x k peers. */
  prefixLength: number
  rttMs: number
  /** Per query, on top of the round trips: the responder's work and the resolver's reading of the answer. */
  serviceMs: number
  roundTripsPerQuery: number
  roundTripsPerDial: number
  /** New connections a resolve dials (0: connections to the peers asked are open). An input, not a prediction. */
  dialsPerResolve: number
  /**
   * Peers a routing table holds, when measured (a young network's tables
   * may not yet hold every node they could). Absent: full tables
   * (tableSize). An input, not a prediction.
   */
  peersKnown?: number
  /** Addresses each peer named in an answer carries. */
  addressesPerPeer: number
}

/** How a system looks a record up and keeps it published. */
export interface System extends WalkShape {
  name: string
  recordBytes: number
  /** Checking one answer's record on the resolving node. */
  verifyMs: number
  republishMs: number
}

export const KEYDIR: System = { name: 'keydir', rules: 'keydir', alpha: KEYDIR_ALPHA, paths: KEYDIR_PATHS, recordBytes: KEYDIR_RECORD_BYTES, verifyMs: KEYDIR_VERIFY_MS, republishMs: KEYDIR_REPUBLISH_MS }
export const IPNS: System = { name: 'IPNS', rules: 'kad-dht', alpha: KAD_ALPHA, paths: KAD_DISJOINT_PATHS, recordBytes: IPNS_RECORD_BYTES, verifyMs: IPNS_VERIFY_MS, republishMs: IPNS_REPUBLISH_MS }

/** The network the model assumes unless told otherwise: kad-dht 16's defaults, a 20 ms RTT between hosts, connections open. */
export function defaultNetwork (nodes: number, overrides: Partial<Network> = {}): Network {
  return {
    nodes,
    k: K,
    prefixLength: KAD_PREFIX_LENGTH,
    rttMs: 20,
    serviceMs: SERVICE_MS,
    roundTripsPerQuery: ROUND_TRIPS_PER_QUERY,
    roundTripsPerDial: ROUND_TRIPS_PER_DIAL,
    dialsPerResolve: 0,
    addressesPerPeer: 1,
    ...overrides
  }
}

/**
 * Peers a full routing table holds, on average: its 2^p buckets each keep
 * at most K of the others whose id starts with the bucket's p bits, a
 * Binomial(N - 1, 2^-p) count: E[min(X, K)] = K - sum over i < K of
 * (K - i) P(X = i). Every other node while few buckets overflow (999 at
 * 1,000 nodes would need none: about 980), 2^p x K = 1,280 from a few
 * thousand nodes.
 */
export function tableSize (net: Network): number {
  const others = net.nodes - 1
  const buckets = 2 ** net.prefixLength
  if (others <= net.k) return Math.max(0, others)
  const p = 1 / buckets
  // P(X = i) for i < K, built up from P(X = 0) in logs (N up to millions).
  let lnP = others * Math.log1p(-p)
  let shortfall = 0
  for (let i = 0; i < net.k; i++) {
    shortfall += (net.k - i) * Math.exp(lnP)
    lnP += Math.log(others - i) - Math.log(i + 1) + Math.log(p) - Math.log1p(-p)
  }
  return buckets * (net.k - shortfall)
}

/** Nodes that share the key's first p bits: the part of the network one bucket of a full table samples. */
export function regionSize (net: Network): number {
  return net.nodes / 2 ** net.prefixLength
}

/** Whether every table could hold every node (N - 1 <= 2^p x K). */
export function tablesHoldEveryone (net: Network): boolean {
  return net.nodes - 1 <= 2 ** net.prefixLength * net.k
}

/**
 * The peers a table holds when a measured size says it holds fewer than
 * every node although it could: whole, at least K. Undefined when the
 * tables are full (or the model's own regime past 2^p x K applies).
 */
export function partialTable (net: Network): number | undefined {
  if (net.peersKnown === undefined || !tablesHoldEveryone(net)) return undefined
  const known = Math.round(net.peersKnown)
  return known < net.nodes - 1 ? Math.max(net.k, known) : undefined
}

/** The share of resolves a node answers from its own store: it is one of the K holders. */
export function ownStoreShare (net: Network): number {
  return net.nodes <= 1 ? 1 : Math.min(1, net.k / (net.nodes - 1))
}

/** Queries in flight at once: alpha on each of d paths. */
export function width (system: Pick<System, 'alpha' | 'paths'>): number {
  return system.alpha * system.paths
}

/** Walks simulated per network size and lookup shape where tables do not hold everyone. */
export const WALK_TRIALS = 100

const simulated = new Map<string, { walks: WalkTrial[], putQueries: number[] }>()

/**
 * Walks to convergence, round by round (a round: the queries sent
 * together, answered one query time later), as kad-dht's query and
 * keydir's walk take them. Both stop each path on its own: a path asks no
 * peer farther than the K closest that answered on it.
 *
 * Every table holds everyone: the K closest there are, dealt to d paths,
 * are asked alpha at a time per path; they hold the record and name no one
 * closer. One walk, the same every time.
 *
 * Otherwise kad-dht 16's table holds K peers of the key's region
 * (M = N / 2^p nodes) taken as they came: a Monte Carlo of the lookups'
 * own rules (walk-simulation.ts), WALK_TRIALS walks after as many puts.
 * The same Monte Carlo, over the whole network, when a measured table size
 * says the tables do not yet hold everyone (partialTable).
 */
export function walk (net: Network, system: WalkShape): WalkTrial[] {
  return walks(net, system).walks
}

function walks (net: Network, system: WalkShape): { walks: WalkTrial[], putQueries: number[] } {
  const k = Math.min(net.k, net.nodes - 1)
  if (k <= 0) return { walks: [], putQueries: [] }
  const known = partialTable(net)
  if (known !== undefined) return simulatedWalks(net.nodes, net.k, system, known, [net.nodes, net.k, 'known', known, system.rules, system.alpha, system.paths].join('|'))
  if (tablesHoldEveryone(net)) {
    const perPath = Array.from({ length: Math.min(system.paths, k) }, (_, i) => Math.floor(k / system.paths) + (i < k % system.paths ? 1 : 0))
    const perPathStart = [...perPath]
    const asked: number[] = []
    while (perPath.some(n => n > 0)) {
      asked.push(perPath.reduce((sum, n, i) => { const now = Math.min(system.alpha, n); perPath[i] = n - now; return sum + now }, 0))
    }
    // Path i of d asks the K closest's i-th, (d+i)-th, ... peers, alpha a round: the holders' paths round by round.
    const holderPaths = asked.map((_, round) => Array.from({ length: perPathStart.length }, (_, path) => path).flatMap(path => {
      const before = Math.min(perPathStart[path], round * system.alpha)
      return Array<number>(Math.min(system.alpha, perPathStart[path] - before)).fill(path)
    }))
    const pathEnds = perPathStart.map(n => Math.ceil(n / system.alpha) - 1)
    return { walks: [{ asked, holders: asked, holderPaths, pathEnds, widening: [], wideningAsked: [] }], putQueries: [k] }
  }
  return simulatedWalks(regionSize(net), net.k, system, net.k, [net.nodes, net.k, net.prefixLength, system.rules, system.alpha, system.paths].join('|'))
}

function simulatedWalks (region: number, k: number, system: WalkShape, known: number, key: string): { walks: WalkTrial[], putQueries: number[] } {
  let result = simulated.get(key)
  if (result === undefined) {
    result = simulateWalks(region, k, system, WALK_TRIALS, PUT_SHAPE, known)
    simulated.set(key, result)
  }
  return result
}

const sum = (values: number[]): number => values.reduce((a, b) => a + b, 0)
const mean = (values: number[]): number => values.length === 0 ? 0 : sum(values) / values.length
/** The median, the upper one of an even count (a count of rounds stays whole). */
function median (values: number[]): number {
  if (values.length === 0) return 0
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[sorted.length >> 1]
}
/** The first round with a record holder among its answers, if any. */
function firstHolderRound (trial: WalkTrial): number | undefined {
  const at = trial.holders.findIndex(h => h > 0)
  return at === -1 ? undefined : at
}
/** Total of the first `rounds` entries. */
const through = (values: number[], rounds: number): number => sum(values.slice(0, rounds))

/** What one resolve costs. */
export interface ResolveCost {
  /** Sequential query times on the critical path (median over walks). */
  hops: number
  /** GET_VALUE requests sent (mean); each is answered, so messages are twice this. */
  queries: number
  messages: number
  /** Bytes on the wire, every node's, per resolve (mean). */
  bytes: number
  /** Median. */
  latencyMs: number
  /** Valid answers heard (mean). */
  validAnswers: number
  /** Share of lookups that find the record at all: their walk meets a holder. */
  found: number
  /** keydir's first contact: share of lookups that reach the quorum (the others end when their walk and the peers it named are asked, or at the quorum wait). */
  quorumReached?: number
}

/** Bytes of one query and its answer: a holder's answer carries the record, every answer names up to K peers. */
export function queryBytes (net: Network, system: System, holder: boolean): number {
  const named = Math.min(net.k, tableSize(net))
  const peer = WIRE.peerEntryBaseBytes + net.addressesPerPeer * WIRE.bytesPerAddress
  return WIRE.requestBytes + WIRE.answerBaseBytes + (holder ? system.recordBytes + WIRE.recordWrapBytes : 0) + named * peer + WIRE.streamOverheadBytes
}

/** One query's time: its round trips, the responder's work, and a dial when one is needed (dials spread over the queries). */
export function queryMs (net: Network, queries: number): number {
  const dialShare = queries > 0 ? Math.min(1, net.dialsPerResolve / queries) : 0
  return net.roundTripsPerQuery * net.rttMs + net.serviceMs + dialShare * net.roundTripsPerDial * net.rttMs
}

/** How one simulated resolve ended: its hops, queries, holders among them, and checks on the critical path. */
interface Ending {
  hops: number
  queries: number
  holders: number
  verifies: number
  /** Set when the resolve ends before its last hop's query time does (keydir's quorum wait). */
  latencyMs?: number
}

/** A resolve's cost over its walks: means of queries, bytes and holders; medians of hops and latency. */
function cost (net: Network, system: System, trials: WalkTrial[], end: (trial: WalkTrial) => Ending): ResolveCost {
  if (trials.length === 0) return { hops: 0, queries: 0, messages: 0, bytes: 0, latencyMs: 0, validAnswers: 0, found: 0 }
  const endings = trials.map(end)
  const queries = mean(endings.map(e => e.queries))
  const holders = mean(endings.map(e => e.holders))
  const qMs = queryMs(net, queries)
  const bytes = holders * queryBytes(net, system, true) + (queries - holders) * queryBytes(net, system, false) + net.dialsPerResolve * WIRE.dialBytes
  return {
    hops: median(endings.map(e => e.hops)),
    queries,
    messages: 2 * queries,
    bytes,
    latencyMs: median(endings.map(e => e.latencyMs ?? e.hops * qMs + e.verifies * system.verifyMs)),
    validAnswers: holders,
    found: mean(trials.map(t => firstHolderRound(t) === undefined ? 0 : 1))
  }
}

/** IPNS's resolve through kad-dht's get(): the whole walk, to convergence, then the selector. */
export function ipnsQueryEnd (net: Network, system: System = IPNS): ResolveCost {
  return cost(net, system, walk(net, system), t => ({
    hops: t.asked.length,
    queries: sum(t.asked),
    holders: sum(t.holders),
    verifies: t.holders.at(-1) ?? 0
  }))
}

/**
 * When the first valid answer from another node comes (IPNS's "first
 * valid, other node"), as a median over walks: the end of the first round
 * with a holder among its answers (a walk that meets none: never).
 */
export function firstValidAnswerMs (net: Network, system: System): number {
  const trials = walk(net, system)
  if (trials.length === 0) return 0
  const qMs = queryMs(net, mean(trials.map(t => sum(t.asked))))
  return median(trials.map(t => {
    const at = firstHolderRound(t)
    return at === undefined ? Infinity : (at + 1) * qMs + system.verifyMs
  }))
}

/** Queries the first round sends: the K closest of the asker's table, alpha per path (mean). */
export function firstRoundQueries (net: Network, system: System): number {
  return mean(walk(net, system).map(t => t.asked[0] ?? 0))
}

/**
 * keydir's first contact: `quorum` valid answers over as many paths (fewer
 * when paths end without one), then the answers in flight. The round that
 * brings the quorum has, as its answers arrived before the quorum was
 * checked, released one more ask each: between quorum and alpha x d of
 * them (taken halfway, and no more than the next round asks), and the
 * lookup waits for those: one more query time. A walk that ends short of
 * the quorum with a record found then asks the peers it named but did not
 * ask, alpha at a time, until the quorum or the quorum wait after its
 * first valid answer, whichever comes first.
 */
export function keydirFirstContact (net: Network, system: System = KEYDIR, quorum = KEYDIR_QUORUM, quorumWaitMs = KEYDIR_QUORUM_WAIT_MS): ResolveCost {
  const trials = walk(net, system)
  const meanQueries = mean(trials.map(t => sum(t.asked)))
  const qMs = queryMs(net, meanQueries)
  const ending = (t: WalkTrial): Ending & { reached: boolean } => {
    const r = quorumRound(t, quorum)
    if (r !== undefined) {
      const nextAsked = t.asked[r + 1] ?? 0
      const inFlight = Math.min(nextAsked, (quorum + width(system)) / 2)
      // The peers in flight hold the record as often as the whole next round's do.
      const inFlightHolders = nextAsked === 0 ? 0 : inFlight * t.holders[r + 1] / nextAsked
      return { hops: r + 1 + (inFlight > 0 ? 1 : 0), queries: through(t.asked, r + 1) + inFlight, holders: through(t.holders, r + 1) + inFlightHolders, verifies: Math.max(quorum, inFlight), reached: true }
    }
    const end = { hops: t.asked.length, queries: sum(t.asked), holders: sum(t.holders), verifies: 1, reached: false }
    const first = firstHolderRound(t)
    if (first === undefined) return end
    const waitEnd = (first + 1) * qMs + system.verifyMs + quorumWaitMs
    for (let w = 0; w < t.widening.length && end.holders < quorum; w++) {
      if ((end.hops + 1) * qMs + system.verifyMs > waitEnd) return { ...end, latencyMs: waitEnd }
      end.hops++
      end.queries += t.wideningAsked[w]
      end.holders += t.widening[w]
    }
    return { ...end, reached: end.holders >= quorum }
  }
  const result = cost(net, system, trials, ending)
  return { ...result, quorumReached: mean(trials.map(t => ending(t).reached ? 1 : 0)) }
}

/**
 * keydir's refresh of a pinned peer: it ends at the first valid answer.
 * That answer's round is in flight by then, and its answers are on their
 * way when the walk is aborted: counted whole. It walks on while it has
 * found nothing, so it finds the record as often as the whole walk does.
 */
export function keydirRefresh (net: Network, system: System = KEYDIR): ResolveCost {
  return cost(net, system, walk(net, system), t => {
    const rounds = (firstHolderRound(t) ?? t.asked.length - 1) + 1
    return { hops: rounds, queries: through(t.asked, rounds), holders: through(t.holders, rounds), verifies: 1 }
  })
}

/** A node's share of keeping the records published and stored. */
export interface Upkeep {
  /** Records a node holds in its DHT store: K copies of each node's record spread over N nodes, and its own. */
  recordsPerNode: number
  storedBytesPerNode: number
  /** FIND_NODE queries a put's walk sends, then its K PUT_VALUEs (each echoed with the record). */
  putQueries: number
  bytesPerPut: number
  /** Every node republishes its own record: bytes sent per node per hour (the same received). */
  republishBytesPerNodeHour: number
  republishBitsPerSecond: number
}

export function upkeep (net: Network, system: System): Upkeep {
  const copies = Math.min(net.k, net.nodes - 1)
  const recordsPerNode = net.nodes <= 1 ? 1 : copies + 1
  // kad-dht's put walks with its own rules and width, whatever the system's lookup.
  const findNode = mean(walks(net, PUT_SHAPE).putQueries)
  const findNodeBytes = findNode * queryBytes(net, system, false)
  const putBytes = copies * (2 * (WIRE.requestBytes + system.recordBytes + WIRE.recordWrapBytes) + WIRE.streamOverheadBytes)
  const bytesPerPut = findNodeBytes + putBytes
  const perHour = bytesPerPut * (60 * 60 * 1000) / system.republishMs
  return {
    recordsPerNode,
    storedBytesPerNode: recordsPerNode * (system.recordBytes + WIRE.recordWrapBytes),
    putQueries: findNode + copies,
    bytesPerPut,
    republishBytesPerNodeHour: perHour,
    republishBitsPerSecond: perHour * 8 / 3600
  }
}
