/**
 * Resolve of a cached peer, in-process, through node.resolve(): the path
 * every repeated lookup takes (registry hot layer, no LevelDB, no network).
 * Run: `npx node dist/bench/registry.js [--quick]`.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { createKeyDirectory } from '../src/node/index.js'
import { makeRecords } from './lib/fixtures.js'
import { benchConcurrent, type ConcurrentOptions, type ConcurrentResult } from './lib/measure.js'
import { barChartSvg, benchCommand, benchEnvironment, fmt, progressBar, publishReport, type BenchReport, type Goal } from './lib/report.js'
import type { KeyDirectory } from '../src/node/index.js'

const QUICK = { peers: 128, batches: 5, batchMs: 200, warmupMs: 100 }
const FULL = { peers: 2000, batches: 10, batchMs: 1000, warmupMs: 1000 }
const CONCURRENCY = [1, 10, 100]
/** Goals of issue 5 for a cached resolve. */
const GOAL_P50_US = 20
const GOAL_OPS = 50_000

export interface RegistryRow {
  case: string
  result: ConcurrentResult
}

export async function runRegistryBench (opts: { quick: boolean }): Promise<BenchReport> {
  const settings = opts.quick ? QUICK : FULL
  const timing: ConcurrentOptions = { concurrency: 1, batches: settings.batches, batchMs: settings.batchMs, warmupMs: settings.warmupMs }
  const progress = progressBar('registry: signing records', settings.peers * 2 + CONCURRENCY.length * 2 + 1)
  const records = await makeRecords(settings.peers, { onRecord: () => { progress.increment() } })

  const dir = await mkdtemp(join(tmpdir(), 'keydir-bench-registry-'))
  let node: KeyDirectory | undefined
  const rows: RegistryRow[] = []
  try {
    node = await createKeyDirectory({ dataDir: dir, discoverOnConnect: false, paths: { dht: false, direct: false } })
    for (const record of records) {
      await node.registry.storePeerKeys(record.bytes, 'dht')
      progress.increment()
    }
    const peerIds = records.map(record => record.peerId)
    const peerIdStrings = peerIds.map(String)
    // Every peer must come from the hot layer, or the bench measures something else.
    for (const peerId of peerIds) {
      if ((await node.resolve(peerId)).source !== 'registry') throw new Error('a stored peer was not resolved from the registry')
    }
    const keydir = node
    let next = 0
    const registry = keydir.registry
    rows.push({
      case: 'registry.getCached (the floor)',
      result: await benchConcurrent('getCached', async () => registry.getCached(peerIds[next++ % peerIds.length]), timing)
    })
    progress.increment()
    for (const concurrency of CONCURRENCY) {
      rows.push({
        case: 'node.resolve(PeerId)',
        result: await benchConcurrent(`resolve PeerId x${concurrency}`, async () => keydir.resolve(peerIds[next++ % peerIds.length]), { ...timing, concurrency })
      })
      progress.increment()
    }
    for (const concurrency of CONCURRENCY) {
      rows.push({
        case: 'node.resolve(string)',
        result: await benchConcurrent(`resolve string x${concurrency}`, async () => keydir.resolve(peerIdStrings[next++ % peerIdStrings.length]), { ...timing, concurrency })
      })
      progress.increment()
    }
  } finally {
    progress.stop()
    await node?.stop()
    await rm(dir, { recursive: true, force: true })
  }

  const single = rows.find(row => row.case === 'node.resolve(PeerId)' && row.result.concurrency === 1)!.result
  const best = Math.max(...rows.filter(row => row.case === 'node.resolve(PeerId)').map(row => row.result.opsPerSecond))
  const goals: Goal[] = [
    { goal: 'registry: cached resolve p50 (1 caller)', target: `<= ${GOAL_P50_US} µs`, measured: `${fmt.dec(single.medianUs)} µs`, met: single.medianUs <= GOAL_P50_US },
    { goal: 'registry: cached resolves per second, one core', target: `>= ${fmt.int(GOAL_OPS)}/s`, measured: `${fmt.int(best)}/s (best of 1/10/100 callers)`, met: best >= GOAL_OPS }
  ]
  const report: BenchReport = {
    name: 'registry',
    title: 'Registry: cached resolve, in-process',
    command: benchCommand('registry', opts.quick),
    quick: opts.quick,
    environment: benchEnvironment(),
    tables: [{
      title: `Resolve of a cached peer (${settings.peers} peers in the registry, taken in turn), median of ${settings.batches} batches of ${settings.batchMs} ms`,
      rows: rows.map(({ case: name, result }) => ({
        path: name,
        callers: result.concurrency,
        'resolves/s': fmt.int(result.opsPerSecond),
        'p50 µs': fmt.dec(result.medianUs, 2),
        'p95 µs': fmt.dec(result.p95Us, 2),
        'p99 µs': fmt.dec(result.p99Us, 2),
        'CPU µs/resolve': fmt.dec(result.cpuUsPerOp, 2)
      })),
      notes: [
        'One process, one thread: resolves/s is what one core does. Latency is from the call to its settling, so with many callers it includes waiting behind the others.',
        'node.resolve(string) parses the PeerId first, once per distinct string (the CLI passes strings; the HTTP API parses the path itself and passes a PeerId).'
      ]
    }],
    goals,
    data: { settings, rows }
  }
  const svg = barChartSvg({
    title: 'Cached resolve through node.resolve(), resolves per second',
    unit: 'resolves per second (median of batches), higher is better',
    marker: { value: GOAL_OPS, label: `goal ${fmt.int(GOAL_OPS)}/s` },
    groups: CONCURRENCY.map(concurrency => ({
      label: `${concurrency} caller${concurrency === 1 ? '' : 's'}`,
      bars: rows.filter(row => row.result.concurrency === concurrency && row.case.startsWith('node.resolve')).map(row => ({
        series: row.case, value: row.result.opsPerSecond, label: `${fmt.int(row.result.opsPerSecond)}/s, p50 ${fmt.dec(row.result.medianUs, 1)} µs`
      }))
    }))
  })
  await publishReport(report, svg)
  return report
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await runRegistryBench({ quick: process.argv.includes('--quick') })
}
