import assert from 'node:assert/strict'
import { access, chmod, readFile, unlink, writeFile } from 'node:fs/promises'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { describe, test } from 'node:test'
import { apiGet, runKeydir, startNode, tempDir } from '../helpers-daemon/cli.js'

describe('one node per data dir', { timeout: 180_000 }, () => {
  test('a second start on the same data dir refuses, and the first keeps running', async () => {
    const dir = join(await tempDir('keydir-e2e-'), 'node')
    const first = await startNode(dir)
    try {
      const second = await runKeydir(['start', '--dir', dir, '--api', '127.0.0.1:0', '--listen', '/ip4/127.0.0.1/tcp/0'], { timeoutMs: 60_000 })
      assert.equal(second.code, 1, second.stderr)
      assert.match(second.stderr, new RegExp(`another keydir node \\(pid ${first.child.pid}\\) is already running on data dir ${dir}`))
      assert.equal(JSON.parse(await readFile(join(dir, 'api.json'), 'utf8')).pid, first.child.pid)
      assert.equal((await apiGet(first.summary.api, '/healthz')).status, 200)
    } finally {
      assert.equal((await first.stop()).code, 0, first.stderr())
    }
  })

  test('without the lock file, LevelDB\'s own lock still refuses a second node', async () => {
    const dir = join(await tempDir('keydir-e2e-'), 'node')
    const first = await startNode(dir)
    try {
      await unlink(join(dir, 'daemon.lock'))
      const second = await runKeydir(['start', '--dir', dir, '--api', '127.0.0.1:0', '--listen', '/ip4/127.0.0.1/tcp/0'], { timeoutMs: 60_000 })
      assert.equal(second.code, 1, second.stderr)
      assert.match(second.stderr, /another keydir node is already running on data dir/)
      assert.equal(JSON.parse(await readFile(join(dir, 'api.json'), 'utf8')).pid, first.child.pid)
      assert.equal((await apiGet(first.summary.api, '/healthz')).status, 200)
    } finally {
      assert.equal((await first.stop()).code, 0, first.stderr())
    }
  })

  test('a libp2p or API address in use stops start with a clear message', async () => {
    const root = await tempDir('keydir-e2e-')
    const first = await startNode(join(root, 'a'))
    try {
      const listen = (first.summary.multiaddrs[0] ?? '').replace(/\/p2p\/.*$/, '')
      const sameListen = await runKeydir(['start', '--dir', join(root, 'b'), '--api', '127.0.0.1:0', '--listen', listen], { timeoutMs: 60_000 })
      assert.equal(sameListen.code, 1, sameListen.stderr)
      assert.match(sameListen.stderr, /the libp2p listen address 127\.0\.0\.1:\d+ is in use/)
      const api = first.summary.api.replace('http://', '')
      const sameApi = await runKeydir(['start', '--dir', join(root, 'c'), '--api', api, '--listen', '/ip4/127.0.0.1/tcp/0'], { timeoutMs: 60_000 })
      assert.equal(sameApi.code, 1, sameApi.stderr)
      assert.match(sameApi.stderr, new RegExp(`the API address ${api.replace(/\./g, '\\.')} is in use: pass --api 127\\.0\\.0\\.1:0`))
      await assert.rejects(access(join(root, 'c', 'api.json')), 'the refused node wrote no address')
      await assert.rejects(access(join(root, 'c', 'daemon.lock')), 'and left no lock')
    } finally {
      assert.equal((await first.stop()).code, 0, first.stderr())
    }
  })

  test('start on an empty data dir makes the identity (npm start on a first run)', async () => {
    const dir = join(await tempDir('keydir-e2e-'), 'fresh')
    const node = await startNode(dir)
    try {
      await access(join(dir, 'identity', 'libp2p.key'))
      await access(join(dir, 'api.token'))
      assert.match(node.summary.peerId, /^12D3KooW/)
      const status = await runKeydir(['status', '--dir', dir, '--json'])
      assert.equal(JSON.parse(status.stdout).peerId, node.summary.peerId)
    } finally {
      assert.equal((await node.stop('SIGINT')).code, 0, node.stderr())
    }
  })

  test('the default data dir comes from KEYDIR_DIR', async () => {
    const dir = join(await tempDir('keydir-e2e-'), 'from-env')
    const init = await runKeydir(['init', '--json'], { env: { KEYDIR_DIR: dir } })
    assert.equal(init.code, 0, init.stderr)
    assert.equal(JSON.parse(init.stdout).dataDir, dir)
  })

  test('readable logs by default, JSON lines with --log-format json', async () => {
    const dir = join(await tempDir('keydir-e2e-'), 'logs')
    const node = await startNode(dir, ['--log-format', 'pretty'])
    try {
      assert.match(node.stderr(), /^\d\d:\d\d:\d\d\.\d{3} INFO {2}HTTP API listening url=http:\/\/127\.0\.0\.1:\d+$/m)
    } finally {
      await node.stop()
    }
    const json = await startNode(dir)
    try {
      const lines = json.stderr().trim().split('\n').map(l => JSON.parse(l))
      assert.ok(lines.some(l => l.msg === 'HTTP API listening' && l.level === 'info'))
    } finally {
      await json.stop()
    }
  })

  test('start removes a stale api.json before anything can trust it, even when the start then fails', async () => {
    const dir = join(await tempDir('keydir-e2e-'), 'stale')
    assert.equal((await runKeydir(['init', '--dir', dir])).code, 0)
    // A crashed node's api.json, naming a live process (this one, as a reused pid would be).
    const stale = JSON.stringify({ url: 'http://127.0.0.1:9', pid: process.pid, peerId: 'gone', startedAt: 0 })
    await writeFile(join(dir, 'api.json'), stale)
    // The API address is taken, so this start stops before it could write its own api.json.
    const taken = createServer()
    await new Promise<void>(resolve => { taken.listen(0, '127.0.0.1', resolve) })
    try {
      const port = (taken.address() as { port: number }).port
      const failed = await runKeydir(['start', '--dir', dir, '--api', `127.0.0.1:${port}`, '--listen', '/ip4/127.0.0.1/tcp/0'], { timeoutMs: 60_000 })
      assert.equal(failed.code, 1, failed.stderr)
      assert.match(failed.stderr, /is in use/)
      await assert.rejects(access(join(dir, 'api.json')), 'the stale api.json is gone')
    } finally {
      await new Promise(resolve => { taken.close(resolve) })
    }
    // A start that gets going replaces it with its own.
    await writeFile(join(dir, 'api.json'), stale)
    const node = await startNode(dir)
    try {
      assert.equal(JSON.parse(await readFile(join(dir, 'api.json'), 'utf8')).pid, node.child.pid)
      const status = await runKeydir(['status', '--dir', dir, '--json'])
      assert.equal(status.code, 0, status.stderr)
      assert.equal(JSON.parse(status.stdout).peerId, node.summary.peerId)
    } finally {
      assert.equal((await node.stop()).code, 0, node.stderr())
    }
  })

  test('start refuses an api.token others can read, saying chmod 600', async () => {
    const dir = join(await tempDir('keydir-e2e-'), 'token')
    assert.equal((await runKeydir(['init', '--dir', dir])).code, 0)
    await chmod(join(dir, 'api.token'), 0o644)
    const started = await runKeydir(['start', '--dir', dir, '--api', '127.0.0.1:0', '--listen', '/ip4/127.0.0.1/tcp/0'], { timeoutMs: 60_000 })
    assert.equal(started.code, 1, started.stderr)
    assert.match(started.stderr, /api\.token can be read by other users.*chmod 600/)
    await assert.rejects(access(join(dir, 'api.json')))
  })
})
