import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { summarize } from '../../bench/lib/measure.js'
import { ownStoreShare, resolveTableRows } from '../../bench/network.js'
import type { NetworkRun, ResolveStats } from '../../bench/network.js'

/** A path's stats with only what the resolve table reads of first answers. */
function pathStats (firstAny: number[], firstOther: number[], ownStore: number): ResolveStats {
  return {
    attempted: 3,
    succeeded: 3,
    successRate: 1,
    total: summarize([10, 20, 30]),
    firstAny: summarize(firstAny),
    firstOther: summarize(firstOther),
    ownStore,
    cpuMsPerResolve: 1,
    bytesPerResolve: 1024,
    dialsPerResolve: 0,
    dhtMessagesPerResolve: 1
  } as unknown as ResolveStats
}

describe('network bench: first valid answers', () => {
  it('own store share counts only the resolves that saw a valid record', () => {
    assert.equal(ownStoreShare([{ ownStore: true }, { ownStore: false }, { ownStore: undefined }, { ownStore: false }]), 1 / 3)
    assert.ok(Number.isNaN(ownStoreShare([{ ownStore: undefined }, {}])), 'the direct path sees none: unknown, not 0%')
    assert.ok(Number.isNaN(ownStoreShare([])))
  })

  it('the resolve table shows keydir\'s first valid answers when its run has them, "-" when it has none', () => {
    const run = (paths: NetworkRun['paths']): NetworkRun => ({ kind: 'keydir', nodes: 60, procs: 1, paths }) as unknown as NetworkRun
    const rows = resolveTableRows([
      run({ dht: pathStats([4, 5, 6], [7, 8, 9], 1 / 3), direct: pathStats([], [], Number.NaN) }),
      // A run saved before keydir's lookup reported its answers.
      run({ dht: pathStats([], [], 0) })
    ], r => String(r.nodes))
    const [timed, direct, old] = rows
    assert.equal(timed['first valid, any node p50 ms'], '5.00')
    assert.equal(timed['first valid, other node p50 ms'], '8.00')
    assert.equal(timed['answered by own store'], '33.3%')
    for (const row of [direct, old]) {
      assert.equal(row['first valid, any node p50 ms'], '-')
      assert.equal(row['first valid, other node p50 ms'], '-')
      assert.equal(row['answered by own store'], '-')
    }
  })
})
