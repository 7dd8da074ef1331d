import { createKeyDirectory } from '../../src/node/index.js'
import { makeTempDir } from './temp-dir.js'
import type { KeyDirectory, KeyDirectoryOptions, AnchorEntry } from '../../src/node/index.js'
import type { TempDir } from './temp-dir.js'

export interface TestNode {
  node: KeyDirectory
  dir: TempDir
}

export interface TestNetwork {
  /** The first node: every other joined through it, as a trust anchor. */
  anchor: TestNode
  anchorEntry: AnchorEntry
  nodes: TestNode[]
  /** Start one more node joined through the anchor. */
  add (options?: Partial<KeyDirectoryOptions>): Promise<TestNode>
  stop (): Promise<void>
}

/** A data dir the caller made and removes itself. */
function callersDir (path: string): TempDir {
  const keep = async (): Promise<void> => {}
  return { path, remove: keep, [Symbol.asyncDispose]: keep }
}

/**
 * A started node in a fresh temp data dir (or the `dataDir` given, which the
 * caller owns: `dir.remove()` then leaves it), listening on a free loopback port.
 */
export async function startNode (options: Partial<KeyDirectoryOptions> = {}): Promise<TestNode> {
  // A restarted node reuses its data dir: making a temp dir anyway left an empty one behind on every run.
  const dir = options.dataDir === undefined ? await makeTempDir('keydir-net-') : callersDir(options.dataDir)
  const node = await createKeyDirectory({ discoverOnConnect: false, ...options, dataDir: dir.path })
  await node.start()
  return { node, dir }
}

/**
 * `size` nodes on loopback over real TCP: one anchor and the rest joined
 * through it, every record published and the publishes finished.
 */
export async function startNetwork (size: number, options: Partial<KeyDirectoryOptions> = {}): Promise<TestNetwork> {
  const anchor = await startNode(options)
  const anchorEntry = anchor.node.anchorEntry()
  const nodes: TestNode[] = [anchor]
  const add = async (extra: Partial<KeyDirectoryOptions> = {}): Promise<TestNode> => {
    const started = await startNode({ ...options, bootstrap: [anchorEntry], ...extra })
    nodes.push(started)
    return started
  }
  const stop = async (): Promise<void> => {
    await Promise.all(nodes.map(async ({ node, dir }) => {
      await node.stop()
      await dir.remove()
    }))
  }
  try {
    for (let i = 1; i < size; i++) {
      await add()
    }
    // Publish again now that every routing table has peers; the start-up publish may have had none.
    await Promise.all(nodes.map(async ({ node }) => node.publish()))
  } catch (err) {
    // The caller never gets the network to stop: running nodes would keep the test process alive.
    await stop()
    throw err
  }
  return { anchor, anchorEntry, nodes, add, stop }
}

/** Sum of a counter's values for the given labels, read from a node's metrics. */
export async function counterValue (node: KeyDirectory, name: string, labels: Record<string, string> = {}): Promise<number> {
  const metric = node.metrics.registry.getSingleMetric(name)
  if (metric == null) return 0
  const { values } = await metric.get()
  return values
    .filter(v => Object.entries(labels).every(([k, want]) => v.labels[k] === want))
    .reduce((sum, v) => sum + v.value, 0)
}

/** Poll `condition` every 20 ms until it holds; fails with `what` after `timeoutMs` (an outcome bound, not a timing assertion). */
export async function waitUntil (condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!await condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`)
    await new Promise(resolve => setTimeout(resolve, 20))
  }
}
