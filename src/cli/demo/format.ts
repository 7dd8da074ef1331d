import { EXIT_FAILED, EXIT_OK } from '../exit.js'
import { formatTable } from '../output.js'
import type { DemoResult } from './run.js'

/** Failed resolves listed one a line; the rest are counted (--json lists them all). */
const LISTED_FAILURES = 20

/** `keydir demo`'s report: the table of paths, then each failed resolve and why. */
export function formatDemoResult (result: DemoResult): string {
  const lines: string[] = [`${result.nodes} nodes on loopback, ${result.published}/${result.nodes} records published, ${result.resolves} resolves`, '']
  const rows = Object.entries(result.paths).map(([path, stats]) => [path, String(stats.count), String(stats.failed), stats.p50Ms.toFixed(2), stats.p95Ms.toFixed(2)])
  lines.push(formatTable(['PATH', 'RESOLVES', 'FAILED', 'P50 MS', 'P95 MS'], rows).trimEnd())
  if (result.failed.length > 0) {
    const byCode = Object.entries(result.failures).map(([code, n]) => `${code} ${n}`).join(', ')
    lines.push('', `failed: ${result.failed.length} of ${result.resolves} resolves (${byCode})`)
    for (const f of result.failed.slice(0, LISTED_FAILURES)) lines.push(`  node-${f.from} -> node-${f.to}: ${f.code}: ${f.message}`)
    if (result.failed.length > LISTED_FAILURES) lines.push(`  … and ${result.failed.length - LISTED_FAILURES} more (--json lists them all)`)
  }
  lines.push('',
    'registry: answered from the local registry (learned on connect or by an earlier lookup)',
    'anchor: the configured bootstrap anchor; dht: a record from the DHT; direct: asked the peer itself',
    'FAILED: resolves that gave up on this path, the last they tried (none: no path named, such as a resolve cut off by the demo\'s own time limit)')
  if (result.dir !== undefined) lines.push(`the nodes' data dirs are kept in ${result.dir} (node-0 is the anchor)`)
  return lines.join('\n') + '\n'
}

/** EXIT_FAILED when any resolve failed: a demo that lost lookups is not a success, whatever its times. */
export function demoExitCode (result: DemoResult): number {
  return result.failed.length > 0 ? EXIT_FAILED : EXIT_OK
}
