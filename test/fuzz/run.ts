import { parseArgs } from 'node:util'
import { runTarget } from './harness.js'
import { targets } from './targets/index.js'
import type { TargetReport } from './harness.js'

/**
 * `npm run fuzz -- [--seconds N | --runs N] [--target NAME]... [--seed S]`
 *
 * Runs every fuzz target (or the named ones) for N seconds each, or N cases
 * each; with neither, the CI-sized run. Prints each target's cases, the
 * outcomes they ended in, and any failure with its shrunk counterexample and
 * seed to replay it. Exits 1 on a failure, an uncaught exception or an
 * unhandled rejection.
 */

const { values } = parseArgs({
  options: {
    seconds: { type: 'string' },
    runs: { type: 'string' },
    target: { type: 'string', multiple: true },
    seed: { type: 'string' },
    list: { type: 'boolean' },
    quiet: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' }
  }
})

if (values.help === true) {
  console.log('usage: npm run fuzz -- [--seconds N | --runs N] [--target NAME]... [--seed S] [--quiet] [--list]\n' +
    '  --seconds N  run each target for N seconds\n' +
    '  --runs N     run each target for N cases (default: the CI-sized count)\n' +
    '  --target     only these targets (repeat); --list shows them\n' +
    '  --seed S     replay a run with this seed')
  process.exit(0)
}

if (values.list === true) {
  for (const t of targets) console.log(`${t.name.padEnd(20)} ${String(t.ciRuns).padStart(6)} CI cases  ${t.description}`)
  process.exit(0)
}

function positive (name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined
  const n = Number(value)
  if (!Number.isFinite(n) || n <= 0) {
    console.error(`--${name} must be a positive number, got ${value}`)
    process.exit(2)
  }
  return n
}

const seconds = positive('seconds', values.seconds)
const runs = positive('runs', values.runs)
const seed = values.seed === undefined ? undefined : Number(values.seed) | 0
const chosen = values.target === undefined ? targets : targets.filter(t => values.target?.includes(t.name))
const unknown = (values.target ?? []).filter(name => !targets.some(t => t.name === name))
if (unknown.length > 0) {
  console.error(`unknown target ${unknown.join(', ')}; --list shows them`)
  process.exit(2)
}

// Output piped into `head` and closed: stop quietly rather than fail on every write.
for (const out of [process.stdout, process.stderr]) {
  out.on('error', err => { if ((err as NodeJS.ErrnoException).code === 'EPIPE') process.exit(process.exitCode ?? 0) })
}

let uncaught = 0
let unhandled = 0
process.on('uncaughtException', err => { uncaught++; console.error('uncaught exception:', err) })
process.on('unhandledRejection', err => { unhandled++; console.error('unhandled rejection:', err) })

const reports: TargetReport[] = []
const started = performance.now()
for (const target of chosen) {
  const report = await runTarget(target, { runs: runs === undefined ? undefined : Math.floor(runs), seconds, seed })
  reports.push(report)
  console.log(`${report.failed ? 'FAIL' : 'ok  '} ${report.name.padEnd(20)} ${String(report.runs).padStart(8)} cases  ${String(report.ms).padStart(7)} ms  seed ${report.seed}`)
  if (values.quiet !== true) {
    const byStage = new Map<string, string[]>()
    for (const [outcome, count] of report.outcomes) {
      const cut = outcome.lastIndexOf(': ')
      const [stage, result] = cut < 0 ? ['', outcome] : [outcome.slice(0, cut), outcome.slice(cut + 2)]
      byStage.set(stage, [...(byStage.get(stage) ?? []), `${result} ${count}`])
    }
    for (const [stage, results] of byStage) console.log(`       ${stage}: ${results.join(', ')}`)
  }
  if (report.failure !== undefined) console.log(report.failure)
}

const total = reports.reduce((n, r) => n + r.runs, 0)
const failed = reports.filter(r => r.failed)
console.log(`\n${total} cases in ${Math.round((performance.now() - started) / 1000)} s over ${reports.length} targets; ` +
  `${failed.length} failed, ${uncaught} uncaught exceptions, ${unhandled} unhandled rejections`)
process.exitCode = failed.length > 0 || uncaught > 0 || unhandled > 0 ? 1 : 0
