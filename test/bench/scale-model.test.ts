import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { describe, it } from 'node:test'
import { randomBytes } from 'node:crypto'
import { publicKeyFromRaw } from '@libp2p/crypto/keys'
import { peerIdFromPublicKey } from '@libp2p/peer-id'
import { compareWithBench, withinTolerance, type NetworkBenchFile } from '../../bench/scale/compare.js'
import { K, KAD_ALPHA, KAD_PREFIX_LENGTH, KEYDIR_ALPHA, KEYDIR_RECORD_BYTES, WIRE } from '../../bench/scale/constants.js'
import {
  defaultNetwork, firstValidAnswerMs, IPNS, ipnsQueryEnd, KEYDIR, keydirFirstContact, keydirRefresh, ownStoreShare, queryBytes,
  partialTable, regionSize, tableSize, tablesHoldEveryone, upkeep, walk
} from '../../bench/scale/model.js'
import { simulateWalks } from '../../bench/scale/walk-simulation.js'
import { seededRandom } from '../../bench/lib/random.js'
import { walkDisjointPaths } from '../../src/dht/lookup/disjoint-paths.js'
import type { PeerId } from '@libp2p/interface'
import { parseScaleModelArgs } from '../../bench/scale-model.js'

const repo = new URL('../../../', import.meta.url)
const read = (path: string): string => readFileSync(new URL(path, repo), 'utf8')

/** 10^3 to 10^6, a step a decade. */
const sizes = [1000, 10_000, 100_000, 1_000_000]

/** An Ed25519 PeerId from random bytes: a walk only needs distinct ids, not keys that sign (generating thousands of keys takes seconds). */
const randomPeerId = (): PeerId => peerIdFromPublicKey(publicKeyFromRaw(randomBytes(32)))
/** Peer ids drawn from a seed: a statistical check on them gives the same answer every run. */
const seededPeerIds = (seed: number): () => PeerId => {
  const random = seededRandom(seed)
  return () => peerIdFromPublicKey(publicKeyFromRaw(Uint8Array.from({ length: 32 }, () => Math.floor(random() * 256))))
}

/**
 * A region of M peers, each answering with K uniform members of it (the
 * bucket kad-dht 16's table holds for the key's region); a walk over it is
 * driven by the installed kad-dht's query-path.js or keydir's own walk,
 * each answer after a timer, so that the queries sent together come back
 * together, as over links of equal RTT.
 */
function syntheticRegion (m: number): { peers: PeerId[], bucket: (peer: PeerId) => PeerId[], sample: () => PeerId[] } {
  const peers = Array.from({ length: m }, randomPeerId)
  const sample = (): PeerId[] => {
    const picked = new Set<number>()
    while (picked.size < K) picked.add(Math.floor(Math.random() * m))
    return [...picked].map(i => peers[i])
  }
  const buckets = new Map<string, PeerId[]>()
  const bucket = (peer: PeerId): PeerId[] => {
    const key = peer.toString()
    let b = buckets.get(key)
    if (b === undefined) {
      b = sample().filter(p => !p.equals(peer))
      buckets.set(key, b)
    }
    return b
  }
  return { peers, bucket, sample }
}

const tick = async (): Promise<void> => { await new Promise(resolve => setTimeout(resolve, 1)) }

/** Peers kad-dht 16's installed query (query-path.js, the starting K dealt to 10 paths as query/manager.js does) asks in one get. */
async function installedKadQuery (region: ReturnType<typeof syntheticRegion>): Promise<number> {
  const { queryPath } = await import(new URL('node_modules/@libp2p/kad-dht/dist/src/query/query-path.js', repo).href)
  const seen = new Set<string>()
  const peersSeen = { add: (b: Uint8Array) => seen.add(Buffer.from(b).toString('hex')), has: (b: Uint8Array) => seen.has(Buffer.from(b).toString('hex')) }
  const paths: PeerId[][] = Array.from({ length: KAD_ALPHA }, () => [])
  region.sample().forEach((p, i) => paths[i % KAD_ALPHA].push(p))
  let asked = 0
  const query = async function * ({ peer }: { peer: { id: PeerId } }): AsyncGenerator<unknown> {
    asked++
    await tick()
    yield { name: 'PEER_RESPONSE', from: peer.id, closer: region.bucket(peer.id).map(id => ({ id, multiaddrs: [] })) }
  }
  const log = Object.assign(() => {}, { error () {}, trace () {} })
  const signal = new AbortController().signal
  const key = randomBytes(32)
  const runs = paths.map((startingPeers, index) => queryPath({
    key,
    startingPeers,
    ourPeerId: randomPeerId(),
    query,
    alpha: KAD_ALPHA,
    path: index,
    numPaths: KAD_ALPHA,
    kBucketSize: K,
    log,
    peersSeen,
    connectionManager: { isDialable: async () => true },
    signal
  }))
  await Promise.all(runs.map(async (run: AsyncIterable<unknown>) => { for await (const event of run) void event }))
  return asked
}

/** Peers keydir's own walk (src/dht/lookup/disjoint-paths.ts) asks when it walks to its end. */
async function keydirWalk (region: ReturnType<typeof syntheticRegion>): Promise<number> {
  let asked = 0
  const start = region.sample()
  await walkDisjointPaths({
    closestPeers: () => start,
    self: randomPeerId(),
    ask: async peer => { asked++; await tick(); return { closer: region.bucket(peer.id).map(id => ({ id, multiaddrs: [] })) } }
  }, randomBytes(32), { paths: KEYDIR.paths, alpha: KEYDIR.alpha, askTimeoutMs: 3000, onAnswer: () => {} })
  return asked
}

describe('scale model: constants', () => {
  it('names the constants the installed kad-dht and keydir\'s lookup use', () => {
    assert.match(read('node_modules/@libp2p/kad-dht/dist/src/constants.js'), new RegExp(`export const ALPHA = ${KAD_ALPHA};`))
    assert.match(read('node_modules/@libp2p/kad-dht/dist/src/constants.js'), /export const K = 20;/)
    assert.match(read('node_modules/@libp2p/kad-dht/dist/src/routing-table/index.js'), new RegExp(`export const PREFIX_LENGTH = ${KAD_PREFIX_LENGTH};`))
    assert.match(read('src/dht/lookup/record-lookup.ts'), new RegExp(`const DEFAULT_ALPHA = ${KEYDIR_ALPHA}\\b`))
  })
})

describe('scale model: routing tables and walks', () => {
  it('follows the installed kad-dht: its table keeps at most 2^6 x 20 = 1,280 of the peers it is offered, fewer where a bucket gets under 20', async () => {
    // The model's central assumption, checked on kad-dht's own KBucket (not exported by the package: imported by path).
    // Of 2,000 peers a bucket gets 31 on average, and now and then fewer than 20: the expected count is a little under 1,280.
    const { KBucket } = await import(new URL('node_modules/@libp2p/kad-dht/dist/src/routing-table/k-bucket.js', repo).href)
    // Seeded: the count's spread around its mean is a few peers, and a random draw now and then passed the tolerance.
    const peerId = seededPeerIds(2001)
    const table = new KBucket({ peerId: peerId() }, { verify: async () => true, ping: async function * () {}, metricsPrefix: 'scale_model_test' })
    await table.start()
    for (let i = 0; i < 2000; i++) await table.add(peerId())
    assert.ok(table.count() <= 1280)
    assert.ok(Math.abs(table.count() - tableSize(defaultNetwork(2001))) <= 4, `${table.count()} against ${tableSize(defaultNetwork(2001))}`)
  })

  it('fills a table with every node up to 2^6 x 20 = 1,280 peers, and samples a region of N / 64 beyond', () => {
    // 999 others fit 64 buckets of 20 only on average: a bucket's share of them is Binomial(999, 1/64), and what passes 20 is dropped.
    const binomial = (n: number, p: number, i: number): number => Math.exp(lnChoose(n, i) + i * Math.log(p) + (n - i) * Math.log(1 - p))
    const lnChoose = (n: number, i: number): number => lnFactorial(n) - lnFactorial(i) - lnFactorial(n - i)
    const lnFactorial = (n: number): number => { let f = 0; for (let i = 2; i <= n; i++) f += Math.log(i); return f }
    const expected = 64 * Array.from({ length: 1000 }, (_, i) => binomial(999, 1 / 64, i) * Math.min(i, K)).reduce((a, b) => a + b, 0)
    assert.ok(Math.abs(tableSize(defaultNetwork(1000)) - expected) < 1, `${tableSize(defaultNetwork(1000))} against ${expected}`)
    assert.ok(tableSize(defaultNetwork(1000)) < 990)
    assert.equal(tableSize(defaultNetwork(21)), 20)
    assert.ok(Math.abs(tableSize(defaultNetwork(100)) - 99) < 0.01, 'no bucket of 99 others overflows')
    assert.equal(tablesHoldEveryone(defaultNetwork(1281)), true)
    assert.equal(tablesHoldEveryone(defaultNetwork(1282)), false)
    assert.ok(Math.abs(tableSize(defaultNetwork(1_000_000)) - 1280) < 1e-6)
    assert.equal(regionSize(defaultNetwork(10_000)), 156.25)
    assert.equal(ownStoreShare(defaultNetwork(10)), 1)
    assert.equal(ownStoreShare(defaultNetwork(201)), 0.1)
  })

  it('asks the K closest, all holders, alpha at a time on each path, when tables hold everyone', () => {
    const net = defaultNetwork(1000)
    assert.deepEqual(walk(net, KEYDIR).map(w => w.asked), [[9, 9, 2]])
    assert.deepEqual(walk(net, IPNS)[0].asked, [20])
    assert.deepEqual(walk(defaultNetwork(10), IPNS)[0].asked, [9])
  })

  it('walks a young network whose measured tables hold fewer than every node: more queries and a second hop', () => {
    const full = defaultNetwork(300)
    assert.equal(partialTable(full), undefined)
    assert.equal(partialTable(defaultNetwork(300, { peersKnown: 299 })), undefined, 'a table of every other node is full')
    assert.equal(partialTable(defaultNetwork(300, { peersKnown: 5 })), K, 'never fewer than a bucket')
    assert.equal(partialTable(defaultNetwork(5000, { peersKnown: 100 })), undefined, 'past 2^6 x 20 the model has its own regime')
    const young = defaultNetwork(300, { peersKnown: 100 })
    assert.equal(partialTable(young), 100)
    const fullEnd = ipnsQueryEnd(full)
    const youngEnd = ipnsQueryEnd(young)
    assert.equal(fullEnd.hops, 1)
    assert.ok(youngEnd.hops >= 2, `hops ${youngEnd.hops}`)
    assert.ok(youngEnd.queries > fullEnd.queries, `queries ${youngEnd.queries} against ${fullEnd.queries}`)
    assert.ok(keydirRefresh(young).queries >= keydirRefresh(full).queries)
    // Nearly full tables walk nearly as full ones do.
    assert.ok(ipnsQueryEnd(defaultNetwork(300, { peersKnown: 298 })).queries < youngEnd.queries)
  })

  it('keeps the walks of full buckets when told their size: known = K is the default', () => {
    const shape = { rules: 'kad-dht' as const, alpha: KAD_ALPHA, paths: 10 }
    assert.deepEqual(simulateWalks(156, K, shape, 5), simulateWalks(156, K, shape, 5, undefined, K))
  })

  it('stops each path on its own: kad-dht\'s query asks as many peers as the installed query-path.js does (M = 156)', async () => {
    // The model's walk at 10,000 nodes (a region of 156) against the installed kad-dht 16 query-path.js over a region of 156 random PeerIds.
    const region = syntheticRegion(156)
    const trials = 4
    let asked = 0
    for (let t = 0; t < trials; t++) asked += await installedKadQuery(region)
    const measured = asked / trials
    const predicted = ipnsQueryEnd(defaultNetwork(10_000)).queries
    assert.ok(withinTolerance(predicted, measured, 0.15), `model ${predicted.toFixed(1)} queries, installed query-path.js ${measured.toFixed(1)}`)
  })

  it('stops each path on its own: keydir\'s walk asks as many peers as src/dht/lookup/disjoint-paths.ts does (M = 156)', async () => {
    const region = syntheticRegion(156)
    const trials = 4
    let asked = 0
    for (let t = 0; t < trials; t++) asked += await keydirWalk(region)
    const measured = asked / trials
    const simulated = simulateWalks(156, K, KEYDIR, 100).walks
    const predicted = simulated.reduce((sum, w) => sum + w.asked.reduce((a, b) => a + b, 0), 0) / simulated.length
    assert.ok(withinTolerance(predicted, measured, 0.15), `model ${predicted.toFixed(1)} queries, keydir's walk ${measured.toFixed(1)}`)
  })

  it('takes more hops and queries as N grows past the tables, and still finds the record at 10^6', () => {
    let previous = { hops: 0, queries: 0, firstContactHops: 0 }
    for (const n of sizes) {
      const net = defaultNetwork(n)
      const ipns = ipnsQueryEnd(net)
      const first = keydirFirstContact(net)
      const now = { hops: ipns.hops, queries: ipns.queries, firstContactHops: first.hops }
      assert.ok(now.hops >= previous.hops, `hops at ${n}`)
      assert.ok(now.queries >= previous.queries, `queries at ${n}`)
      assert.ok(now.firstContactHops >= previous.firstContactHops, `first contact hops at ${n}`)
      previous = now
    }
    const million = defaultNetwork(1_000_000)
    // Ten paths, each converging on its own 20 answers, ask some 350 peers and meet about half the holders.
    assert.ok(ipnsQueryEnd(million).queries > 250, 'IPNS asks hundreds of peers at 10^6')
    assert.ok(ipnsQueryEnd(million).found > 0.95)
    assert.ok(keydirFirstContact(million).found > 0.9)
    assert.ok((keydirFirstContact(million).quorumReached ?? 1) < 0.8, 'a first contact at 10^6 often ends without its quorum')
    assert.ok(upkeep(million, KEYDIR).putQueries > 250 + K, 'a put\'s FIND_NODE walk is as long as a get\'s')
  })
})

describe('scale model: a resolve at 1,000 nodes, by hand', () => {
  const net = defaultNetwork(1000)
  // A query: request 48 + answer 48 + 20 named peers of 53 + stream 314, and a holder's record with its wrapper (77).
  const keydirQuery = 48 + 48 + KEYDIR_RECORD_BYTES + 77 + 20 * 53 + 314
  const ipnsQuery = 48 + 48 + 397 + 77 + 20 * 53 + 314

  it('sizes a query and its answer', () => {
    assert.equal(WIRE.streamOverheadBytes, 314)
    assert.equal(queryBytes(net, KEYDIR, true), keydirQuery)
    assert.equal(queryBytes(net, IPNS, true), ipnsQuery)
    assert.equal(queryBytes(net, KEYDIR, false), 48 + 48 + 20 * 53 + 314)
  })

  it('keydir first contact: 9 asked, 6 more in flight, two query times of 2 RTT + 1 ms, then the checks', () => {
    const c = keydirFirstContact(net)
    assert.equal(c.queries, 15)
    assert.equal(c.messages, 30)
    assert.equal(c.hops, 2)
    assert.equal(c.bytes, 15 * keydirQuery)
    assert.ok(Math.abs(c.latencyMs - (2 * (2 * 20 + 1) + 6 * 0.44)) < 1e-9)
    assert.equal(c.found, 1)
  })

  it('keydir refresh: the first wave of 9, one query time', () => {
    const c = keydirRefresh(net)
    assert.equal(c.queries, 9)
    assert.equal(c.hops, 1)
    assert.ok(Math.abs(c.latencyMs - (41 + 0.44)) < 1e-9)
  })

  it('IPNS: the 20 closest at once, one query time to its query end', () => {
    const c = ipnsQueryEnd(net)
    assert.equal(c.queries, 20)
    assert.equal(c.hops, 1)
    assert.equal(c.bytes, 20 * ipnsQuery)
    assert.ok(Math.abs(c.latencyMs - (41 + 20 * 0.1)) < 1e-9)
    assert.ok(Math.abs(firstValidAnswerMs(net, IPNS) - 41.1) < 1e-9)
  })

  it('grows latency by hops x 2 RTT per extra RTT, and bytes by holders x the extra record bytes', () => {
    const slow = keydirFirstContact(defaultNetwork(1000, { rttMs: 50 }))
    const base = keydirFirstContact(net)
    assert.ok(Math.abs(slow.latencyMs - base.latencyMs - base.hops * 2 * 30) < 1e-9)
    const bigger = keydirFirstContact(net, { ...KEYDIR, recordBytes: KEYDIR.recordBytes + 1000 })
    assert.equal(bigger.bytes - base.bytes, base.validAnswers * 1000)
  })

  it('upkeep: K + 1 records a node, a put of 20 FIND_NODEs and 20 echoed PUTs every 8 hours', () => {
    const u = upkeep(net, KEYDIR)
    assert.equal(u.recordsPerNode, 21)
    assert.equal(u.putQueries, 40)
    const put = 20 * (48 + 48 + 20 * 53 + 314) + 20 * (2 * (48 + KEYDIR_RECORD_BYTES + 77) + 314)
    assert.equal(u.bytesPerPut, put)
    assert.ok(Math.abs(u.republishBytesPerNodeHour - put / 8) < 1e-9)
    assert.equal(upkeep(defaultNetwork(10), IPNS).recordsPerNode, 10)
  })
})

describe('scale model: against a network bench', () => {
  it('flags a quantity off by more than 20% either way', () => {
    assert.equal(withinTolerance(119, 100), true)
    assert.equal(withinTolerance(81, 100), true)
    assert.equal(withinTolerance(125, 100), false)
    assert.equal(withinTolerance(75, 100), false)
  })

  it('puts each measured quantity beside its prediction, and misses a 25% miss', () => {
    const net = defaultNetwork(1000, { rttMs: 20 })
    const predicted = ipnsQueryEnd(net)
    const file: NetworkBenchFile = {
      data: {
        rttMs: 20,
        quorum: 3,
        disjointPaths: 3,
        runs: [
          { kind: 'ipns', nodes: 1000, procs: 10, paths: { dht: { total: { p50: predicted.latencyMs }, bytesPerResolve: predicted.bytes / 1.25, dialsPerResolve: 0, dhtMessagesPerResolve: 20 } } },
          { kind: 'keydir', nodes: 1000, paths: { dht: { total: { p50: keydirFirstContact(net).latencyMs } }, refresh: { total: { p50: keydirRefresh(net).latencyMs } }, direct: { total: { p50: 9 } } } }
        ]
      }
    }
    const rows = compareWithBench(file)
    const find = (resolve: string, quantity: string) => rows.find(r => r.resolve === resolve && r.quantity === quantity)
    assert.equal(find('IPNS query end', 'return p50 ms')?.within, true)
    assert.equal(find('IPNS query end', 'DHT requests/resolve')?.within, true)
    const bytes = find('IPNS query end', 'KiB on wire/resolve')
    assert.ok(bytes !== undefined)
    assert.equal(bytes.within, false)
    assert.ok(Math.abs(bytes.ratio - 1.25) < 1e-9)
    assert.equal(find('keydir first contact', 'return p50 ms')?.within, true)
    assert.equal(rows.some(r => r.resolve.includes('direct')), false, 'the direct path is not modelled')
    assert.equal(find('keydir refresh', 'return p50 ms')?.within, true)
    assert.equal(rows.filter(r => r.nodes === '1000 (10 procs)').length, 3, 'no row for a quantity not measured')
    assert.equal(rows.some(r => r.quantity.startsWith('peers in a routing table')), false, 'no table row without measured tables')
    const young = compareWithBench({ data: { ...file.data, runs: [{ ...file.data.runs[0], nodes: 300, routingTable: { p50: 100 } }] } })
    const table = young.find(r => r.quantity.startsWith('peers in a routing table'))
    assert.ok(Math.abs((table?.predicted ?? 0) - 299) < 0.01, 'a full table: every other node')
    assert.equal(table?.measured, 100)
    assert.equal(young.find(r => r.resolve === 'IPNS query end' && r.quantity === 'DHT requests/resolve')?.predicted, ipnsQueryEnd(defaultNetwork(300, { peersKnown: 100 })).queries, 'the measured table size is the model\'s input')
    const before = compareWithBench({ data: { ...file.data, disjointPaths: undefined } })
    assert.equal(before.some(r => r.resolve.startsWith('keydir')), false, 'no keydir row, refresh included, from a lookup without disjoint paths')
  })

  it('reads its options: sizes, RTT, and the files to compare', () => {
    const options = parseScaleModelArgs(['--nodes', '1000,10000', '--rtt-ms', '40', '--compare', 'a.json', '--compare', 'b.json'])
    assert.deepEqual(options.nodes, [1000, 10000])
    assert.equal(options.rttMs, 40)
    assert.deepEqual(options.compare, ['a.json', 'b.json'])
    const tuned = parseScaleModelArgs(['--k', '16', '--prefix-length', '10', '--alpha', '4', '--paths', '5', '--quorum', '5', '--record-bytes', '7000'])
    assert.equal(tuned.k, 16)
    assert.equal(tuned.prefixLength, 10)
    assert.deepEqual(tuned.keydir, { alpha: 4, paths: 5, quorum: 5, recordBytes: 7000 })
    const joined = parseScaleModelArgs(['--k=16', '--rtt=30', '--compare=a.json'])
    assert.deepEqual([joined.k, joined.rttMs, joined.compare], [16, 30, ['a.json']])
    assert.throws(() => parseScaleModelArgs(['--paths', '0']), /--paths takes a whole number/)
    assert.throws(() => parseScaleModelArgs(['--compare']), /--compare takes the path/)
    assert.throws(() => parseScaleModelArgs(['--rtt-ms', 'x']), /--rtt-ms takes a number/)
  })
})
