import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { demoExitCode, formatDemoResult } from '../../src/cli/demo/format.js'
import { percentile, runDemo } from '../../src/cli/demo/run.js'
import { EXIT_FAILED, EXIT_OK } from '../../src/cli/exit.js'
import { ResolveError } from '../../src/errors.js'
import { FakeKeyDirectory, makeFakePeer, type FakePeer } from '../helpers-daemon/fake-node.js'
import type { KeyDirectoryOptions } from '../../src/node/types.js'

/** Three fake nodes; node-1 knows node-0 and node-2, and its lookup of node-2 gives up on the direct path. */
async function fakeNetwork (): Promise<{ made: FakeKeyDirectory[], options: KeyDirectoryOptions[], createNode: (options: KeyDirectoryOptions) => Promise<FakeKeyDirectory> }> {
  const peers: FakePeer[] = await Promise.all([makeFakePeer(), makeFakePeer(), makeFakePeer()])
  const made: FakeKeyDirectory[] = []
  const options: KeyDirectoryOptions[] = []
  const createNode = async (given: KeyDirectoryOptions): Promise<FakeKeyDirectory> => {
    const index = Number(/node-(\d+)$/.exec(given.dataDir)?.[1])
    const node = new FakeKeyDirectory(peers[index])
    if (index === 1) {
      node.addPeer(peers[0])
      node.failures.set(peers[2].peerId.toString(), new ResolveError('ERR_RESOLVE_TIMEOUT', 'resolving took longer than 10000 ms (dht: ERR_RESOLVE_TIMEOUT, direct: ERR_RESOLVE_TIMEOUT)', {
        paths: [{ path: 'dht', code: 'ERR_RESOLVE_TIMEOUT' }, { path: 'direct', code: 'ERR_RESOLVE_TIMEOUT' }]
      }))
    }
    made[index] = node
    options[index] = given
    return node
  }
  return { made, options, createNode }
}

describe('demo', () => {
  test('percentile is nearest-rank', () => {
    const sorted = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]
    assert.equal(percentile(sorted, 50), 5)
    assert.equal(percentile(sorted, 95), 10)
    assert.equal(percentile([7], 50), 7)
    assert.equal(percentile([], 95), 0)
  })

  test('resolves every node from every other, counts answers and failures by path, stops every node', async () => {
    const { made, createNode } = await fakeNetwork()
    const phases = new Set<string>()
    const result = await runDemo({ nodes: 3, onProgress: phase => { phases.add(phase) }, createNode })
    assert.equal(result.nodes, 3)
    assert.equal(result.resolves, 6)
    assert.equal(result.published, 3)
    assert.deepEqual([...phases], ['start', 'publish', 'resolve', 'stop'])
    assert.ok(made.every(n => n.started && n.stopped))
    // node-1 answers node-0 from its registry; its lookup of node-2 gave up on the direct path; the other fakes know nobody (no path tried).
    assert.equal(result.paths.registry?.count, 1)
    assert.equal(result.paths.registry?.failed, 0)
    assert.deepEqual(result.paths.direct, { count: 0, failed: 1, p50Ms: 0, p95Ms: 0 })
    assert.equal(result.paths.none?.failed, 4)
    assert.deepEqual(result.failures, { ERR_RESOLVE_TIMEOUT: 1, ERR_NOT_FOUND: 4 })
    assert.equal(result.failed.length, 5)
    const timedOut = result.failed.find(f => f.code === 'ERR_RESOLVE_TIMEOUT')
    assert.deepEqual({ ...timedOut, message: undefined }, { from: 1, to: 2, peerId: made[2].peerId.toString(), path: 'direct', code: 'ERR_RESOLVE_TIMEOUT', message: undefined })
    assert.match(timedOut?.message ?? '', /direct: ERR_RESOLVE_TIMEOUT/)
    assert.equal(result.dir, undefined)
  })

  test('the report has a FAILED column, lists each failed resolve and why, and the demo then exits 1', async () => {
    const { createNode } = await fakeNetwork()
    const result = await runDemo({ nodes: 3, createNode })
    const text = formatDemoResult(result)
    assert.match(text, /^PATH +RESOLVES +FAILED +P50 MS +P95 MS$/m)
    assert.match(text, /^direct +0 +1 +0\.00 +0\.00$/m)
    assert.match(text, /^failed: 5 of 6 resolves \(ERR_RESOLVE_TIMEOUT 1, ERR_NOT_FOUND 4\)$/m)
    assert.match(text, /^ {2}node-1 -> node-2: ERR_RESOLVE_TIMEOUT: resolving took longer than 10000 ms \(dht: ERR_RESOLVE_TIMEOUT, direct: ERR_RESOLVE_TIMEOUT\)$/m)
    assert.equal(demoExitCode(result), EXIT_FAILED)
    assert.equal(demoExitCode({ ...result, failed: [], failures: {} }), EXIT_OK)
  })

  test('with a dir, the nodes\' data dirs go under it and are kept', async () => {
    const { options, createNode } = await fakeNetwork()
    const result = await runDemo({ nodes: 3, createNode, dir: '/srv/keydir-demo' })
    assert.deepEqual(options.map(o => o.dataDir), ['/srv/keydir-demo/node-0', '/srv/keydir-demo/node-1', '/srv/keydir-demo/node-2'])
    assert.equal(result.dir, '/srv/keydir-demo')
    assert.match(formatDemoResult(result), /^the nodes' data dirs are kept in \/srv\/keydir-demo \(node-0 is the anchor\)$/m)
  })
})
