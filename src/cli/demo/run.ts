import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { errorCode } from '../../errors.js'
import type { PqCryptoChoice } from '../../crypto/index.js'
import type { KeyDirectory, KeyDirectoryOptions, ResolvedKeys } from '../../node/types.js'

const second = 1000
/** Each resolve gets this long. */
const RESOLVE_TIMEOUT_MS = 15 * second
/** How long to wait for every node to have a DHT peer before publishing. */
const ROUTING_WAIT_MS = 15 * second
/** Nodes started at once. */
const START_BATCH = 10

export type DemoPhase = 'start' | 'publish' | 'resolve' | 'stop'

export interface DemoInit {
  nodes: number
  crypto?: PqCryptoChoice
  /** Called as work is done in each phase. */
  onProgress?: (phase: DemoPhase, done: number, total: number) => void
  signal?: AbortSignal
  /** Build a node (tests pass a fake). Default: the real createKeyDirectory. */
  createNode?: (options: KeyDirectoryOptions) => Promise<KeyDirectory>
}

export interface PathStats {
  count: number
  p50Ms: number
  p95Ms: number
}

export interface DemoResult {
  nodes: number
  resolves: number
  /** Resolves that answered with the right peer's keys, by the path that answered. */
  paths: Partial<Record<ResolvedKeys['source'], PathStats>>
  /** Failed resolves by error code. */
  failures: Record<string, number>
  published: number
}

export function percentile (sorted: number[], p: number): number {
  if (sorted.length === 0) return 0
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil(p / 100 * sorted.length) - 1))
  return sorted[index] ?? 0
}

/**
 * A local network of `nodes` keydir nodes on loopback in this process: the
 * first is an anchor for the others. Every node publishes, then every node
 * resolves every other, and the answers are counted by the path that gave
 * them. The nodes and their temporary data dirs are gone when this returns.
 */
export async function runDemo (init: DemoInit): Promise<DemoResult> {
  const createNode = init.createNode ?? (await import('../../node/index.js')).createKeyDirectory
  const root = await mkdtemp(join(tmpdir(), 'keydir-demo-'))
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
        nodes.push(node)
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

    const times: Partial<Record<ResolvedKeys['source'], number[]>> = {}
    const failures: Record<string, number> = {}
    const total = nodes.length * (nodes.length - 1)
    let done = 0
    progress('resolve', 0, total)
    await Promise.all(nodes.map(async (from, i) => {
      for (let j = 0; j < nodes.length; j++) {
        if (i === j) continue
        signal?.throwIfAborted()
        const target = nodes[j]
        const started = performance.now()
        try {
          const keys = await from.resolve(target.peerId, { signal: signal === undefined ? AbortSignal.timeout(RESOLVE_TIMEOUT_MS) : AbortSignal.any([signal, AbortSignal.timeout(RESOLVE_TIMEOUT_MS)]) })
          if (!keys.peerId.equals(target.peerId)) throw Object.assign(new Error('wrong peer'), { code: 'ERR_WRONG_PEER' })
          ;(times[keys.source] ??= []).push(performance.now() - started)
        } catch (err) {
          signal?.throwIfAborted()
          const code = errorCode(err) === 'ERR_UNEXPECTED' ? ((err as { code?: string }).code ?? 'ERR_UNEXPECTED') : errorCode(err)
          failures[code] = (failures[code] ?? 0) + 1
        }
        progress('resolve', ++done, total)
      }
    }))

    const paths: DemoResult['paths'] = {}
    for (const [source, list] of Object.entries(times) as Array<[ResolvedKeys['source'], number[]]>) {
      const sorted = [...list].sort((a, b) => a - b)
      paths[source] = { count: sorted.length, p50Ms: round(percentile(sorted, 50)), p95Ms: round(percentile(sorted, 95)) }
    }
    return { nodes: nodes.length, resolves: total, paths, failures, published }
  } finally {
    progress('stop', 0, nodes.length)
    let stopped = 0
    await Promise.all(nodes.map(async node => {
      await node.stop().catch(() => {})
      progress('stop', ++stopped, nodes.length)
    }))
    await rm(root, { recursive: true, force: true }).catch(() => {})
  }
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
