import assert from 'node:assert/strict'
import { access, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, test } from 'node:test'
import { EXIT_USAGE } from '../../src/cli/exit.js'
import { runKeydir, tempDir } from '../helpers-daemon/cli.js'

describe('keydir demo', { timeout: 180_000 }, () => {
  test('runs a local network, resolves every node from every other, reports paths, stops cleanly', async () => {
    const { code, stdout, stderr } = await runKeydir(['demo', '--nodes', '4', '--json'])
    assert.equal(code, 0, stderr)
    const result = JSON.parse(stdout)
    assert.equal(result.nodes, 4)
    assert.equal(result.resolves, 12)
    assert.equal(result.published, 4)
    assert.deepEqual(result.failures, {})
    assert.deepEqual(result.failed, [])
    const counted = Object.values(result.paths as Record<string, { count: number, failed: number, p50Ms: number, p95Ms: number }>)
    for (const stats of counted) assert.equal(stats.failed, 0)
    assert.equal(counted.reduce((sum, s) => sum + s.count, 0), 12)
    for (const stats of counted) assert.ok(stats.p50Ms <= stats.p95Ms)
    for (const path of Object.keys(result.paths)) assert.ok(['registry', 'anchor', 'dht', 'direct'].includes(path), path)
    // Not a terminal: progress is a line a phase on stderr, no bar.
    assert.match(stderr, /resolving every node from every other \(12\)/)
    assert.doesNotMatch(stderr, /\x1b\[/) // eslint-disable-line no-control-regex -- looks for the ANSI escape (ESC [) on purpose
  })

  test('prints a table of paths with p50 and p95', async () => {
    const { code, stdout, stderr } = await runKeydir(['demo', '--nodes', '3'])
    assert.equal(code, 0, stderr)
    assert.match(stdout, /^3 nodes on loopback, 3\/3 records published, 6 resolves$/m)
    assert.match(stdout, /^PATH +RESOLVES +FAILED +P50 MS +P95 MS$/m)
    assert.match(stdout, /^(registry|anchor|dht|direct) +\d+ +0 +\d+\.\d\d +\d+\.\d\d$/m)
  })

  test('--dir puts the nodes\' data dirs under it and keeps them; a dir in use is refused', async () => {
    const dir = join(await tempDir('keydir-demo-dir-'), 'demo')
    const { code, stdout, stderr } = await runKeydir(['demo', '--nodes', '2', '--dir', dir, '--json'])
    assert.equal(code, 0, stderr)
    assert.equal(JSON.parse(stdout).dir, dir)
    for (const node of ['node-0', 'node-1']) await access(join(dir, node, 'identity', 'pq.key'))
    assert.equal((await stat(dir)).mode & 0o777, 0o700)

    const again = await runKeydir(['demo', '--nodes', '2', '--dir', dir])
    assert.equal(again.code, EXIT_USAGE)
    assert.match(again.stderr, /^keydir: --dir .* is not empty: give a new or empty dir/m)
  })
})
