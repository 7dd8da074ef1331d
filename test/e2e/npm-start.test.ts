import assert from 'node:assert/strict'
import { execFile, spawn } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { describe, test } from 'node:test'
import { cleanEnv, tempDir } from '../helpers-daemon/cli.js'
import { isAlive, waitFor } from '../helpers-daemon/process.js'

/** The clone's root, where package.json and its `start` script are (dist/test/e2e is three levels down). */
const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url))
const run = promisify(execFile)

/**
 * `npm start` on a terminal of its own (python3's pty module: Node has no
 * pty), Ctrl-C typed once the banner is up; prints the terminal's output,
 * then `exit N` (npm's exit code). Node's stderr (the log) goes to a file.
 */
const CTRL_C_ON_A_TERMINAL = `
import os, pty, select, sys, time
root, data_dir, log = sys.argv[1:4]
pid, fd = pty.fork()
if pid == 0:
    os.chdir(root)
    os.execvp('sh', ['sh', '-c', 'exec npm start -- --dir "$0" --api 127.0.0.1:0 --listen /ip4/127.0.0.1/tcp/0 2>"$1"', data_dir, log])
out = b''
def read(until, seconds):
    global out
    deadline = time.time() + seconds
    while time.time() < deadline and (until is None or until not in out):
        ready, _, _ = select.select([fd], [], [], 0.2)
        if ready:
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                return
            if not chunk:
                return
            out += chunk
read(b'Stop with', 90)
os.write(fd, b'\x03')
read(None, 30)
_, status = os.waitpid(pid, 0)
sys.stdout.write(out.decode(errors='replace'))
print('exit', os.waitstatus_to_exitcode(status))
`

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

  test('one Ctrl-C on the terminal of npm start is one clean stop, though npm passes it on again', async t => {
    try {
      await run('python3', ['-c', 'import pty'])
    } catch {
      t.skip('python3 is not installed here: no terminal to type Ctrl-C on')
      return
    }
    const root = await tempDir('keydir-npm-start-')
    const log = join(root, 'node.log')
    const { stdout } = await run('python3', ['-c', CTRL_C_ON_A_TERMINAL, REPO_ROOT, join(root, 'node'), log], { env: cleanEnv(), timeout: 150_000 })
    const nodeLog = await readFile(log, 'utf8')
    assert.match(stdout, /^Stop with Ctrl-C/m, stdout)
    assert.match(nodeLog, /shutting down signal=SIGINT/)
    assert.doesNotMatch(nodeLog, /second signal/, 'npm\'s forward of the same Ctrl-C did not count as a second one')
    assert.match(nodeLog, /INFO {2}stopped/)
    assert.match(stdout, /exit 0\n$/, stdout)
  })
})
