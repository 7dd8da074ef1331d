/**
 * The scale model of docs/scale.md: what one resolve and one node's upkeep
 * cost in a DHT of N nodes, from K, alpha, disjoint paths, quorum, record
 * size and RTT. Pure functions; docs/scale.md derives each one.
 *
 * Assumptions: uniform Kademlia ids; every routing table full (every
 * bucket holds K peers, or every peer when there are fewer); no churn; a
 * record stored on the K peers its publisher's put found; every peer
 * answers; the network's RTT, not CPU, sets the time of a query.
 */
import {
  IPNS_RECORD_BYTES, IPNS_REPUBLISH_MS, IPNS_VERIFY_MS, K, KAD_ALPHA, KAD_DISJOINT_PATHS, KAD_PREFIX_LENGTH,
  KEYDIR_ALPHA, KEYDIR_GRACE_MS, KEYDIR_PATHS, KEYDIR_QUORUM, KEYDIR_RECORD_BYTES, KEYDIR_REPUBLISH_MS, KEYDIR_VERIFY_MS,
  ROUND_TRIPS_PER_DIAL, ROUND_TRIPS_PER_QUERY, SERVICE_MS, WIRE
} from './constants.js'

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
  /** Addresses each peer named in an answer carries. */
  addressesPerPeer: number
}

/** How a system looks a record up and keeps it published. */
export interface System {
  name: string
  /** Peers asked at once per path. */
  alpha: number
  /** Disjoint paths. */
  paths: number
  recordBytes: number
  /** Checking one answer's record on the resolving node. */
  verifyMs: number
  republishMs: number
}

export const KEYDIR: System = { name: 'keydir', alpha: KEYDIR_ALPHA, paths: KEYDIR_PATHS, recordBytes: KEYDIR_RECORD_BYTES, verifyMs: KEYDIR_VERIFY_MS, republishMs: KEYDIR_REPUBLISH_MS }
export const IPNS: System = { name: 'IPNS', alpha: KAD_ALPHA, paths: KAD_DISJOINT_PATHS, recordBytes: IPNS_RECORD_BYTES, verifyMs: IPNS_VERIFY_MS, republishMs: IPNS_REPUBLISH_MS }

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

/** Peers a full routing table holds: every other node, or 2^p x K when there are more. */
export function tableSize (net: Network): number {
  return Math.min(net.nodes - 1, 2 ** net.prefixLength * net.k)
}

/** Nodes that share the key's first p bits: the part of the network one bucket of a full table samples. */
export function regionSize (net: Network): number {
  return net.nodes / 2 ** net.prefixLength
}

/** Whether every table holds every node, so the K closest in one's own table are the K closest there are. */
export function tablesHoldEveryone (net: Network): boolean {
  return net.nodes - 1 <= 2 ** net.prefixLength * net.k
}

/** The share of resolves a node answers from its own store: it is one of the K holders. */
export function ownStoreShare (net: Network): number {
  return net.nodes <= 1 ? 1 : Math.min(1, net.k / (net.nodes - 1))
}

/** One wave of a walk: the peers it asks at once, after the previous wave's answers are in. */
export interface Wave {
  asked: number
  /** Peers asked so far. */
  askedTotal: number
  /** Expected record holders among the peers asked so far. */
  holdersTotal: number
}

/** Queries in flight at once: alpha on each of d paths. */
export function width (system: System): number {
  return system.alpha * system.paths
}

/**
 * A walk to convergence, wave by wave, as kad-dht's query and keydir's
 * walk both take it: ask the closest peers not yet asked, at most `wide`
 * at once; stop when no peer closer than the K closest that answered is
 * left to ask.
 *
 * Every table holds everyone: the walk asks the K closest there are, who
 * hold the record and name no one closer: ceil(K / wide) waves.
 *
 * Otherwise kad-dht 16's table, a trie on the id's first p bits, holds K
 * peers of the key's region (M = N / 2^p nodes) taken as they came, not the
 * closest: each answer names K uniform members of the region. After A
 * answers the walk has seen S(A) = M (1 - e^(-AK/M)) of them. The peers
 * left to ask are the unasked among the K closest seen: each wave's answers
 * bring K dS/S new ones and push out a share dS/S of those waiting. The
 * put walked the same way and stored the record on the K closest it saw,
 * each of which this walk has seen with chance S/M, and then ranks among
 * its own K closest: a peer asked after S were seen holds the record with
 * chance S/M. Stops when less than half a peer is left to ask.
 */
export function walk (net: Network, wide: number): Wave[] {
  const k = Math.min(net.k, net.nodes - 1)
  if (k <= 0) return []
  const waves: Wave[] = []
  let askedTotal = 0
  let holdersTotal = 0
  if (tablesHoldEveryone(net)) {
    while (askedTotal < k) {
      const asked = Math.min(wide, k - askedTotal)
      askedTotal += asked
      holdersTotal += asked
      waves.push({ asked, askedTotal, holdersTotal })
    }
    return waves
  }
  const m = regionSize(net)
  const seenAfter = (answers: number): number => Math.max(k, m * (1 - Math.exp(-answers * k / m)))
  let pending = k // this node's own bucket for the key's region: K members, a sample of it too
  let seen = k
  for (let i = 0; i < 256 && pending >= 0.5; i++) {
    const asked = Math.min(wide, pending)
    askedTotal += asked
    holdersTotal += asked * Math.min(1, seen / m)
    waves.push({ asked, askedTotal, holdersTotal })
    const seenNow = seenAfter(askedTotal)
    const share = (seenNow - seen) / seenNow
    pending = (pending - asked) * (1 - share) + k * share
    seen = seenNow
  }
  return waves
}

/** Probability that a walk meets at least one holder, the holders met being Poisson: 1 - e^-V. */
export function findProbability (holders: number, net: Network): number {
  return tablesHoldEveryone(net) ? 1 : 1 - Math.exp(-holders)
}

/** The first wave by whose end `holders` holders are expected asked; the last wave when never. */
function waveReaching (waves: Wave[], holders: number): { index: number, reached: boolean } {
  const index = waves.findIndex(w => w.holdersTotal >= holders)
  return index === -1 ? { index: waves.length - 1, reached: false } : { index, reached: true }
}

/** What one resolve costs. */
export interface ResolveCost {
  /** Sequential query times on the critical path (a round wider than the walk's width takes several). */
  hops: number
  /** GET_VALUE requests sent; each is answered, so messages are twice this. */
  queries: number
  messages: number
  /** Bytes on the wire, every node's, per resolve. */
  bytes: number
  latencyMs: number
  /** Expected valid answers heard. */
  validAnswers: number
  /** Probability that the lookup finds the record at all. */
  found: number
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

/** A resolve's cost from its walk: `holders` of its `queries` answered with the record; `walkHolders` are those the whole walk would meet. */
function cost (net: Network, system: System, hops: number, queries: number, holders: number, verifies: number, walkHolders: number): ResolveCost {
  const bytes = holders * queryBytes(net, system, true) + (queries - holders) * queryBytes(net, system, false) + net.dialsPerResolve * WIRE.dialBytes
  return {
    hops,
    queries,
    messages: 2 * queries,
    bytes,
    latencyMs: hops * queryMs(net, queries) + verifies * system.verifyMs,
    validAnswers: holders,
    found: findProbability(walkHolders, net)
  }
}

/**
 * IPNS's resolve through kad-dht's get(): the whole walk, to convergence,
 * then the selector. Its width, 10 paths x 10, is wider than any wave.
 */
export function ipnsQueryEnd (net: Network, system: System = IPNS): ResolveCost {
  const waves = walk(net, width(system))
  const last = waves.at(-1)
  if (last === undefined) return cost(net, system, 0, 0, 0, 0, 0)
  return cost(net, system, waves.length, last.askedTotal, last.holdersTotal, Math.min(last.asked, last.holdersTotal), last.holdersTotal)
}

/**
 * When the first valid answer from another node comes (IPNS's "first
 * valid, other node"), as a median: at the end of the wave by which ln 2
 * holders are expected asked (a Poisson count is then 0 half the time).
 */
export function firstValidAnswerMs (net: Network, system: System): number {
  const waves = walk(net, width(system))
  if (waves.length === 0) return 0
  const { index } = waveReaching(waves, Math.LN2)
  return (index + 1) * queryMs(net, waves[index].askedTotal) + system.verifyMs
}

/**
 * keydir's first contact: `quorum` valid answers over as many paths, then
 * the answers already in flight. The wave that brings the quorum has, as
 * its answers arrived before the quorum was checked, released one more
 * ask each: between quorum and alpha x d of them (taken halfway, and no
 * more than the walk had left), and the lookup waits for those: one more
 * query time. When the walk ends with fewer than quorum holders expected,
 * the lookup ends at the walk's end or the grace time after its first
 * answer, whichever comes first.
 */
export function keydirFirstContact (net: Network, system: System = KEYDIR, quorum = KEYDIR_QUORUM, graceMs = KEYDIR_GRACE_MS): ResolveCost {
  const waves = walk(net, width(system))
  const last = waves.at(-1)
  if (last === undefined) return cost(net, system, 0, 0, 0, 0, 0)
  const { index, reached } = waveReaching(waves, quorum)
  const at = waves[index]
  if (reached) {
    const inFlight = Math.min(last.askedTotal - at.askedTotal, (quorum + width(system)) / 2)
    const queries = at.askedTotal + inFlight
    // The peers in flight hold the record as often as the next wave's do.
    const next = waves[index + 1]
    const holders = at.holdersTotal + (next === undefined ? 0 : inFlight * (next.holdersTotal - at.holdersTotal) / next.asked)
    return cost(net, system, index + 1 + (inFlight > 0 ? 1 : 0), queries, holders, Math.max(quorum, inFlight), last.holdersTotal)
  }
  const walkEnd = cost(net, system, waves.length, last.askedTotal, last.holdersTotal, 1, last.holdersTotal)
  const firstMs = firstValidAnswerMs(net, system)
  const graceEnd = firstMs + Math.max(graceMs, firstMs)
  if (graceEnd >= walkEnd.latencyMs) return walkEnd
  return { ...walkEnd, latencyMs: graceEnd, hops: Math.min(walkEnd.hops, Math.ceil(graceEnd / queryMs(net, last.askedTotal))) }
}

/**
 * keydir's refresh of a pinned peer: it ends at the first valid answer.
 * That answer's wave is in flight by then, and its answers are on their
 * way when the walk is aborted: counted whole. It walks on while it has
 * found nothing, so it finds the record as often as the whole walk does.
 */
export function keydirRefresh (net: Network, system: System = KEYDIR): ResolveCost {
  const waves = walk(net, width(system))
  const last = waves.at(-1)
  if (last === undefined) return cost(net, system, 0, 0, 0, 0, 0)
  const { index } = waveReaching(waves, Math.LN2)
  const at = waves[index]
  return cost(net, system, index + 1, at.askedTotal, at.holdersTotal, 1, last.holdersTotal)
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
  // kad-dht's put walks with its own width, whatever the system's lookup.
  const findNode = walk(net, KAD_ALPHA * KAD_DISJOINT_PATHS).at(-1)?.askedTotal ?? 0
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
