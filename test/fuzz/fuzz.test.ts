import assert from 'node:assert/strict'
import { after, describe, it } from 'node:test'
import { runTarget } from './harness.js'
import { targets } from './targets/index.js'

/**
 * The CI-sized fuzz run (about 55,800 cases, some tens of seconds): every
 * target's CI count of cases with a fresh seed, printed so a failure can be
 * replayed with `npm run fuzz -- --target NAME --seed S --runs N`. Set
 * FUZZ_SEED to replay the whole run. Longer runs: `npm run fuzz -- --seconds N`.
 */

const seed = process.env.FUZZ_SEED === undefined ? undefined : Number(process.env.FUZZ_SEED) | 0
const problems: string[] = []
const onUncaught = (err: unknown): void => { problems.push(`uncaught exception: ${String(err)}`) }
const onUnhandled = (err: unknown): void => { problems.push(`unhandled rejection: ${String(err)}`) }
process.on('uncaughtException', onUncaught)
process.on('unhandledRejection', onUnhandled)

describe('fuzzing (CI-sized run)', () => {
  let total = 0

  for (const target of targets) {
    it(`${target.name}: ${target.description}`, async (t) => {
      const report = await runTarget(target, { seed })
      total += report.runs
      t.diagnostic(`${report.runs} cases in ${report.ms} ms, seed ${report.seed}: ${report.outcomes.map(([o, n]) => `${o} ${n}`).join('; ')}`)
      assert.equal(report.failed, false, `${report.failure ?? ''}\nreplay: npm run fuzz -- --target ${target.name} --seed=${report.seed} --runs ${target.ciRuns}`)
      assert.equal(report.runs, target.ciRuns)
    })
  }

  after(() => {
    process.off('uncaughtException', onUncaught)
    process.off('unhandledRejection', onUnhandled)
    console.log(`# fuzzing: ${total} cases over ${targets.length} targets`)
    assert.deepEqual(problems, [])
  })
})
