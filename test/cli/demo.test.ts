import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { percentile, runDemo } from '../../src/cli/demo/run.js'
import { FakeKeyDirectory, makeFakePeer } from '../helpers-daemon/fake-node.js'

describe('demo', () => {
  test('percentile is nearest-rank', () => {
    const sorted = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]
    assert.equal(percentile(sorted, 50), 5)
    assert.equal(percentile(sorted, 95), 10)
    assert.equal(percentile([7], 50), 7)
    assert.equal(percentile([], 95), 0)
  })

  test('resolves every node from every other, counts paths and failures, stops every node', async () => {
    const made: FakeKeyDirectory[] = []
    const phases = new Set<string>()
    const result = await runDemo({
      nodes: 3,
      onProgress: phase => { phases.add(phase) },
      createNode: async () => {
        const node = new FakeKeyDirectory(await makeFakePeer())
        made.push(node)
        return node
      }
    })
    // Fake nodes know nobody: every lookup is ERR_NOT_FOUND, and counted.
    assert.equal(result.nodes, 3)
    assert.equal(result.resolves, 6)
    assert.deepEqual(result.failures, { ERR_NOT_FOUND: 6 })
    assert.equal(result.published, 3)
    assert.deepEqual([...phases], ['start', 'publish', 'resolve', 'stop'])
    assert.ok(made.every(n => n.started && n.stopped))
  })
})
