import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { describe, test } from 'node:test'
import { startNode, tempDir } from '../helpers-daemon/cli.js'

const run = promisify(execFile)
const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url))

/** The Containerfile's instructions, continuation lines joined. */
async function instructions (): Promise<string[]> {
  const text = await readFile(join(REPO_ROOT, 'Containerfile'), 'utf8')
  return text.replace(/\\\n\s*/g, ' ').split('\n').filter(line => line.trim() !== '' && !line.startsWith('#'))
}

describe('Containerfile', { timeout: 120_000 }, () => {
  test('installs the npm tarball on Debian and runs keydir start as a user of its own, with a volume, a port and a health check', async () => {
    const lines = await instructions()
    const final = lines.slice(lines.findLastIndex(line => line.startsWith('FROM ')))
    assert.match(lines[0] ?? '', /^FROM debian:bookworm-slim AS install$/)
    assert.ok(lines.some(line => /^COPY keydir-\*\.tgz /.test(line)), 'the tarball from npm pack')
    assert.ok(final.includes('USER keydir'), 'not root')
    assert.ok(final.includes('VOLUME /var/lib/keydir'))
    assert.ok(final.includes('EXPOSE 4001/tcp'))
    assert.ok(final.includes('STOPSIGNAL SIGTERM'))
    assert.ok(final.includes('CMD ["start"]'), 'the data dir comes from KEYDIR_DIR, one setting for the node and its health check')
    assert.ok(final.some(line => /^HEALTHCHECK .*CMD \[.*\/healthz/.test(line)))
  })

  test('the install step refuses a build context with two tarballs, and names them', async () => {
    const line = (await instructions()).find(l => l.includes('set -- keydir-*.tgz')) ?? ''
    // The step up to the tarball check, run in a directory standing for /tmp.
    const check = line.replace(/^RUN cd \/tmp\s+&&\s+/, '').replace(/\s+&& node_version=.*$/, '')
    const dir = await tempDir('keydir-tarballs-')
    await writeFile(join(dir, 'keydir-0.1.0.tgz'), '')
    assert.equal((await run('sh', ['-c', check], { cwd: dir })).stderr, '', 'one tarball passes')
    await writeFile(join(dir, 'keydir-0.0.9.tgz'), '')
    await assert.rejects(run('sh', ['-c', check], { cwd: dir }), (err: any) => {
      assert.equal(err.code, 1)
      assert.match(err.stderr, /found 2 keydir-\*\.tgz .*keydir-0\.0\.9\.tgz keydir-0\.1\.0\.tgz.*remove all but the one/)
      return true
    })
  })

  test('the health check passes while the node runs and fails once it has stopped', async () => {
    const line = (await instructions()).find(l => l.startsWith('HEALTHCHECK ')) ?? ''
    const [program, ...args] = JSON.parse(line.replace(/^.* CMD /, '')) as string[]
    assert.equal(program, '/opt/keydir/lib/node_modules/keydir/node_modules/node/bin/node', 'the Node the package brings, where npm install -g --prefix /opt/keydir puts it')
    const dir = join(await tempDir('keydir-health-'), 'node')
    const check = async (): Promise<number> => {
      try {
        // This Node and a temp data dir in place of the image's, through the variable the image sets.
        await run(process.execPath, args, { timeout: 10_000, env: { ...process.env, KEYDIR_DIR: dir } })
        return 0
      } catch (err: any) {
        return typeof err.code === 'number' ? err.code : -1
      }
    }
    const node = await startNode(dir)
    try {
      assert.equal(await check(), 0)
    } finally {
      assert.equal((await node.stop()).code, 0, node.stderr())
    }
    assert.equal(await check(), 1)
  })
})
