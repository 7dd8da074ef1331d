import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { describe, it } from 'node:test'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { compareWithBench, withinTolerance, type NetworkBenchFile } from '../../bench/scale/compare.js'
import { KAD_ALPHA, KAD_PREFIX_LENGTH, KEYDIR_ALPHA, WIRE } from '../../bench/scale/constants.js'
import {
  defaultNetwork, firstValidAnswerMs, IPNS, ipnsQueryEnd, KEYDIR, keydirFirstContact, keydirRefresh, ownStoreShare, queryBytes,
  regionSize, tableSize, tablesHoldEveryone, upkeep, walk, width
} from '../../bench/scale/model.js'
import { parseScaleModelArgs } from '../../bench/scale-model.js'

const repo = new URL('../../../', import.meta.url)
const read = (path: string): string => readFileSync(new URL(path, repo), 'utf8')

/** 10^3 to 10^6, four steps a decade. */
const sizes = Array.from({ length: 13 }, (_, i) => Math.round(1000 * 10 ** (i / 4)))

describe('scale model: constants', () => {
  it('names the constants the installed kad-dht and keydir\'s lookup use', () => {
    assert.match(read('node_modules/@libp2p/kad-dht/dist/src/constants.js'), new RegExp(`export const ALPHA = ${KAD_ALPHA};`))
    assert.match(read('node_modules/@libp2p/kad-dht/dist/src/constants.js'), /export const K = 20;/)
    assert.match(read('node_modules/@libp2p/kad-dht/dist/src/routing-table/index.js'), new RegExp(`export const PREFIX_LENGTH = ${KAD_PREFIX_LENGTH};`))
    assert.match(read('src/dht/lookup/record-lookup.ts'), new RegExp(`const DEFAULT_ALPHA = ${KEYDIR_ALPHA}\\b`))
  })
})

describe('scale model: routing tables and walks', () => {
  it('follows the installed kad-dht: its table keeps at most 2^6 x 20 = 1,280 of the peers it is offered', async () => {
    // The model's central assumption, checked on kad-dht's own KBucket (not exported by the package: imported by path).
    const { KBucket } = await import(new URL('node_modules/@libp2p/kad-dht/dist/src/routing-table/k-bucket.js', repo).href)
    const self = peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
    const table = new KBucket({ peerId: self }, { verify: async () => true, ping: async function * () {}, metricsPrefix: 'scale_model_test' })
    await table.start()
    for (let i = 0; i < 5000; i++) await table.add(peerIdFromPrivateKey(await generateKeyPair('Ed25519')))
    assert.equal(table.count(), tableSize(defaultNetwork(5001)))
  })

  it('fills a table with every node up to 2^6 x 20 = 1,280 peers, and samples a region of N / 64 beyond', () => {
    assert.equal(tableSize(defaultNetwork(1000)), 999)
    assert.equal(tablesHoldEveryone(defaultNetwork(1281)), true)
    assert.equal(tablesHoldEveryone(defaultNetwork(1282)), false)
    assert.equal(tableSize(defaultNetwork(1_000_000)), 1280)
    assert.equal(regionSize(defaultNetwork(10_000)), 156.25)
    assert.equal(ownStoreShare(defaultNetwork(10)), 1)
    assert.equal(ownStoreShare(defaultNetwork(201)), 0.1)
  })

  it('asks the K closest, all holders, in waves as wide as alpha x paths, when tables hold everyone', () => {
    const net = defaultNetwork(1000)
    assert.deepEqual(walk(net, width(KEYDIR)).map(w => w.asked), [9, 9, 2])
    assert.deepEqual(walk(net, width(IPNS)), [{ asked: 20, askedTotal: 20, holdersTotal: 20 }])
    assert.deepEqual(walk(defaultNetwork(10), width(IPNS)), [{ asked: 9, askedTotal: 9, holdersTotal: 9 }])
  })

  it('takes more waves and queries, and meets fewer holders, as N grows past the tables', () => {
    let previous = { hops: 0, queries: 0, holders: Infinity, found: 1, firstContactHops: 0 }
    for (const n of sizes) {
      const net = defaultNetwork(n)
      const ipns = ipnsQueryEnd(net)
      const first = keydirFirstContact(net)
      const now = { hops: ipns.hops, queries: ipns.queries, holders: ipns.validAnswers, found: ipns.found, firstContactHops: first.hops }
      assert.ok(now.hops >= previous.hops, `hops at ${n}`)
      assert.ok(now.queries >= previous.queries - 1e-9, `queries at ${n}`)
      assert.ok(now.holders <= previous.holders + 0.1, `holders at ${n}`) // waves are whole steps: a tenth of a holder of rounding
      assert.ok(now.found <= previous.found + 1e-9, `found at ${n}`)
      assert.ok(now.firstContactHops >= previous.firstContactHops, `first contact hops at ${n}`)
      previous = now
    }
    assert.ok(previous.found < 0.8, 'at 10^6 nodes kad-dht 16\'s tables no longer lead every walk to the record')
  })
})

describe('scale model: a resolve at 1,000 nodes, by hand', () => {
  const net = defaultNetwork(1000)
  // A query: request 48 + answer 48 + 20 named peers of 53 + stream 314, and a holder's record with its wrapper (77).
  const keydirQuery = 48 + 48 + 6581 + 77 + 20 * 53 + 314
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
    const put = 20 * (48 + 48 + 20 * 53 + 314) + 20 * (2 * (48 + 6581 + 77) + 314)
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
        settings: { rttMs: 20 },
        quorum: 3,
        disjointPaths: 3,
        graceMs: 150,
        runs: [
          { kind: 'ipns', nodes: 1000, procs: 10, paths: { dht: { succeeded: 10, total: { p50: predicted.latencyMs }, bytesPerResolve: predicted.bytes / 1.25, dialsPerResolve: 0, queriesPerResolve: 20 } } },
          { kind: 'keydir', nodes: 1000, paths: { dht: { succeeded: 10, total: { p50: keydirFirstContact(net).latencyMs } }, direct: { succeeded: 10, total: { p50: 9 } } } }
        ]
      }
    }
    const rows = compareWithBench(file)
    const find = (resolve: string, quantity: string) => rows.find(r => r.resolve === resolve && r.quantity === quantity)
    assert.equal(find('IPNS query end', 'return p50 ms')?.within, true)
    assert.equal(find('IPNS query end', 'queries/resolve')?.within, true)
    const bytes = find('IPNS query end', 'KiB on wire/resolve')
    assert.ok(bytes !== undefined)
    assert.equal(bytes.within, false)
    assert.ok(Math.abs(bytes.ratio - 1.25) < 1e-9)
    assert.equal(find('keydir first contact', 'return p50 ms')?.within, true)
    assert.equal(rows.some(r => r.resolve.includes('direct')), false, 'the direct path is not modelled')
    assert.equal(rows.filter(r => r.nodes === '1000 (10 procs)').length, 3, 'no row for a quantity not measured')
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
    assert.throws(() => parseScaleModelArgs(['--paths', '0']), /--paths takes a whole number/)
    assert.throws(() => parseScaleModelArgs(['--compare']), /--compare takes the path/)
    assert.throws(() => parseScaleModelArgs(['--rtt-ms', 'x']), /--rtt-ms takes a number/)
  })
})
