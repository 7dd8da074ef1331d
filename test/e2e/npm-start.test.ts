import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, test } from 'node:test'
import { cleanEnv, tempDir } from '../helpers-daemon/cli.js'
import { isAlive, waitFor } from '../helpers-daemon/process.js'

/** The clone's root, where package.json and its `start` script are (dist/test/e2e is three levels down). */
const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url))

describe('npm start under a process manager', { timeout: 180_000 }, () => {
  test('SIGTERM to the npm start process stops the node cleanly: no orphan, the port closed', async () => {
    const dir = join(await tempDir('keydir-npm-start-'), 'node')
    const npm = spawn('npm', ['start', '--', '--dir', dir, '--api', '127.0.0.1:0', '--listen', '/ip4/127.0.0.1/tcp/0', '--log-format', 'json'], {
      cwd: REPO_ROOT,
      env: cleanEnv(),
      stdio: ['ignore', 'pipe', 'pipe']
    })
    let output = ''
    npm.stdout.setEncoding('utf8').on('data', (s: string) => { output += s })
    npm.stderr.setEncoding('utf8').on('data', (s: string) => { output += s })
    // 'exit', not 'close': an orphaned node would hold npm's output pipes open.
    const exited = new Promise<[number | null, NodeJS.Signals | null]>(resolve => { npm.on('exit', (code, signal) => { resolve([code, signal]) }) })
    let nodePid: number | undefined
    try {
      const address = await waitFor(async () => {
        try {
          return JSON.parse(await readFile(join(dir, 'api.json'), 'utf8')) as { url: string, pid: number }
        } catch {
          return undefined
        }
      }, { timeoutMs: 90_000, what: () => `api.json from npm start; output:\n${output}` })
      nodePid = address.pid
      assert.notEqual(nodePid, npm.pid, 'the node is npm\'s child, not npm itself')
      assert.equal((await fetch(`${address.url}/healthz`)).status, 200)

      assert.ok(npm.kill('SIGTERM'))
      const [code, signal] = await exited
      assert.equal(isAlive(nodePid), false, `the node (pid ${nodePid}) is gone with npm`)
      assert.equal(signal, null, output)
      assert.equal(code, 0, `npm start exits 0 after the node's clean shutdown; output:\n${output}`)
      assert.match(output, /"msg":"stopped"/, 'the node logged its clean stop')
      await assert.rejects(fetch(`${address.url}/healthz`), 'nothing listens on the API port any more')
    } finally {
      npm.kill('SIGKILL')
      if (nodePid !== undefined && isAlive(nodePid)) process.kill(nodePid, 'SIGKILL')
    }
  })
})
