import { readdir } from 'node:fs/promises'
import { resolve } from 'node:path'
import cliProgress from 'cli-progress'
import { Option } from 'commander'
import { CRYPTO_CHOICES } from '../../config/index.js'
import { ensureDataDir } from '../data-dir.js'
import { demoExitCode, formatDemoResult } from '../demo/format.js'
import { RESOLVE_CONCURRENCY, runDemo, type DemoPhase, type DemoResult } from '../demo/run.js'
import { EXIT_CODES_HELP, UsageError } from '../exit.js'
import { jsonOption } from '../options.js'
import { note, printJson } from '../output.js'
import type { PqCryptoChoice } from '../../crypto/index.js'
import type { Command } from 'commander'

const MAX_NODES = 100
const PHASE_TEXT: Record<DemoPhase, string> = {
  start: 'starting nodes',
  publish: 'publishing records',
  resolve: 'resolving every node from every other',
  stop: 'stopping nodes'
}

interface DemoOptions {
  nodes: string
  crypto?: PqCryptoChoice
  dir?: string
  json?: boolean
}

/** Progress: a bar on a terminal, a line a phase otherwise; always on stderr. */
function progressReporter (): { update: (phase: DemoPhase, done: number, total: number) => void, stop: () => void } {
  if (process.stderr.isTTY !== true) {
    let last: DemoPhase | undefined
    return {
      update: (phase, _done, total) => {
        if (phase !== last) note(`${PHASE_TEXT[phase]} (${total})…`)
        last = phase
      },
      stop: () => {}
    }
  }
  const bar = new cliProgress.SingleBar({
    stream: process.stderr,
    format: '{phase} [{bar}] {value}/{total}',
    hideCursor: true,
    clearOnComplete: true
  }, cliProgress.Presets.shades_classic)
  let last: DemoPhase | undefined
  return {
    update: (phase, done, total) => {
      if (phase !== last) {
        if (last !== undefined) bar.stop()
        bar.start(total, done, { phase: PHASE_TEXT[phase].padEnd(38) })
        last = phase
      } else {
        bar.update(done)
      }
    },
    stop: () => { bar.stop() }
  }
}

/** --dir: made if missing (owner only), and new or empty, so that no node starts from an earlier run's identity and registry. */
async function demoDir (dir: string): Promise<string> {
  const path = resolve(dir)
  await ensureDataDir(path)
  if ((await readdir(path)).length > 0) {
    throw new UsageError(`--dir ${path} is not empty: give a new or empty dir for the demo's nodes (an earlier run's nodes would answer from what they learned then)`)
  }
  return path
}

export function registerDemo (program: Command): void {
  program.command('demo')
    .summary('run a local network of N nodes, resolve every node from every other, show the paths and times')
    .description(
      'Start N keydir nodes in this process on loopback (temporary data dirs, or under --dir), the first one an anchor for the others; ' +
      `publish every record, resolve every node from every other (${RESOLVE_CONCURRENCY} at a time), then print how many lookups each path answered ` +
      '(registry, anchor, dht, direct) and how many gave up on it, with p50 and p95 times, list the failed resolves and why, and stop every node.')
    .option('--nodes <n>', `number of nodes, 2 to ${MAX_NODES}`, '10')
    .addOption(new Option('--crypto <impl>', 'post-quantum implementation').choices(CRYPTO_CHOICES))
    .option('--dir <path>', 'put the nodes\' data dirs (node-0, node-1, …) under this dir, new or empty, and keep them after the run (default: a temporary dir, removed)')
    .addOption(jsonOption())
    .addHelpText('after', `
Exits 1 if any resolve failed, after listing each failed resolve and why.
${EXIT_CODES_HELP}`)
    .action(async (options: DemoOptions) => {
      const nodes = Number(options.nodes)
      if (!/^[0-9]+$/.test(options.nodes) || nodes < 2 || nodes > MAX_NODES) {
        throw new UsageError(`--nodes must be a whole number from 2 to ${MAX_NODES}, got ${JSON.stringify(options.nodes)}`)
      }
      const dir = options.dir === undefined ? undefined : await demoDir(options.dir)
      const controller = new AbortController()
      const interrupt = (): void => { controller.abort(new Error('interrupted')) }
      process.once('SIGINT', interrupt)
      process.once('SIGTERM', interrupt)
      const reporter = progressReporter()
      let result: DemoResult
      try {
        result = await runDemo({ nodes, crypto: options.crypto, dir, onProgress: reporter.update, signal: controller.signal })
      } finally {
        reporter.stop()
        process.off('SIGINT', interrupt)
        process.off('SIGTERM', interrupt)
      }
      if (options.json === true) printJson(result)
      else process.stdout.write(formatDemoResult(result))
      process.exitCode = demoExitCode(result)
    })
}
