import assert from 'node:assert/strict'
import { spawn, type ChildProcess } from 'node:child_process'
import { after, describe, test } from 'node:test'
import { cleanEnv, KEYDIR_MAIN, runKeydir, startNode, tempDir } from '../helpers-daemon/cli.js'

/** A `keydir watch` process whose output the test follows as it comes. */
interface Watcher {
  child: ChildProcess
  stdout: () => string
  stderr: () => string
  /** Wait until stdout or stderr matches. */
  waitFor: (stream: 'stdout' | 'stderr', pattern: RegExp, timeoutMs?: number) => Promise<void>
  exited: Promise<{ code: number | null, signal: NodeJS.Signals | null }>
}

const watchers: ChildProcess[] = []
after(() => {
  for (const child of watchers) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
})

function spawnWatch (args: string[]): Watcher {
  const child = spawn(process.execPath, [KEYDIR_MAIN, 'watch', ...args], { env: cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'] })
  watchers.push(child)
  const out = { stdout: '', stderr: '' }
  child.stdout.setEncoding('utf8').on('data', (s: string) => { out.stdout += s })
  child.stderr.setEncoding('utf8').on('data', (s: string) => { out.stderr += s })
  const exited = new Promise<{ code: number | null, signal: NodeJS.Signals | null }>(resolve => { child.on('close', (code, signal) => { resolve({ code, signal }) }) })
  return {
    child,
    stdout: () => out.stdout,
    stderr: () => out.stderr,
    exited,
    async waitFor (stream, pattern, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs
      while (!pattern.test(out[stream])) {
        if (Date.now() > deadline || child.exitCode !== null) {
          throw new Error(`keydir watch: no ${String(pattern)} on ${stream} (exit ${String(child.exitCode)}); stdout:\n${out.stdout}\nstderr:\n${out.stderr}`)
        }
        await new Promise(resolve => setTimeout(resolve, 20))
      }
    }
  }
}

/**
 * A lone node cannot finish a rotation (its DHT put has no peer to go to),
 * so each test has the watched node A joined by another node, which A
 * learns on connect (discovery): a 'new' key change.
 */
describe('keydir watch', () => {
  test('--json prints each key change as one JSON line; SIGINT exits 0', async () => {
    const dirA = await tempDir()
    const dirB = await tempDir()
    const a = await startNode(dirA)
    const watch = spawnWatch(['--dir', dirA, '--json'])
    let b
    try {
      await watch.waitFor('stderr', /watching the node's key changes/)
      b = await startNode(dirB, ['--bootstrap', JSON.stringify(a.summary.anchor)])
      await watch.waitFor('stdout', /\n/)
      const joined = JSON.parse(watch.stdout().split('\n')[0])
      assert.deepEqual(Object.keys(joined), ['peerId', 'change', 'seq', 'at'])
      assert.deepEqual([joined.peerId, joined.change], [b.summary.peerId, 'new'])

      const rotated = await runKeydir(['rotate', '--dir', dirA, '--json'])
      assert.equal(rotated.code, 0, rotated.stderr)
      await watch.waitFor('stdout', /\n.*\n/)
      const line = JSON.parse(watch.stdout().split('\n')[1])
      assert.deepEqual([line.peerId, line.change, line.seq], [a.summary.peerId, 'rotated', JSON.parse(rotated.stdout).seq])
      watch.child.kill('SIGINT')
      assert.deepEqual(await watch.exited, { code: 0, signal: null })
    } finally {
      await b?.stop()
      await a.stop()
    }
  })

  test('prints time, change, PeerId and seq; follows the node through a restart', async () => {
    const [dirA, dirB, dirC] = await Promise.all([tempDir(), tempDir(), tempDir()])
    let a = await startNode(dirA)
    const others = []
    const watch = spawnWatch(['--dir', dirA])
    try {
      await watch.waitFor('stderr', /watching/)
      others.push(await startNode(dirB, ['--bootstrap', JSON.stringify(a.summary.anchor)]))
      await watch.waitFor('stdout', /\n/)
      const line = (peerId: string): RegExp => new RegExp(`^\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\dZ  new          ${peerId}  seq \\d+$`, 'm')
      assert.match(watch.stdout(), line(others[0].summary.peerId))

      assert.deepEqual(await a.stop(), { code: 0, signal: null })
      await watch.waitFor('stderr', /the node went away; waiting/)
      a = await startNode(dirA)
      await watch.waitFor('stderr', /connected to the node again/)
      // The node's 'missed' notice is the first event of the new stream: it may come just after the connect line.
      await watch.waitFor('stderr', /the node restarted; changes while it was away were not recorded/)
      others.push(await startNode(dirC, ['--bootstrap', JSON.stringify(a.summary.anchor)]))
      await watch.waitFor('stdout', /\n.*\n/)
      assert.match(watch.stdout(), line(others[1].summary.peerId))

      watch.child.kill('SIGTERM')
      assert.deepEqual(await watch.exited, { code: 0, signal: null })
      assert.equal(watch.stdout().trim().split('\n').length, 2)
    } finally {
      await Promise.all(others.map(async node => node.stop()))
      await a.stop()
    }
  })

  test('without a running node it fails at once, as the other commands do', async () => {
    const dir = await tempDir()
    const result = await runKeydir(['watch', '--dir', dir])
    assert.equal(result.code, 1)
    assert.match(result.stderr, /no keydir node is running/)
  })
})
