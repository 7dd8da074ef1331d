import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { errorCode, ResolveError } from '../../errors.js'
import type { PqCryptoChoice } from '../../crypto/index.js'
import type { KeyDirectory, KeyDirectoryOptions, ResolvedKeys } from '../../node/types.js'

const second = 1000
/** Each resolve gets this long. */
const RESOLVE_TIMEOUT_MS = 15 * second
/** How long to wait for every node to have a DHT peer before publishing. */
const ROUTING_WAIT_MS = 15 * second
/** Nodes started at once. */
const START_BATCH = 10
/**
 * Resolves in flight at once, across all nodes. Every node of the demo
 * shares this process's one event loop: with one lookup per node at once
 * (20 at 20 nodes, each asking up to 9 peers and verifying every answer),
 * the loop fell behind so far that lookups ran out of their DHT share of
 * the resolve timeout, went on to the direct path and took longer than the
 * timeout itself. A few at a time keep the times those of a lookup, not of
 * a queue.
 */
export const RESOLVE_CONCURRENCY = 4

export type DemoPhase = 'start' | 'publish' | 'resolve' | 'stop'

/** The path that answered a resolve, or `none` for a failure before any path was tried (no peers, say). */
export type DemoPath = ResolvedKeys['source'] | 'none'

export interface DemoInit {
  nodes: number
  crypto?: PqCryptoChoice
  /** Put the nodes' data dirs (`node-0`, `node-1`, …) here and keep them. Default: a temporary dir, removed at the end. */
  dir?: string
  /** Called as work is done in each phase. */
  onProgress?: (phase: DemoPhase, done: number, total: number) => void
  signal?: AbortSignal
  /** Build a node (tests pass a fake). Default: the real createKeyDirectory. */
  createNode?: (options: KeyDirectoryOptions) => Promise<KeyDirectory>
}

export interface PathStats {
  /** Resolves this path answered. */
  count: number
  /** Failed resolves whose last path tried was this one: where they gave up. */
  failed: number
  /** Times of the resolves it answered. */
  p50Ms: number
  p95Ms: number
}

/** One resolve that failed: which node asked for which, and why. */
export interface FailedResolve {
  /** Indexes of the nodes (`node-<i>`). */
  from: number
  to: number
  peerId: string
  /** The last path tried. */
  path: DemoPath
  code: string
  message: string
}

export interface DemoResult {
  nodes: number
  resolves: number
  /** Resolves answered, and failed, by path. */
  paths: Partial<Record<DemoPath, PathStats>>
  /** Failed resolves by error code. */
  failures: Record<string, number>
  /** Every failed resolve. */
  failed: FailedResolve[]
  published: number
  /** Where the nodes' data dirs are, when they were kept (`dir` given). */
  dir?: string
}

export function percentile (sorted: number[], p: number): number {
  if (sorted.length === 0) return 0
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil(p / 100 * sorted.length) - 1))
  return sorted[index] ?? 0
}

/**
 * A local network of `nodes` keydir nodes on loopback in this process: the
 * first is an anchor for the others. Every node publishes, then every node
 * resolves every other (RESOLVE_CONCURRENCY at a time), and the answers
 * are counted by the path that gave them, the failures by the path where
 * they gave up. The nodes are stopped when this returns; their data dirs
 * are removed, unless they are under `dir`.
 */
export async function runDemo (init: DemoInit): Promise<DemoResult> {
  const createNode = init.createNode ?? (await import('../../node/index.js')).createKeyDirectory
  const root = init.dir ?? await mkdtemp(join(tmpdir(), 'keydir-demo-'))
  const nodes: KeyDirectory[] = []
  const progress = init.onProgress ?? (() => {})
  const signal = init.signal
  try {
    const base = (i: number): KeyDirectoryOptions => ({
      dataDir: join(root, `node-${i}`),
      listen: ['/ip4/127.0.0.1/tcp/0'],
      localNetwork: true,
      // Learning keys on connect would answer every lookup from the registry; off, the lookups show the network paths.
      discoverOnConnect: false,
      ...(init.crypto !== undefined ? { crypto: init.crypto } : {})
    })

    progress('start', 0, init.nodes)
    const anchor = await createNode(base(0))
    nodes.push(anchor)
    await anchor.start()
    progress('start', 1, init.nodes)
    const bootstrap = [anchor.anchorEntry()]
    for (let i = 1; i < init.nodes; i += START_BATCH) {
      signal?.throwIfAborted()
      await Promise.all(Array.from({ length: Math.min(START_BATCH, init.nodes - i) }, async (_, k) => {
        const node = await createNode({ ...base(i + k), bootstrap })
        // At its index, so that nodes[i] is node-<i> whichever starts first; kept before it starts, so that it is stopped whatever happens.
        nodes[i + k] = node
        await node.start()
      }))
      progress('start', nodes.length, init.nodes)
    }
    await waitForRouting(nodes, signal)

    let published = 0
    progress('publish', 0, nodes.length)
    await Promise.all(nodes.map(async node => {
      try {
        await node.publish({ signal })
        published++
      } catch {}
      progress('publish', published, nodes.length)
    }))

    const { paths, failures, failed } = await resolveAll(nodes, progress, signal)
    return { nodes: nodes.length, resolves: nodes.length * (nodes.length - 1), paths, failures, failed, published, ...(init.dir === undefined ? {} : { dir: root }) }
  } finally {
    // A batch that failed to start may leave gaps.
    const made = nodes.filter(node => node !== undefined)
    progress('stop', 0, made.length)
    let stopped = 0
    await Promise.all(made.map(async node => {
      await node.stop().catch(() => {})
      progress('stop', ++stopped, made.length)
    }))
    if (init.dir === undefined) await rm(root, { recursive: true, force: true }).catch(() => {})
  }
}

/** Every node resolves every other, RESOLVE_CONCURRENCY at a time: the answers timed by path, the failures by where they gave up. */
async function resolveAll (nodes: KeyDirectory[], progress: NonNullable<DemoInit['onProgress']>, signal?: AbortSignal): Promise<Pick<DemoResult, 'paths' | 'failures' | 'failed'>> {
  // Round by round, each node resolving one other, so that the resolves in flight are spread over the nodes.
  const pairs: Array<[number, number]> = []
  for (let offset = 1; offset < nodes.length; offset++) {
    for (let i = 0; i < nodes.length; i++) pairs.push([i, (i + offset) % nodes.length])
  }
  const times: Partial<Record<DemoPath, number[]>> = {}
  const gaveUp: Partial<Record<DemoPath, number>> = {}
  const failures: Record<string, number> = {}
  const failed: FailedResolve[] = []
  let next = 0
  let done = 0
  progress('resolve', 0, pairs.length)
  const worker = async (): Promise<void> => {
    while (next < pairs.length) {
      signal?.throwIfAborted()
      const [from, to] = pairs[next++]
      const target = nodes[to]
      const started = performance.now()
      try {
        const keys = await nodes[from].resolve(target.peerId, { signal: signal === undefined ? AbortSignal.timeout(RESOLVE_TIMEOUT_MS) : AbortSignal.any([signal, AbortSignal.timeout(RESOLVE_TIMEOUT_MS)]) })
        if (!keys.peerId.equals(target.peerId)) throw Object.assign(new Error(`answered the keys of ${keys.peerId.toString()}`), { code: 'ERR_WRONG_PEER' })
        ;(times[keys.source] ??= []).push(performance.now() - started)
      } catch (err) {
        signal?.throwIfAborted()
        const code = errorCode(err) === 'ERR_UNEXPECTED' ? ((err as { code?: string }).code ?? 'ERR_UNEXPECTED') : errorCode(err)
        const path: DemoPath = (err instanceof ResolveError ? err.paths.at(-1)?.path as DemoPath | undefined : undefined) ?? 'none'
        failures[code] = (failures[code] ?? 0) + 1
        gaveUp[path] = (gaveUp[path] ?? 0) + 1
        failed.push({ from, to, peerId: target.peerId.toString(), path, code, message: (err as Error).message })
      }
      progress('resolve', ++done, pairs.length)
    }
  }
  await Promise.all(Array.from({ length: Math.min(RESOLVE_CONCURRENCY, pairs.length) }, worker))

  const paths: DemoResult['paths'] = {}
  for (const path of new Set([...Object.keys(times), ...Object.keys(gaveUp)]) as Set<DemoPath>) {
    const sorted = [...(times[path] ?? [])].sort((a, b) => a - b)
    paths[path] = { count: sorted.length, failed: gaveUp[path] ?? 0, p50Ms: round(percentile(sorted, 50)), p95Ms: round(percentile(sorted, 95)) }
  }
  return { paths, failures, failed }
}

function round (ms: number): number {
  return Math.round(ms * 100) / 100
}

/** Wait until every node has at least one peer in its DHT routing table, or the wait runs out. */
async function waitForRouting (nodes: KeyDirectory[], signal?: AbortSignal): Promise<void> {
  const deadline = Date.now() + ROUTING_WAIT_MS
  while (Date.now() < deadline) {
    signal?.throwIfAborted()
    const sizes = await Promise.all(nodes.map(async node => (await node.status()).dhtSize))
    if (sizes.every(size => size > 0)) return
    await new Promise(resolve => setTimeout(resolve, 100))
  }
}
