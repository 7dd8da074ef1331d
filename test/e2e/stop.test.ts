import assert from 'node:assert/strict'
import { access, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, test } from 'node:test'
import { runKeydir, startNode, tempDir } from '../helpers-daemon/cli.js'
import { isAlive, waitFor } from '../helpers-daemon/process.js'

describe('keydir stop, and stop and restart by PID', { timeout: 180_000 }, () => {
  test('keydir stop stops the node of --dir cleanly and waits until it is gone', async () => {
    const dir = join(await tempDir('keydir-stop-'), 'node')
    const node = await startNode(dir)
    const pid = node.child.pid ?? 0
    try {
      const stop = await runKeydir(['stop', '--dir', dir])
      assert.equal(stop.code, 0, stop.stderr)
      assert.equal(stop.stdout, `Stopped the keydir node of data dir ${dir} (pid ${pid}).\n`)
      // stop returned only once the process had exited: nothing is left to wait for.
      assert.equal(isAlive(pid), false)
      const exit = await node.stop()
      assert.equal(exit.code, 0, node.stderr())
      assert.match(node.stderr(), /"by":"POST \/v1\/shutdown".*"msg":"shutting down"/)
      assert.match(node.stderr(), /"msg":"stopped"/)
      await assert.rejects(access(join(dir, 'api.json')), 'api.json is removed')
      await assert.rejects(fetch(`${node.summary.api}/healthz`), 'the API port is closed')
    } finally {
      await node.stop('SIGKILL')
    }
  })

  test('keydir stop without a running node says so (exit 1)', async () => {
    const dir = join(await tempDir('keydir-stop-'), 'none')
    const stop = await runKeydir(['stop', '--dir', dir, '--json'])
    assert.equal(stop.code, 1)
    assert.equal(stop.stdout, '')
    assert.equal(stop.stderr, `keydir: no keydir node is running for data dir ${dir}: nothing to stop (is it another --dir?)\n`)
  })

  test('--json prints what was stopped', async () => {
    const dir = join(await tempDir('keydir-stop-'), 'node')
    const node = await startNode(dir)
    try {
      const stop = await runKeydir(['stop', '--dir', dir, '--json'])
      assert.equal(stop.code, 0, stop.stderr)
      assert.deepEqual(JSON.parse(stop.stdout), { stopped: true, pid: node.child.pid, dataDir: dir })
    } finally {
      await node.stop('SIGKILL')
    }
  })

  test('an operator stops the node by the PID in api.json and starts it again: same identity, new PID', async () => {
    const dir = join(await tempDir('keydir-stop-'), 'node')
    const first = await startNode(dir)
    try {
      const { pid } = JSON.parse(await readFile(join(dir, 'api.json'), 'utf8')) as { pid: number }
      assert.equal(pid, first.child.pid)
      assert.equal(first.summary.pid, pid, 'start --json reports the pid too')
      process.kill(pid, 'SIGTERM')
      await waitFor(() => isAlive(pid) ? undefined : true, { what: () => `pid ${pid} to exit` })
      assert.equal((await first.stop()).code, 0, first.stderr())
    } finally {
      await first.stop('SIGKILL')
    }
    const second = await startNode(dir)
    try {
      assert.equal(second.summary.peerId, first.summary.peerId)
      assert.equal(second.summary.newIdentity, false)
      assert.notEqual(second.child.pid, first.child.pid)
      assert.equal(JSON.parse(await readFile(join(dir, 'api.json'), 'utf8')).pid, second.child.pid)
    } finally {
      assert.equal((await second.stop()).code, 0, second.stderr())
    }
  })
})
