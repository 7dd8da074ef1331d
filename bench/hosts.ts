/**
 * The network bench over several hosts on one machine: K network namespaces
 * (bench/lib/netns/topology.ts), each with its own host processes, joined by
 * one bridge, with a round trip added between hosts in user space
 * (bench/lib/netns/link-delay.ts) and real packet loss (an iptables rule in
 * each host). keydir and IPNS run on the same namespaces and DHT settings,
 * one after the other, measured as the loopback network bench measures them
 * (bench/network.ts). Root only; bounded by a deadline and a floor of
 * available memory; the namespaces go on every way out, and a set a killed
 * run left is removed at the next start.
 *
 * Run: `npm run bench -- hosts [--quick] [--hosts 4] [--nodes 100,300,1000] [--rtt 20] [--loss 0.1]
 * [--nodes-per-proc 40] [--join-rate 10] [--publish-concurrency 4] [--resolves 150] [--kinds keydir,ipns] [--deadline-min M] [--merge]`.
 * `--merge` keeps the runs of the last results (same hosts, RTT and loss)
 * that this one does not redo, each with its own commit and date, so that a
 * large size and network can be run on its own.
 */
import { readFile } from 'node:fs/promises'
import { DEFAULT_DISJOINT_PATHS, DEFAULT_FIRST_CONTACT_GRACE_MS, DEFAULT_FIRST_CONTACT_QUORUM } from '../src/dht/index.js'
import { barChartSvg, benchEnvironment, fmt, FULL_RESULTS_DIR, progressBar, publishReport, RESULTS_DIR, type BenchReport, type TableRow } from './lib/report.js'
import { checkMemory, cpuWarning, DEFAULT_NODES_PER_PROCESS, hostsLayout, MEMORY_FLOOR_MIB, type HostsLayout } from './lib/netns/layout.js'
import { guardTopology, MissingToolError, NotRootError } from './lib/netns/guard.js'
import { checkRtt, type RttCheck } from './lib/netns/rtt-check.js'
import { BENCH_SUBNET, checkSubnetUnused, createTopology, lossCounters, type Topology } from './lib/netns/topology.js'
import { DEFAULT_PUBLISH_CONCURRENCY, Host, KINDS, MAX_NODES_PER_PROCESS, parseKinds, progressSteps, resolveTableRows, runNetwork, type NetworkRun, type Settings } from './network.js'
import { DEFAULT_MAX_CONNECTIONS } from '../src/node/libp2p.js'
import type { NetworkKind } from './lib/net-host.js'

export interface HostsBenchOptions {
  quick: boolean
  hosts: number
  nodes?: number[]
  /** Round trip between two hosts, ms. */
  rttMs: number
  /** Share of packets lost on the way into a host, 0 to 1. */
  loss: number
  nodesPerProcess: number
  /** Nodes joining per second, over the whole network. */
  joinRate: number
  /** Publishes in flight at once in each process in the publish phase. */
  publishConcurrency: number
  resolves?: number
  kinds?: NetworkKind[]
  /** The whole run ends by then (default from the sizes). */
  deadlineMin?: number
  /** Keep the last results' runs of other sizes or networks (same hosts, RTT and loss). */
  merge: boolean
}

const QUICK: Settings = { nodes: [40], resolves: 20, idleMs: 1000, settleMs: 1000, convergeMs: 10_000 }
const FULL: Settings = { nodes: [100, 300, 1000], resolves: 150, idleMs: 3000, settleMs: 2000, convergeMs: 20_000 }
/** The routing tables of a large network take longer to settle: this long per node, at least. */
const CONVERGE_MS_PER_NODE = 60
/** Records whose holders are counted after each publish. */
const COVERAGE_SAMPLE = 30
/** kad-dht's K: a record goes to the K closest peers. */
const K = 20

/**
 * V8 grows a process's heap by up to 4x its live size before a full GC, so
 * a host process of 50 idle nodes held about 11 MiB of heap a node for 3.5
 * live. Growing it by 20% at a time took RSS from 19-24 MiB a node to
 * 13-14 (40 nodes in one process resolving each other, 3 runs each; CPU
 * within those runs' spread), and memory is what bounds the nodes this
 * machine holds. Both networks run with
 * it. (`--optimize-for-size` held 7 MiB a node but took 2-3x the CPU.)
 */
const HOST_V8_FLAGS = ['--heap-growing-percent=20']

export interface HostsRun {
  layout: HostsLayout
  run: NetworkRun
  /** Packets the hosts received from the bridge, and dropped by the loss rule, during this network's run. */
  packets: { received: number, dropped: number }
  wallMs: number
  /** Where and when it was measured: this invocation, or an earlier one kept by --merge. */
  commit: string
  date: string
  /** How it joined and published (--join-rate, --publish-concurrency): a run kept by --merge keeps its own. */
  pacing: Pacing
  /** Node's flags beyond the bench's own for the host processes (HOST_V8_FLAGS then); none in runs before they existed. */
  hostFlags: string[]
}

export interface Pacing {
  joinRate: number
  publishConcurrency: number
}

/** Nodes joining per second over the whole network, unless --join-rate says otherwise. */
const DEFAULT_JOIN_RATE = 10

/** Minutes a run of these sizes may take, by default: about twice what the small runs took per node, and a margin. */
function defaultDeadlineMin (sizes: number[], kinds: number, resolves: number): number {
  return 15 + sizes.reduce((sum, n) => sum + kinds * (n * 0.1 + resolves * 0.05), 0)
}

function sumCounters (topology: Topology): { received: number, dropped: number } {
  return topology.hosts.map(lossCounters).reduce((a, b) => ({ received: a.received + b.received, dropped: a.dropped + b.dropped }), { received: 0, dropped: 0 })
}

export async function runHostsBench (opts: HostsBenchOptions): Promise<BenchReport | undefined> {
  const base = opts.quick ? QUICK : FULL
  const settings: Settings = { ...base, nodes: opts.nodes ?? base.nodes, resolves: opts.resolves ?? base.resolves }
  const kinds = opts.kinds ?? KINDS
  if (opts.nodesPerProcess > MAX_NODES_PER_PROCESS) throw new Error(`--nodes-per-proc ${opts.nodesPerProcess}: at most ${MAX_NODES_PER_PROCESS} (open files)`)
  const layouts = settings.nodes.map(n => hostsLayout(n, opts.hosts, opts.nodesPerProcess))
  for (const layout of layouts) {
    checkMemory(layout)
    const warning = cpuWarning(layout)
    if (warning !== undefined) console.log(warning)
  }
  const deadlineMin = opts.deadlineMin ?? defaultDeadlineMin(settings.nodes, kinds.length, settings.resolves)

  let guard
  try {
    guard = guardTopology({ deadlineMs: deadlineMin * 60_000, memoryFloorMiB: MEMORY_FLOOR_MIB, onAbort: reason => { console.error(`\nhosts bench: ${reason}; removing its namespaces`) } })
  } catch (err) {
    if (!(err instanceof NotRootError || err instanceof MissingToolError)) throw err
    console.error(err.message)
    process.exitCode = 2
    return undefined
  }
  if (guard.stale.length > 0) console.log(`removed ${guard.stale.length} namespaces a killed earlier run had left: ${guard.stale.join(', ')}`)
  if (guard.staleNodeDirs > 0) console.log(`removed ${guard.staleNodeDirs} node directories a killed earlier run had left in ${guard.nodesDir}`)
  const started = performance.now()
  try {
    checkSubnetUnused()
    const topology = createTopology({ hosts: opts.hosts, loss: opts.loss })
    const rtt = await checkRtt(topology.hosts[0], topology.hosts[1], opts.rttMs)
    if (rtt.minMs < opts.rttMs) throw new Error(`the link delay does not hold: a round trip between two hosts took ${fmt.ms(rtt.minMs)} ms, below the ${opts.rttMs} ms configured`)
    console.log(`${opts.hosts} hosts on ${BENCH_SUBNET.base}/${BENCH_SUBNET.prefixLength}; round trip between two hosts: ${fmt.ms(rtt.minMs)} ms min, ${opts.rttMs} ms configured; deadline ${Math.round(deadlineMin)} min`)

    const total = layouts.reduce((sum, { nodes }) => sum + kinds.reduce((s, kind) => s + progressSteps(kind, nodes, settings.resolves), 0), 0)
    const progress = progressBar('hosts', total)
    const { commit, date } = benchEnvironment()
    const runs: HostsRun[] = []
    // Read before this run writes the file: the runs --merge keeps are the earlier invocations' only.
    const earlier = opts.merge ? await earlierRuns(new URL('hosts.json', opts.quick ? RESULTS_DIR : FULL_RESULTS_DIR), opts) : []
    const save = async (): Promise<BenchReport> => {
      const kept = keptBeside(earlier, runs)
      return hostsReport([...kept, ...runs].sort(byNodesThenKind), opts, settings, rtt, (performance.now() - started) / 60_000, kept)
    }
    const networks = layouts.length * kinds.length
    try {
      for (const layout of layouts) {
        const convergeMs = Math.max(settings.convergeMs, layout.nodes * CONVERGE_MS_PER_NODE)
        for (const kind of kinds) {
          const before = sumCounters(topology)
          const from = performance.now()
          const run = await runNetwork(kind, layout.nodes, layout.procs, { ...settings, convergeMs }, true, progress, undefined, {
            joinRate: opts.joinRate,
            publishConcurrency: opts.publishConcurrency,
            coverageSample: COVERAGE_SAMPLE,
            makeHost: (i, onProgress) => {
              const host = topology.hosts[i % topology.hosts.length]
              return new Host(onProgress, (script, execArgv) => ({
                command: 'ip',
                args: ['netns', 'exec', host.ns, process.execPath, ...execArgv, ...HOST_V8_FLAGS, script],
                env: { ...process.env, KEYDIR_BENCH_LISTEN_IP: host.address, KEYDIR_BENCH_RTT_MS: String(opts.rttMs), KEYDIR_BENCH_NODES_DIR: guard.nodesDir }
              }))
            }
          })
          const after = sumCounters(topology)
          runs.push({ layout, run, packets: { received: after.received - before.received, dropped: after.dropped - before.dropped }, wallMs: performance.now() - from, commit: String(commit), date: String(date), pacing: { joinRate: opts.joinRate, publishConcurrency: opts.publishConcurrency }, hostFlags: HOST_V8_FLAGS })
          // A network of 1,000 nodes takes over an hour here: each one finished is saved at once, so that a run ended
          // later (its deadline, a signal) keeps what it measured.
          if (runs.length < networks) await save()
        }
      }
    } finally {
      progress.stop()
    }
    return await save()
  } finally {
    guard.release()
  }
}

/** Of `earlier`, the runs of a size and network that `runs` does not have: what --merge keeps beside them. */
export function keptBeside (earlier: HostsRun[], runs: HostsRun[]): HostsRun[] {
  return earlier.filter(old => !runs.some(r => r.layout.nodes === old.layout.nodes && r.run.kind === old.run.kind))
}

/** The runs of the results in `file` measured over the same hosts, RTT and loss. */
export async function earlierRuns (file: URL, opts: Pick<HostsBenchOptions, 'hosts' | 'rttMs' | 'loss'>): Promise<HostsRun[]> {
  let last: BenchReport
  try {
    last = JSON.parse(await readFile(file, 'utf8')) as BenchReport
  } catch {
    console.log('--merge: no earlier results to keep')
    return []
  }
  const data = last.data as { hosts?: number, rttMs?: number, loss?: number, joinRate?: number, publishConcurrency?: number, runs?: Array<Omit<HostsRun, 'run' | 'commit' | 'date' | 'pacing' | 'hostFlags'> & NetworkRun & { commit?: string, date?: string, pacing?: Pacing, hostFlags?: string[] }> }
  // Files written before runs carried their own pacing: the file's, else the defaults of then.
  const filePacing: Pacing = { joinRate: data.joinRate ?? DEFAULT_JOIN_RATE, publishConcurrency: data.publishConcurrency ?? DEFAULT_PUBLISH_CONCURRENCY }
  if (data.hosts !== opts.hosts || data.rttMs !== opts.rttMs || data.loss !== opts.loss) {
    console.log(`--merge: the last results were measured over ${data.hosts} hosts, ${data.rttMs} ms, ${fmt.pct(data.loss ?? Number.NaN)} loss; not kept`)
    return []
  }
  return (data.runs ?? [])
    .map(({ layout, packets, wallMs, commit, date, pacing, hostFlags, ...run }) => ({ layout, packets, wallMs, run: unknownAsNaN(run), commit: commit ?? String(last.environment.commit), date: date ?? String(last.environment.date), pacing: pacing ?? filePacing, hostFlags: hostFlags ?? [] }))
}

/**
 * JSON keeps an unknown CPU per resolve (NaN) as null, which arithmetic
 * reads as 0: a ratio of it would show 0.00x. Read it back as NaN.
 */
function unknownAsNaN (run: NetworkRun): NetworkRun {
  for (const stats of Object.values(run.paths)) {
    if (stats !== undefined && (stats.cpuMsPerResolve as number | null) === null) stats.cpuMsPerResolve = Number.NaN
  }
  return run
}

/** One layout per size, in order (a run kept by --merge brings its own layout object). */
function layouts (runs: HostsRun[]): HostsLayout[] {
  return [...new Map(runs.map(r => [r.layout.nodes, r.layout])).values()]
}

function byNodesThenKind (a: HostsRun, b: HostsRun): number {
  return a.layout.nodes - b.layout.nodes || KINDS.indexOf(a.run.kind) - KINDS.indexOf(b.run.kind)
}

function label (layout: HostsLayout): string {
  return `${layout.nodes} (${layout.hosts} hosts, ${layout.procs} procs)`
}

/** The report of these runs (kept ones included), printed and written to hosts.json. */
export async function hostsReport (runs: HostsRun[], opts: HostsBenchOptions, settings: Settings, rtt: RttCheck, minutes: number, kept: HostsRun[]): Promise<BenchReport> {
  const layoutOf = new Map(runs.map(r => [r.run, r.layout]))
  const resolveRows = resolveTableRows(runs.map(r => r.run), run => label(layoutOf.get(run)!))
  const ratioRows: TableRow[] = []
  for (const layout of layouts(runs)) {
    const keydir = runs.find(r => r.layout.nodes === layout.nodes && r.run.kind === 'keydir')?.run.paths
    const ipns = runs.find(r => r.layout.nodes === layout.nodes && r.run.kind === 'ipns')?.run.paths.dht
    if (keydir?.dht === undefined || ipns === undefined) continue
    ratioRows.push({
      nodes: label(layout),
      'first contact / IPNS return (p50)': fmt.ratio(keydir.dht.total.p50 / ipns.total.p50),
      'first contact / IPNS return (p95)': fmt.ratio(keydir.dht.total.p95 / ipns.total.p95),
      'pinned refresh / IPNS first valid from another node (p50)': fmt.ratio((keydir.refresh?.total.p50 ?? Number.NaN) / ipns.firstOther.p50),
      'bytes keydir / IPNS': fmt.ratio(keydir.dht.bytesPerResolve / ipns.bytesPerResolve),
      'DHT msgs keydir / IPNS': fmt.ratio(keydir.dht.dhtMessagesPerResolve / ipns.dhtMessagesPerResolve),
      'CPU keydir / IPNS': fmt.ratio(keydir.dht.cpuMsPerResolve / ipns.cpuMsPerResolve)
    })
  }
  const nodeRows: TableRow[] = runs.map(({ layout, run, packets, wallMs, commit, pacing, hostFlags }) => ({
    nodes: label(layout),
    network: run.kind === 'ipns' ? 'IPNS' : 'keydir',
    commit,
    'join /s, publishes at once': `${pacing.joinRate}, ${pacing.publishConcurrency}`,
    'host V8 flags': hostFlags.length === 0 ? '-' : hostFlags.join(' '),
    'RSS MiB/node': fmt.dec(run.rssPerNodeMiB),
    'heap MiB/node': fmt.dec(run.heapPerNodeMiB),
    'start-up p50 ms': fmt.ms(run.startup.p50),
    'join s': fmt.dec(run.phasesMs.start / 1000),
    'publish p50 ms': fmt.ms(run.publish.p50),
    'publish p95 ms': fmt.ms(run.publish.p95),
    'publish failed': run.publishFailed,
    'holders/record p50': run.coverage === undefined ? '-' : fmt.int(run.coverage.holders.p50),
    'holders min': run.coverage === undefined ? '-' : fmt.int(run.coverage.holders.min),
    'routing table p50 (min)': run.routingTable === undefined ? '-' : `${fmt.int(run.routingTable.p50)} (${fmt.int(run.routingTable.min)})`,
    'processes with a table p50 of 0': run.routingTableByProcess === undefined ? '-' : `${run.routingTableByProcess.filter(p => p.p50 === 0).length} of ${run.routingTableByProcess.length}`,
    'connections p50 (max)': run.connections === undefined ? '-' : `${fmt.int(run.connections.p50)} (${fmt.int(run.connections.max)})`,
    'packets lost': `${fmt.int(packets.dropped)} of ${fmt.int(packets.received + packets.dropped)} (${fmt.pct(packets.dropped / Math.max(1, packets.received + packets.dropped))})`,
    'run min': fmt.dec(wallMs / 60_000)
  }))
  const kinds = opts.kinds === undefined ? '' : ` --kinds ${opts.kinds.join(',')}`
  const pacing = `${opts.joinRate === DEFAULT_JOIN_RATE ? '' : ` --join-rate ${opts.joinRate}`}${opts.publishConcurrency === DEFAULT_PUBLISH_CONCURRENCY ? '' : ` --publish-concurrency ${opts.publishConcurrency}`}`
  const command = `npm run bench -- hosts${opts.quick ? ' --quick' : ''} --hosts ${opts.hosts} --nodes ${settings.nodes.join(',')} --rtt ${opts.rttMs} --loss ${opts.loss * 100}${kinds}${pacing}${opts.merge ? ' --merge' : ''}`
  const keptNote = kept.length === 0
    ? []
    : [`Kept from earlier runs of this bench (--merge): ${kept.map(r => `${r.layout.nodes} ${r.run.kind === 'ipns' ? 'IPNS' : 'keydir'} (commit ${r.commit}, ${r.date.slice(0, 16).replace('T', ' ')} UTC)`).join('; ')}. Every other row is this run's.`]
  const report: BenchReport = {
    name: 'hosts',
    title: `Several hosts on one machine: ${opts.hosts} network namespaces, ${opts.rttMs} ms round trip, ${fmt.pct(opts.loss)} loss`,
    command,
    quick: opts.quick,
    environment: benchEnvironment(),
    tables: [
      {
        title: `Cold resolves of random peers across ${opts.hosts} hosts, one at a time (at most ${settings.resolves} per path and network), keydir and IPNS on the same namespaces and DHT settings`,
        rows: resolveRows,
        notes: [
          ...keptNote,
          'Columns as in the network bench (bench/network.ts) on loopback; here the network\'s processes are spread over network namespaces, each a host with its own address on one bridge, process i on host i mod K, so most lookups cross hosts and pay the round trip.',
          `Round trip: ${opts.rttMs} ms added in user space: each host process delays every TCP write towards another host by half of it (bench/lib/netns/link-delay.ts; a dialled connection's first write one round trip more, for the SYN). Measured before the run, host 0 to host 1: ${fmt.ms(rtt.minMs)} ms min over ${rtt.samples.length} round trips of one byte. TCP's own packets (ACKs, retransmits) are not delayed. Nodes of one host talk over the namespace's loopback, undelayed.`,
          `Loss: ${fmt.pct(opts.loss)} of the packets arriving at a host from the bridge are dropped by an iptables rule in that host (statistic match, random mode), so TCP retransmits them; the kernel's retransmission timers see the undelayed link.`
        ]
      },
      // A run of one network alone (--kinds) has no ratios.
      ...(ratioRows.length === 0 ? [] : [{ title: 'keydir / IPNS ratios (below 1: keydir is faster or smaller)', rows: ratioRows }]),
      {
        title: 'Per node and per network: memory, start-up, publish and its coverage, the loss that happened',
        rows: nodeRows,
        notes: [
          'RSS and heap per node: every process\'s RSS (heap used) after the publish and a full GC, less the same before its first node, over N.',
          `host V8 flags: the flags the hosts bench adds for its host processes (beside --expose-gc and the coordinator's own), both networks alike (${HOST_V8_FLAGS.join(' ')} since it was added: V8 then grows a heap by 20% at a time rather than up to 4x, which is most of a node's RSS; "-": runs before, with V8's default).`,
          'join /s, publishes at once: the run\'s --join-rate (nodes joining per second at most over the whole network) and --publish-concurrency (records each process publishes at a time); a run kept by --merge shows its own.',
          'join s: from the first node\'s start to the last\'s, at the join rate at most (the first process starts the anchor and its own nodes, then every other process at once, each paced).',
          'publish: each process publishes its nodes\' records as many at a time as the run says; a publish is the publish call (both puts), not the retries a low coverage starts after it.',
          `holders/record: for ${COVERAGE_SAMPLE} nodes spread over the network, how many nodes' DHT stores held that node's record after the publish (the node's own included; kad-dht puts it on the K = ${K} closest peers).`,
          'routing table: every node\'s kad-dht routing table size after the publish, what the resolves start from (kad-dht adds a peer once connected to it; at most 64 buckets of 20). Processes with a table p50 of 0: whether empty tables sit in some processes or spread over all.',
          `connections: every node's open connections after the publish. At libp2p's limit (${DEFAULT_MAX_CONNECTIONS}, which both networks keep) a node refuses every inbound connection; the anchor every node joins through is given room for the whole network (--max-connections, as its operator would).`,
          'packets lost: packets dropped by the loss rules during this network\'s run, of all that reached a host\'s link.'
        ]
      }
    ],
    goals: [],
    data: {
      settings,
      hosts: opts.hosts,
      rttMs: opts.rttMs,
      loss: opts.loss,
      subnet: `${BENCH_SUBNET.base}/${BENCH_SUBNET.prefixLength}`,
      nodesPerProcess: opts.nodesPerProcess,
      joinRate: opts.joinRate,
      publishConcurrency: opts.publishConcurrency,
      rttCheck: rtt,
      // keydir's first-contact rule, as network.json records it, so docs/scale.md's comparison can model it.
      quorum: DEFAULT_FIRST_CONTACT_QUORUM,
      disjointPaths: DEFAULT_DISJOINT_PATHS,
      graceMs: DEFAULT_FIRST_CONTACT_GRACE_MS,
      minutes,
      runs: runs.map(({ layout, run, packets, wallMs, commit, date, pacing, hostFlags }) => ({ layout, packets, wallMs, commit, date, pacing, hostFlags, ...run }))
    }
  }
  const svg = barChartSvg({
    title: `Cold resolve latency across ${opts.hosts} hosts, ${opts.rttMs} ms round trip, p50 (ms)`,
    unit: 'milliseconds (p50), lower is better',
    groups: layouts(runs).map(layout => {
      const keydir = runs.find(r => r.layout.nodes === layout.nodes && r.run.kind === 'keydir')?.run.paths
      const ipns = runs.find(r => r.layout.nodes === layout.nodes && r.run.kind === 'ipns')?.run.paths.dht
      const bar = (series: string, value: number | undefined): Array<{ series: string, value: number, label: string }> =>
        value === undefined || !Number.isFinite(value) ? [] : [{ series, value, label: `${fmt.ms(value)} ms` }]
      return {
        label: `N = ${layout.nodes}`,
        bars: [
          ...bar('keydir DHT first contact: return', keydir?.dht?.total.p50),
          ...bar('keydir DHT pinned refresh: return', keydir?.refresh?.total.p50),
          ...bar('keydir direct: return', keydir?.direct?.total.p50),
          ...bar('IPNS: first valid from another node', ipns?.firstOther.p50),
          ...bar('IPNS: query end (return)', ipns?.total.p50)
        ]
      }
    })
  })
  await publishReport(report, svg)
  return report
}

export function parseHostsArgs (argv: string[]): HostsBenchOptions {
  const value = (flag: string): string | undefined => {
    const i = argv.indexOf(flag)
    return i >= 0 ? argv[i + 1] : argv.find(a => a.startsWith(`${flag}=`))?.slice(flag.length + 1)
  }
  const number = (flag: string, fallback: number, valid: (n: number) => boolean): number => {
    const raw = value(flag)
    if (raw === undefined) return fallback
    const n = Number(raw)
    if (!valid(n)) throw new Error(`${flag} ${raw}: not a valid value`)
    return n
  }
  const nodes = value('--nodes')?.split(',').map(Number)
  if (nodes?.some(n => !Number.isInteger(n) || n < 2) === true) throw new Error(`--nodes ${value('--nodes')}: sizes must be integers of 2 or more`)
  return {
    quick: argv.includes('--quick'),
    hosts: number('--hosts', 4, n => Number.isInteger(n) && n >= 2 && n <= 250),
    nodes,
    rttMs: number('--rtt', 20, n => n >= 0 && n <= 1000),
    // In percent on the command line, as a share inside.
    loss: number('--loss', 0.1, n => n >= 0 && n < 100) / 100,
    nodesPerProcess: number('--nodes-per-proc', DEFAULT_NODES_PER_PROCESS, n => Number.isInteger(n) && n >= 1),
    joinRate: number('--join-rate', DEFAULT_JOIN_RATE, n => n > 0),
    publishConcurrency: number('--publish-concurrency', DEFAULT_PUBLISH_CONCURRENCY, n => Number.isInteger(n) && n >= 1),
    resolves: value('--resolves') === undefined ? undefined : number('--resolves', 0, n => Number.isInteger(n) && n >= 1),
    kinds: parseKinds(value('--kinds')),
    deadlineMin: value('--deadline-min') === undefined ? undefined : number('--deadline-min', 0, n => n > 0),
    merge: argv.includes('--merge')
  }
}
