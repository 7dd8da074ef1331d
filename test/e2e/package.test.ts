import assert from 'node:assert/strict'
import { execFile, spawn } from 'node:child_process'
import { readFile, realpath, symlink } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { before, describe, test } from 'node:test'
import { cleanEnv, tempDir } from '../helpers-daemon/cli.js'
import { isAlive } from '../helpers-daemon/process.js'

const run = promisify(execFile)
const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url))
/** A machine's own directories only: its `node` (v20 on the machines here) comes first, not the project's Node 24. */
const MACHINE_PATH = '/usr/bin:/bin'

/** The environment without npm's lifecycle variables (the tests may run under `npm test`), so each npm below is a fresh one. */
function npmEnv (extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = cleanEnv(extra)
  for (const key of Object.keys(env)) if (/^npm_/i.test(key) || key === 'INIT_CWD') delete env[key]
  return env
}

/** npm with its output, which must be read for warnings; rejects on a non-zero exit with that output. */
async function npm (args: string[], options: { cwd?: string, env?: NodeJS.ProcessEnv } = {}): Promise<string> {
  try {
    const { stdout, stderr } = await run('npm', args, { cwd: options.cwd ?? REPO_ROOT, env: options.env ?? npmEnv(), maxBuffer: 16 * 1024 * 1024, timeout: 300_000 })
    return stdout + stderr
  } catch (err: any) {
    throw new Error(`npm ${args.join(' ')} failed:\n${String(err.stdout)}${String(err.stderr)}`, { cause: err })
  }
}

/** Run an installed `keydir` with only the machine's PATH. */
async function keydir (bin: string, args: string[]): Promise<{ code: number, stdout: string, stderr: string }> {
  try {
    const { stdout, stderr } = await run(bin, args, { env: cleanEnv({ PATH: MACHINE_PATH }), timeout: 60_000 })
    return { code: 0, stdout, stderr }
  } catch (err: any) {
    if (typeof err.code !== 'number') throw err
    return { code: err.code, stdout: String(err.stdout), stderr: String(err.stderr) }
  }
}

describe('the npm package: npm pack, npm install -g, a keydir command on the Node it brings', { timeout: 900_000 }, () => {
  let tarball: string
  let nodeVersion: string

  before(async () => {
    const pkg = JSON.parse(await readFile(join(REPO_ROOT, 'package.json'), 'utf8'))
    nodeVersion = pkg.dependencies.node
    assert.match(nodeVersion, /^\d+\.\d+\.\d+$/, 'the node package is a runtime dependency, pinned')
    const dest = await tempDir('keydir-pack-')
    // The tests run from dist/, built already: no prepack build.
    const { stdout } = await run('npm', ['pack', '--ignore-scripts', '--pack-destination', dest], { cwd: REPO_ROOT, env: npmEnv() })
    const name = stdout.trim().split('\n').pop() ?? ''
    assert.match(name, /^keydir-\d+\.\d+\.\d+\.tgz$/, stdout)
    tarball = join(dest, name)
    const { stdout: listing } = await run('tar', ['-tzf', tarball])
    for (const file of ['package/bin/keydir', 'package/dist/src/cli/main.js', 'package/contrib/systemd/keydir.service', 'package/README.md']) {
      assert.ok(listing.split('\n').includes(file), `the tarball holds ${file}`)
    }
  })

  test('global install into an empty prefix, npm on the Node the package pins: no EBADENGINE; keydir runs on that Node', async () => {
    const prefix = await tempDir('keydir-prefix-')
    // As docs/operations.md says: npm itself runs on Node 24 for the install, so its engine checks are true.
    const output = await npm(['exec', '--yes', '--package', `node@${nodeVersion}`, '--', 'npm', 'install', '-g', '--prefix', prefix, tarball, '--prefer-offline', '--no-audit', '--no-fund'], { cwd: prefix })
    assert.doesNotMatch(output, /EBADENGINE/, output)

    const bin = join(prefix, 'bin', 'keydir')
    const { stdout: machineNode } = await run('node', ['--version'], { env: cleanEnv({ PATH: MACHINE_PATH }) }).catch(() => ({ stdout: 'none' }))
    const version = await keydir(bin, ['version', '--json'])
    assert.equal(version.code, 0, version.stderr)
    assert.equal(version.stderr, '', 'nothing but the answer: no npm, no warning')
    const info = JSON.parse(version.stdout)
    assert.equal(info.node, `v${nodeVersion}`, `keydir runs on the Node its package brings, not the machine's (${machineNode.trim()})`)
    assert.equal(info.nodePath, await realpath(join(prefix, 'lib', 'node_modules', 'keydir', 'node_modules', 'node', 'bin', 'node')))

    // A symlink to the command, relative and chained, is followed to the package.
    const links = await tempDir('keydir-links-')
    await symlink(bin, join(links, 'first'))
    await symlink('first', join(links, 'kd'))
    const viaLinks = await keydir(join(links, 'kd'), ['--version'])
    assert.equal(viaLinks.stdout.trim(), info.version, viaLinks.stderr)

    // Exit codes come through: a bad PeerId is a usage error.
    const usage = await keydir(bin, ['resolve', 'not-a-peer-id'])
    assert.equal(usage.code, 2)
    assert.match(usage.stderr, /^keydir: "not-a-peer-id" is not a valid PeerId/)

    // Signals come through: the launcher execs node, so the pid in api.json is the command's own, and SIGTERM stops it cleanly.
    const dir = join(await tempDir('keydir-installed-'), 'node')
    const child = spawn(bin, ['start', '--dir', dir, '--json', '--api', '127.0.0.1:0', '--listen', '/ip4/127.0.0.1/tcp/0', '--log-level', 'warn'], {
      env: cleanEnv({ PATH: MACHINE_PATH }), stdio: ['ignore', 'pipe', 'pipe']
    })
    let stderr = ''
    child.stderr.setEncoding('utf8').on('data', (s: string) => { stderr += s })
    const exited = new Promise<[number | null, NodeJS.Signals | null]>(resolve => { child.on('exit', (code, signal) => { resolve([code, signal]) }) })
    try {
      const summary = await new Promise<{ pid: number, api: string }>((resolve, reject) => {
        let stdout = ''
        child.stdout.setEncoding('utf8').on('data', (s: string) => {
          stdout += s
          if (stdout.includes('\n')) resolve(JSON.parse(stdout.split('\n')[0] ?? ''))
        })
        void exited.then(() => { reject(new Error(`the installed keydir start exited early:\n${stderr}`)) })
      })
      assert.equal(summary.pid, child.pid)
      assert.equal(JSON.parse(await readFile(join(dir, 'api.json'), 'utf8')).pid, child.pid)
      child.kill('SIGTERM')
      assert.deepEqual(await exited, [0, null], stderr)
      await assert.rejects(fetch(`${summary.api}/healthz`))
    } finally {
      if (child.pid !== undefined && isAlive(child.pid)) child.kill('SIGKILL')
    }
  })

  test('installed into a project (npm\'s local layout, node hoisted beside keydir), the command finds that Node', async () => {
    const project = await tempDir('keydir-project-')
    await npm(['install', '--prefix', project, tarball, '--prefer-offline', '--no-audit', '--no-fund'], { cwd: project })
    const result = await keydir(join(project, 'node_modules', '.bin', 'keydir'), ['version', '--json'])
    assert.equal(result.code, 0, result.stderr)
    const info = JSON.parse(result.stdout)
    assert.equal(info.node, `v${nodeVersion}`)
    assert.equal(info.nodePath, await realpath(join(project, 'node_modules', 'node', 'bin', 'node')))
  })
})
