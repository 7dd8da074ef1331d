/**
 * First contact in a hostile DHT (issue 21): a network of N DHT nodes, a
 * fifth of them stale-serving hostile (test/helpers/stale-dht-node.ts: they
 * keep the victims' pre-rotation records and serve them, answer routing
 * queries with each other only, drop stores), with their IDs at random or
 * chosen near the victims; beside it the same network all honest. Victims
 * rotate; then fresh nodes, which never saw them, resolve each victim once
 * (a first contact) and a few peers that did not rotate. keydir's fresh
 * nodes run with quorum 1, the defaults (3) and quorum 5; IPNS is measured on
 * the same kind of network (its hostile nodes keep IPNS records), its
 * resolver waiting for the query's end as IPNS does.
 *
 * Run: `npm run bench -- hostile [--quick] [--nodes 30,60]`.
 */
import { setTimeout as delay } from 'node:timers/promises'
import { summarize, type Summary } from './lib/measure.js'
import { DEFAULT_PUBLISH_CONCURRENCY, Host } from './network.js'
import { seededRandom } from './lib/random.js'
import { barChartSvg, benchCommand, benchEnvironment, fmt, progressBar, publishReport, type BenchReport, type Goal, type Progress, type TableRow } from './lib/report.js'
import type { NetworkKind, NodeInfo, ResolveOutcome, StaleInfo } from './lib/net-host.js'
import type { AnchorEntry, KeyDirectoryOptions } from '../src/node/index.js'
import type { Placement, StaleDhtStats } from '../test/helpers/stale-dht-node.js'

export type Dht = 'honest' | Placement

interface Settings {
  sizes: number[]
  /** Honest nodes that rotate before the fresh nodes come. */
  victims: number
  /** Fresh nodes per resolver setting. */
  fresh: number
  /** Peers that did not rotate, resolved by each fresh node. */
  others: number
  /** Longest wait for the routing tables to stop growing. */
  convergeMs: number
}

const QUICK: Settings = { sizes: [30], victims: 4, fresh: 2, others: 2, convergeMs: 1500 }
const FULL: Settings = { sizes: [60, 200], victims: 10, fresh: 5, others: 3, convergeMs: 20_000 }
/** A fifth of the DHT nodes are hostile. */
const HOSTILE_SHARE = 1 / 5
const MAX_NODES_PER_PROCESS = 60
const RESOLVE_TIMEOUT_MS = 10_000
/** Leading kad-id bits a near-placed hostile node shares with its victim's routing key. */
const NEAR_BITS = 10
/** A hostile node dials at most this many honest nodes (the victims and the anchor among them). */
const HOSTILE_DIALS = 40
const DHTS: Dht[] = ['honest', 'random', 'near']
const GOALS = { vsIpnsReturn: 0.5, stale: 0 }

/**
 * keydir's first-contact settings, to measure time against safety: the
 * first valid answer (quorum 1), the defaults (3 answers over 3 disjoint
 * paths, 150 ms grace), and a wider net (5 over 5, 300 ms).
 */
const RESOLVERS: Array<{ label: string, options: Partial<KeyDirectoryOptions> }> = [
  { label: 'keydir, quorum 1', options: { firstContactQuorum: 1 } },
  { label: 'keydir, defaults', options: {} },
  { label: 'keydir, quorum 5 / 5 paths', options: { firstContactQuorum: 5, disjointPaths: 5, firstContactGraceMs: 300 } }
]
const IPNS_LABEL = 'IPNS (query end)'

export interface HostileRunResult {
  kind: NetworkKind
  nodes: number
  procs: number
  dht: Dht
  hostile: number
  resolver: string
  firstContacts: ResolveOutcome[]
  others: ResolveOutcome[]
  staleStats?: StaleDhtStats
  phasesMs: Record<string, number>
}

interface Cell {
  attempted: number
  current: number
  stale: number
  failed: number
  total: Summary
  firstOther: Summary
  othersOk: number
  othersAttempted: number
}

function cell (r: HostileRunResult): Cell {
  const ok = r.firstContacts.filter(o => o.ok)
  return {
    attempted: r.firstContacts.length,
    current: ok.length,
    stale: r.firstContacts.filter(o => o.stale === true).length,
    failed: r.firstContacts.filter(o => !o.ok && o.stale !== true).length,
    total: summarize(r.firstContacts.filter(o => o.ok || o.stale === true).map(o => o.totalMs)),
    firstOther: summarize(r.firstContacts.flatMap(o => o.firstOtherMs === undefined ? [] : [o.firstOtherMs])),
    othersOk: r.others.filter(o => o.ok).length,
    othersAttempted: r.others.length
  }
}

async function converge (hosts: Host[], ms: number): Promise<void> {
  const deadline = performance.now() + ms
  let last = -1
  let stable = 0
  while (performance.now() < deadline && stable < 2) {
    const sum = (await Promise.all(hosts.map(async host => host.call<number[]>({ op: 'routing' })))).flat().reduce((a, b) => a + b, 0)
    stable = sum === last ? stable + 1 : 0
    last = sum
    if (stable < 2) await delay(250)
  }
}

/** `count` items spread over the hosts, the first ones getting one more. */
function split (count: number, hosts: number): number[] {
  return Array.from({ length: hosts }, (_, i) => Math.floor(count / hosts) + (i < count % hosts ? 1 : 0))
}

async function runHostileNetwork (kind: NetworkKind, n: number, dht: Dht, settings: Settings, progress: Progress): Promise<HostileRunResult[]> {
  const hostileCount = dht === 'honest' ? 0 : Math.round(n * HOSTILE_SHARE)
  const honest = n - hostileCount
  const procs = Math.ceil(n / MAX_NODES_PER_PROCESS)
  const hosts = Array.from({ length: procs }, () => new Host(() => {}))
  const phasesMs: Record<string, number> = {}
  let phaseStart = performance.now()
  const phase = (name: string): void => {
    phasesMs[name] = performance.now() - phaseStart
    phaseStart = performance.now()
  }
  try {
    const counts = split(honest, procs)
    let offset = 0
    hosts.forEach((host, i) => { host.offset = offset; host.count = counts[i]; offset += counts[i] })
    type Started = { nodes: NodeInfo[], anchor: AnchorEntry }
    const first = await hosts[0].call<Started>({ op: 'start', kind, count: hosts[0].count })
    const rest = await Promise.all(hosts.slice(1).map(async host => host.call<Started>({ op: 'start', kind, count: host.count, anchor: first.anchor })))
    const infos = [first, ...rest].flatMap(s => s.nodes)
    const hostOf = (index: number): Host => hosts.find(h => index >= h.offset && index < h.offset + h.count)!
    await converge(hosts, settings.convergeMs)
    await Promise.all(hosts.map(async host => host.call({ op: 'publish', concurrency: DEFAULT_PUBLISH_CONCURRENCY })))
    phase('start and publish')

    const victims = Array.from({ length: settings.victims }, (_, i) => 1 + i)
    if (hostileCount > 0) {
      const next = seededRandom(n * 7 + hostileCount)
      const honestAddrs = infos.map(info => info.multiaddr)
      const bootstrapFor = (): string[] => {
        const must = [0, ...victims].map(i => honestAddrs[i])
        const pool = honestAddrs.filter(a => !must.includes(a)).sort(() => next() - 0.5)
        return [...must, ...pool.slice(0, Math.max(0, HOSTILE_DIALS - must.length))]
      }
      const staleCounts = split(hostileCount, procs)
      let assigned = 0
      const stale = (await Promise.all(hosts.map(async (host, i) => {
        const near = Array.from({ length: staleCounts[i] }, (_, j) => infos[victims[(assigned + j) % victims.length]].peerId)
        assigned += staleCounts[i]
        return host.call<StaleInfo[]>({ op: 'stale-start', kind, bootstrap: bootstrapFor(), placement: dht === 'honest' ? 'random' : dht, near, nearBits: NEAR_BITS, count: staleCounts[i] })
      }))).flat()
      await Promise.all(hosts.map(async host => host.call({ op: 'stale-set', accomplices: stale })))
      // Let the honest nodes take the hostile ones into their routing tables, then learn the records, then freeze.
      await converge(hosts, settings.convergeMs)
      await Promise.all(hosts.map(async host => host.call({ op: 'stale-capture', kind, targets: victims.map(v => infos[v].peerId) })))
      await Promise.all(hosts.map(async host => host.call({ op: 'stale-freeze' })))
      phase('hostile nodes started, captured, frozen')
    }

    for (const v of victims) {
      const host = hostOf(v)
      infos[v] = await host.call<NodeInfo>({ op: 'rotate', index: v - host.offset })
    }
    phase('rotations')

    // Fresh nodes, per resolver setting, spread over the hosts; their indices are local to their host.
    const resolvers = kind === 'ipns' ? [{ label: IPNS_LABEL, options: {} }] : RESOLVERS
    const fresh: Array<Array<{ host: Host, index: number }>> = []
    for (const resolver of resolvers) {
      const perHost = split(settings.fresh, procs)
      const joined = await Promise.all(hosts.map(async (host, i) => {
        if (perHost[i] === 0) return []
        const { first: at } = await host.call<{ first: number }>({ op: 'join', kind, count: perHost[i], anchor: first.anchor, options: resolver.options })
        return Array.from({ length: perHost[i] }, (_, j) => ({ host, index: at + j }))
      }))
      fresh.push(joined.flat())
    }
    await converge(hosts, settings.convergeMs)
    phase('fresh nodes joined')

    const otherPool = infos.map((_, i) => i).filter(i => i !== 0 && !victims.includes(i))
    const pick = seededRandom(n * 13 + hostileCount)
    const quiet = async (): Promise<void> => { await Promise.all(hosts.map(async h => h.call<number>({ op: 'quiet', maxMs: 1000, busyFraction: 0.25 }))) }
    const results: HostileRunResult[] = []
    for (const [r, resolver] of resolvers.entries()) {
      const before = hostileCount > 0 ? await statsOf(hosts) : undefined
      const firstContacts: ResolveOutcome[] = []
      const others: ResolveOutcome[] = []
      for (const { host, index } of fresh[r]) {
        for (const v of victims) {
          firstContacts.push(await host.call<ResolveOutcome>({ op: 'resolve', from: index, target: infos[v], path: 'dht', timeoutMs: RESOLVE_TIMEOUT_MS }))
          progress.increment()
          await quiet()
        }
        // Distinct peers for each fresh node: a second resolve of one would be a registry hit.
        const pool = [...otherPool]
        for (let o = 0; o < settings.others && pool.length > 0; o++) {
          const target = pool.splice(Math.floor(pick() * pool.length), 1)[0]
          others.push(await host.call<ResolveOutcome>({ op: 'resolve', from: index, target: infos[target], path: 'dht', timeoutMs: RESOLVE_TIMEOUT_MS }))
          progress.increment()
          await quiet()
        }
      }
      const after = hostileCount > 0 ? await statsOf(hosts) : undefined
      results.push({
        kind,
        nodes: n,
        procs,
        dht,
        hostile: hostileCount,
        resolver: resolver.label,
        firstContacts,
        others,
        staleStats: before === undefined || after === undefined ? undefined : difference(after, before),
        phasesMs: { ...phasesMs }
      })
    }
    phase('resolves')
    return results
  } finally {
    await Promise.all(hosts.map(async host => host.close().catch(() => {})))
  }
}

async function statsOf (hosts: Host[]): Promise<StaleDhtStats> {
  const all = await Promise.all(hosts.map(async host => host.call<StaleDhtStats>({ op: 'stale-stats' })))
  return all.reduce((sum, s) => difference(sum, s, -1), { valuesServed: 0, valuesMissing: 0, putsStored: 0, putsDropped: 0, findNodes: 0 })
}

/** a - b (or a + b with sign -1), field by field. */
function difference (a: StaleDhtStats, b: StaleDhtStats, sign = 1): StaleDhtStats {
  return {
    valuesServed: a.valuesServed - sign * b.valuesServed,
    valuesMissing: a.valuesMissing - sign * b.valuesMissing,
    putsStored: a.putsStored - sign * b.putsStored,
    putsDropped: a.putsDropped - sign * b.putsDropped,
    findNodes: a.findNodes - sign * b.findNodes
  }
}

export function parseHostileArgs (argv: string[]): { quick: boolean, nodes?: number[] } {
  const i = argv.indexOf('--nodes')
  const raw = i >= 0 ? argv[i + 1] : argv.find(a => a.startsWith('--nodes='))?.slice('--nodes='.length)
  const nodes = raw?.split(',').map(Number).filter(n => Number.isInteger(n) && n >= 10)
  return { quick: argv.includes('--quick'), nodes: nodes === undefined || nodes.length === 0 ? undefined : nodes }
}

const DHT_LABEL: Record<Dht, string> = { honest: 'honest', random: 'a fifth hostile, random IDs', near: 'a fifth hostile, IDs near victims' }

export async function runHostileBench (opts: { quick: boolean, nodes?: number[] }): Promise<BenchReport> {
  const base = opts.quick ? QUICK : FULL
  const settings: Settings = { ...base, sizes: opts.nodes ?? base.sizes }
  const perNetwork = (kind: NetworkKind): number => (kind === 'ipns' ? 1 : RESOLVERS.length) * settings.fresh * (settings.victims + settings.others)
  const progress = progressBar('hostile', settings.sizes.length * DHTS.length * (perNetwork('keydir') + perNetwork('ipns')))
  const results: HostileRunResult[] = []
  try {
    for (const n of settings.sizes) {
      for (const dht of DHTS) {
        for (const kind of ['keydir', 'ipns'] as const) {
          results.push(...await runHostileNetwork(kind, n, dht, settings, progress))
        }
      }
    }
  } finally {
    progress.stop()
  }

  const label = (n: number, procs: number): string => procs === 1 ? `${n}` : `${n} (${procs} procs)`
  const rows: TableRow[] = results.map(r => {
    const c = cell(r)
    return {
      nodes: label(r.nodes, r.procs),
      DHT: DHT_LABEL[r.dht],
      resolver: r.resolver,
      'first contacts': c.attempted,
      'current key': fmt.pct(c.current / c.attempted),
      'stale key': c.stale,
      failed: c.failed,
      'return p50 ms': fmt.ms(c.total.p50),
      'return p95 ms': fmt.ms(c.total.p95),
      'first valid, other node p50 ms': fmt.ms(c.firstOther.p50),
      'other peers resolved': `${c.othersOk} of ${c.othersAttempted}`,
      'hostile answers with a record': r.staleStats?.valuesServed ?? '-'
    }
  })

  const find = (n: number, dht: Dht, resolver: string): HostileRunResult | undefined => results.find(r => r.nodes === n && r.dht === dht && r.resolver === resolver)
  const tradeRows: TableRow[] = []
  const goals: Goal[] = []
  for (const n of settings.sizes) {
    for (const dht of DHTS) {
      const q1 = find(n, dht, RESOLVERS[0].label)
      const defaults = find(n, dht, RESOLVERS[1].label)
      const q5 = find(n, dht, RESOLVERS[2].label)
      const ipns = find(n, dht, IPNS_LABEL)
      if (q1 !== undefined && defaults !== undefined && q5 !== undefined) {
        const [c1, c3, c5] = [cell(q1), cell(defaults), cell(q5)]
        tradeRows.push({
          nodes: label(n, q1.procs),
          DHT: DHT_LABEL[dht],
          'stale, quorum 1': `${c1.stale} of ${c1.attempted}`,
          'stale, defaults (3)': `${c3.stale} of ${c3.attempted}`,
          'stale, quorum 5': `${c5.stale} of ${c5.attempted}`,
          'return p50, quorum 1 ms': fmt.ms(c1.total.p50),
          'return p50, defaults ms': fmt.ms(c3.total.p50),
          'return p50, quorum 5 ms': fmt.ms(c5.total.p50),
          'defaults / quorum 1 (p50)': fmt.ratio(c3.total.p50 / c1.total.p50),
          'IPNS query end p50 ms': ipns === undefined ? '-' : fmt.ms(cell(ipns).total.p50),
          'IPNS stale': ipns === undefined ? '-' : `${cell(ipns).stale} of ${cell(ipns).attempted}`
        })
      }
      if (defaults !== undefined) {
        const c = cell(defaults)
        const at = `N = ${label(n, defaults.procs)}, ${DHT_LABEL[dht]} DHT`
        goals.push({ goal: `hostile: first contacts with rotated peers that got the current key (keydir defaults), ${at}`, target: '100%, 0 stale', measured: `${fmt.pct(c.current / c.attempted)}, ${c.stale} stale of ${c.attempted}`, met: c.current === c.attempted && c.stale === GOALS.stale })
        if (ipns !== undefined) {
          const ratio = c.total.p50 / cell(ipns).total.p50
          goals.push({ goal: `hostile: keydir first contact p50 (defaults) / IPNS query end p50, ${at}`, target: `<= ${GOALS.vsIpnsReturn}x`, measured: `${fmt.ratio(ratio)} (${fmt.ms(c.total.p50)} / ${fmt.ms(cell(ipns).total.p50)} ms)`, met: ratio <= GOALS.vsIpnsReturn })
        }
      }
    }
  }

  const report: BenchReport = {
    name: 'hostile',
    title: 'First contact in a hostile DHT: stale keys and time, keydir against IPNS',
    command: benchCommand('hostile', opts.quick),
    quick: opts.quick,
    environment: benchEnvironment(),
    tables: [{
      title: `${settings.victims} victims rotate, then ${settings.fresh} fresh nodes per resolver resolve each once (a first contact) and ${settings.others} peers that did not rotate; N DHT nodes on loopback TCP (${MAX_NODES_PER_PROCESS} at most per process)`,
      rows,
      notes: [
        `Hostile DHT: ${fmt.pct(HOSTILE_SHARE)} of the N nodes are stale-serving hostile (test/helpers/stale-dht-node.ts): each dials up to ${HOSTILE_DIALS} honest nodes (the victims and the anchor among them), learns the victims' records by GET_VALUE from every honest node it is connected to, is frozen, and from then on serves those records for GET_VALUE, echoes PUT_VALUE without storing it, and names only hostile nodes (the closest to the key) in every routing answer. "IDs near victims": each hostile ID shares ${NEAR_BITS} leading kad-id bits with one victim's routing key, round-robin over the victims.`,
        '"current key": the resolve returned the rotated record (keydir: its ML-DSA-65 key; IPNS: its value); "stale key": it returned the pre-rotation record; "failed": an error or another record. Return times are over current and stale answers.',
        'keydir fresh nodes resolve through the DHT only (direct path off), so that the DHT lookup is what is measured. Quorum 1 is firstContactQuorum 1 (the first valid answer); "defaults" passes nothing (3 answers over 3 disjoint paths, 150 ms grace); quorum 5 is 5 answers over 5 paths, 300 ms grace.',
        'IPNS: the same network built with the ipns package\'s validator and selector (bench/lib/net-host.ts); its hostile nodes keep the victims\' IPNS records of the seq before the "rotation" (a new value under the next seq); its resolver waits for kad-dht\'s query to end and takes the selector\'s best record, as an IPNS resolver does.',
        '"hostile answers with a record": GET_VALUE answers of the hostile nodes that carried a held (stale) record during that resolver\'s resolves.'
      ]
    }, {
      title: 'The trade-off: first-contact quorum 1, 3 (the defaults) and 5 (time against stale keys)',
      rows: tradeRows
    }],
    goals,
    data: { settings, hostileShare: HOSTILE_SHARE, nearBits: NEAR_BITS, results }
  }
  const svg = barChartSvg({
    title: 'First contact with a rotated peer: return p50 (ms)',
    unit: 'milliseconds (p50), lower is better; stale answers in the labels',
    groups: settings.sizes.flatMap(n => DHTS.map(dht => ({
      label: `N = ${n}, ${DHT_LABEL[dht]}`,
      bars: results.filter(r => r.nodes === n && r.dht === dht).map(r => {
        const c = cell(r)
        return { series: r.resolver, value: Number.isFinite(c.total.p50) ? c.total.p50 : 0, label: `${fmt.ms(c.total.p50)} ms, ${c.stale} stale of ${c.attempted}` }
      })
    })))
  })
  await publishReport(report, svg)
  return report
}
