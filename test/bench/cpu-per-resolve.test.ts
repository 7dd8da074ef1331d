import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { cpuMsPerResolve } from '../../bench/network.js'

describe('network bench: CPU per resolve', () => {
  it('is the CPU over the resolves less the rate at rest, per resolve', () => {
    // 3 s of CPU over 10 s of resolves, 100 ms a second at rest: 2 s for 20 resolves.
    assert.equal(cpuMsPerResolve(3_000_000, 100, 10, 20, 2), 100)
    // Less than the rest rate predicts reads 0, not a negative cost.
    assert.equal(cpuMsPerResolve(500_000, 100, 10, 20, 2), 0)
  })

  it('is unknown when the network at rest already used 90% of the cores or more', () => {
    assert.ok(Number.isNaN(cpuMsPerResolve(30_000_000, 2_127, 10, 20, 2)))
    assert.ok(Number.isNaN(cpuMsPerResolve(30_000_000, 1_800, 10, 20, 2)))
    assert.equal(cpuMsPerResolve(30_000_000, 1_799, 10, 20, 2), (30_000 - 17_990) / 20)
    assert.equal(cpuMsPerResolve(30_000_000, 2_127, 10, 20, 4), (30_000 - 21_270) / 20)
  })
})
