/**
 * The scale model against a network bench's measurements: reads the JSON
 * `npm run bench -- network` writes (bench/results/network.json,
 * bench/results/full/network.json, or a multi-host run's file of the same
 * shape) and puts each measured quantity beside the model's prediction for
 * the same network.
 */
import { readFile } from 'node:fs/promises'
import { defaultNetwork, firstRoundQueries, firstValidAnswerMs, IPNS, ipnsQueryEnd, KEYDIR, keydirFirstContact, keydirRefresh, ownStoreShare, tableSize, type Network, type ResolveCost } from './model.js'

/** Predicted within this share of measured (either way) counts as a match. */
export const TOLERANCE = 0.2

interface Stats { p50: number | null }
interface Outcome { firstOtherAnswer?: { sentBefore?: number } }
/** One path of one run, as bench/network.ts writes it: the fields the comparison reads. */
export interface MeasuredPath {
  total: Stats
  firstOther?: Stats
  ownStore?: number
  bytesPerResolve?: number
  dialsPerResolve?: number
  outcomes?: Outcome[]
  /**
   * DHT requests every node received per resolve: the lookup's queries (a
   * steady network sends no others). Written by the hosts mode of the
   * network bench (bench/hosts.ts, in development), not by the loopback runs.
   */
  dhtMessagesPerResolve?: number
  /** Hops of the lookups (bench/lib/hops.ts); absent in older results. */
  hops?: { deepestAsked?: { mean: number, count: number } }
}
export interface MeasuredRun {
  kind: string
  nodes: number
  procs?: number
  /** Routing table sizes after the publish (the hosts bench since 2026-12-07). */
  routingTable?: Stats
  paths: Record<string, MeasuredPath | undefined>
}
export interface NetworkBenchFile {
  command?: string
  environment?: { commit?: string }
  data: {
    /** The RTT between hosts the bench added (the hosts mode); loopback runs have none: 0. */
    rttMs?: number
    quorum?: number
    disjointPaths?: number
    runs: MeasuredRun[]
  }
}

export interface ComparisonRow {
  nodes: string
  resolve: string
  quantity: string
  predicted: number
  measured: number
  /** predicted / measured */
  ratio: number
  within: boolean
}

export async function readNetworkBench (path: string): Promise<NetworkBenchFile> {
  const file = JSON.parse(await readFile(path, 'utf8')) as Partial<NetworkBenchFile>
  if (!Array.isArray(file.data?.runs)) throw new Error(`${path} is not a network bench result: it has no data.runs (write one with npm run bench -- network)`)
  return file as NetworkBenchFile
}

export function withinTolerance (predicted: number, measured: number, tolerance = TOLERANCE): boolean {
  if (measured === 0) return predicted === 0
  const ratio = predicted / measured
  return ratio >= 1 - tolerance && ratio <= 1 + tolerance
}

function row (nodes: string, resolve: string, quantity: string, predicted: number, measured: number | null | undefined): ComparisonRow[] {
  if (measured === null || measured === undefined || !Number.isFinite(measured)) return []
  return [{ nodes, resolve, quantity, predicted, measured, ratio: measured === 0 ? Number.NaN : predicted / measured, within: withinTolerance(predicted, measured) }]
}

function median (values: number[]): number | undefined {
  if (values.length === 0) return undefined
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}

/**
 * withHops: the model's hops are the rounds the resolve asked, which is the
 * deepest hop it asked for a walk that waits for every round it sends
 * (IPNS's query end, keydir's refresh); a first contact also sends a round
 * it does not wait for, so its hops are not compared.
 */
function costRows (nodes: string, resolve: string, predicted: ResolveCost, path: MeasuredPath, withHops = true): ComparisonRow[] {
  const hops = path.hops?.deepestAsked
  return [
    ...row(nodes, resolve, 'return p50 ms', predicted.latencyMs, path.total.p50),
    ...row(nodes, resolve, 'KiB on wire/resolve', predicted.bytes / 1024, path.bytesPerResolve === undefined ? undefined : path.bytesPerResolve / 1024),
    ...row(nodes, resolve, 'DHT requests/resolve', predicted.queries, path.dhtMessagesPerResolve),
    ...(withHops && hops !== undefined && hops.count > 0 ? row(nodes, resolve, 'hops, deepest asked (mean; model: median)', predicted.hops, hops.mean) : [])
  ]
}

/**
 * Every quantity of `file` the model predicts, beside it. keydir's DHT
 * rows (first contact and refresh) are compared only from runs of the
 * lookup over disjoint paths (files that record `disjointPaths`), with the
 * file's path count; the direct path is not modelled.
 * The RTT is the file's, else `rttMs`; the measured dials per resolve and,
 * where the file has them, routing table sizes are the model's inputs (it
 * does not predict them); the table sizes are also put beside the full
 * tables the model otherwise assumes.
 */
export function compareWithBench (file: NetworkBenchFile, rttMs = 0): ComparisonRow[] {
  const data = file.data
  const rtt = data.rttMs ?? rttMs
  const rows: ComparisonRow[] = []
  for (const run of data.runs) {
    const nodes = run.procs !== undefined && run.procs > 1 ? `${run.nodes} (${run.procs} procs)` : String(run.nodes)
    // A summary of no samples has a p50 of null in the file: unknown, as for a run that recorded no tables.
    const peersKnown = run.routingTable?.p50 ?? undefined
    const net = (path: MeasuredPath): Network => defaultNetwork(run.nodes, { rttMs: rtt, dialsPerResolve: path.dialsPerResolve ?? 0, peersKnown })
    rows.push(...row(nodes, run.kind === 'ipns' ? 'IPNS' : 'keydir', 'peers in a routing table (p50; model: full)', tableSize(defaultNetwork(run.nodes)), peersKnown))
    if (run.kind === 'keydir') {
      // Runs before the lookup over disjoint paths record no path count: a different lookup, not modelled.
      if (data.disjointPaths === undefined) continue
      const system = { ...KEYDIR, paths: data.disjointPaths }
      const dht = run.paths.dht
      if (dht !== undefined) rows.push(...costRows(nodes, 'keydir first contact', keydirFirstContact(net(dht), system, data.quorum), dht, false))
      const refresh = run.paths.refresh
      if (refresh !== undefined) rows.push(...costRows(nodes, 'keydir refresh', keydirRefresh(net(refresh), system), refresh))
    } else if (run.kind === 'ipns') {
      const dht = run.paths.dht
      if (dht === undefined) continue
      const n = net(dht)
      rows.push(...costRows(nodes, 'IPNS query end', ipnsQueryEnd(n), dht))
      rows.push(...row(nodes, 'IPNS first valid', 'other node p50 ms', firstValidAnswerMs(n, IPNS), dht.firstOther?.p50))
      rows.push(...row(nodes, 'IPNS', 'answered by own store', ownStoreShare(n), dht.ownStore))
      const sentBefore = (dht.outcomes ?? []).flatMap(o => o.firstOtherAnswer?.sentBefore ?? [])
      rows.push(...row(nodes, 'IPNS', 'queries before first answer', firstRoundQueries(n, IPNS), median(sentBefore)))
    }
  }
  return rows
}
