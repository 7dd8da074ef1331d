import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { chmod, mkdir, readFile, stat, writeFile } from 'node:fs/promises'
import { createServer, type AddressInfo } from 'node:net'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, test } from 'node:test'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { runKeydir, tempDir, type RunOptions } from '../helpers-daemon/cli.js'

const somePeer = peerIdFromPrivateKey(await generateKeyPair('Ed25519')).toString()
const NOBODY = 65534

/** A loopback port nothing listens on (it was free a moment ago). */
async function closedPort (): Promise<number> {
  const server = createServer()
  await new Promise<void>(resolve => { server.listen(0, '127.0.0.1', resolve) })
  const port = (server.address() as AddressInfo).port
  await new Promise(resolve => { server.close(resolve) })
  return port
}

/** A user for whom a 0700 root-owned dir is off limits: ourselves, or nobody when we are root. */
function unprivileged (): RunOptions {
  return process.getuid?.() === 0 ? { uid: NOBODY, gid: NOBODY } : {}
}

/**
 * Whether that user can run this project's Node and CLI at all: a clone
 * under a 0700 folder (mktemp -d) is closed to nobody, and then the test
 * would measure that instead of the data dir's permissions.
 */
function unprivilegedCanRunKeydir (): boolean {
  const user = unprivileged()
  if (user.uid === undefined) return true
  const main = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url))
  const probe = spawnSync(process.execPath, ['-e', `require('node:fs').accessSync(${JSON.stringify(main)})`], { uid: user.uid, gid: user.gid })
  return probe.error == null && probe.status === 0
}

describe('failures exit 1 with a message that says what to do', () => {
  for (const args of [['status'], ['peers'], ['resolve', somePeer], ['resolve', somePeer, '--record'], ['rotate'], ['seal', somePeer], ['open'], ['sign']]) {
    test(`keydir ${args.filter(arg => arg !== somePeer).join(' ')} without a running node`, async () => {
      const dir = await tempDir()
      const { code, stdout, stderr } = await runKeydir([...args, '--dir', dir])
      assert.equal(code, 1, stderr)
      assert.equal(stdout, '')
      assert.match(stderr, new RegExp(`no keydir node is running for data dir ${dir}: start one with \`keydir start --dir ${dir}\``))
    })
  }

  test('a stale api.json from a process that has exited', async () => {
    const dir = await tempDir()
    await writeFile(join(dir, 'api.json'), JSON.stringify({ url: 'http://127.0.0.1:9', pid: 2 ** 22 + 12345, peerId: somePeer, startedAt: 0 }))
    const { code, stderr } = await runKeydir(['status', '--dir', dir])
    assert.equal(code, 1)
    assert.match(stderr, /no keydir node is running .*has exited.*keydir start --dir/)
  })

  test('api.json pointing at a port where nothing listens', async () => {
    const dir = await tempDir()
    const port = await closedPort()
    await writeFile(join(dir, 'api.json'), JSON.stringify({ url: `http://127.0.0.1:${port}`, pid: process.pid, peerId: somePeer, startedAt: 0 }))
    const { code, stderr } = await runKeydir(['status', '--dir', dir])
    assert.equal(code, 1)
    assert.match(stderr, new RegExp(`no keydir node is running .*nothing answers at http://127\\.0\\.0\\.1:${port}`))
  })

  test('init makes an identity and an owner-only token, and refuses to replace them', async () => {
    const dir = join(await tempDir(), 'data')
    const first = await runKeydir(['init', '--dir', dir, '--json'])
    assert.equal(first.code, 0, first.stderr)
    const made = JSON.parse(first.stdout)
    assert.deepEqual(Object.keys(made).sort(), ['dataDir', 'mlDsaFingerprint', 'mlDsaPublicKey', 'mlKemPublicKey', 'peerId', 'revocationCertificate'])
    assert.equal(made.revocationCertificate, join(dir, 'revocation.cert'))
    assert.equal((await stat(made.revocationCertificate)).mode & 0o777, 0o600)
    assert.equal(made.dataDir, dir)
    assert.equal((await stat(join(dir, 'api.token'))).mode & 0o777, 0o600)
    assert.ok((await readFile(join(dir, 'api.token'), 'utf8')).trim().length >= 32)
    assert.equal((await stat(dir)).mode & 0o777, 0o700)

    const second = await runKeydir(['init', '--dir', dir])
    assert.equal(second.code, 1)
    assert.match(second.stderr, /an identity already exists.*--force/)

    const forced = await runKeydir(['init', '--dir', dir, '--force', '--json'])
    assert.equal(forced.code, 0, forced.stderr)
    assert.notEqual(JSON.parse(forced.stdout).peerId, made.peerId)
  })

  test('anchor without a running node reads the identity from the data dir', async () => {
    const dir = join(await tempDir(), 'data')
    const made = JSON.parse((await runKeydir(['init', '--dir', dir, '--json'])).stdout)
    const { code, stdout, stderr } = await runKeydir(['anchor', '--dir', dir, '--json'])
    assert.equal(code, 0, stderr)
    const entry = JSON.parse(stdout)
    assert.deepEqual(entry, { multiaddr: `/ip4/127.0.0.1/tcp/7358/p2p/${made.peerId}`, peerId: made.peerId, mlDsaPublicKey: made.mlDsaPublicKey })
    assert.match(stderr, /no node is running/)
  })

  test('anchor without an identity says to run init', async () => {
    const dir = await tempDir()
    const { code, stderr } = await runKeydir(['anchor', '--dir', dir])
    assert.equal(code, 1)
    assert.match(stderr, /keydir init --dir/)
  })

  describe('a data dir without permission', () => {
    for (const command of ['init', 'start']) {
      test(`keydir ${command}`, async t => {
        if (!unprivilegedCanRunKeydir()) {
          t.skip('the project folder is closed to the unprivileged user (uid 65534) this root-run test needs')
          return
        }
        const root = await tempDir()
        const locked = join(root, 'locked')
        await mkdir(locked, { mode: 0o700 })
        await chmod(root, 0o755)
        await chmod(locked, 0o000)
        try {
          const { code, stdout, stderr } = await runKeydir([command, '--dir', join(locked, 'data'), '--api', '127.0.0.1:0'].slice(0, command === 'init' ? 3 : 5), unprivileged())
          assert.equal(code, 1, stderr)
          assert.equal(stdout, '')
          assert.match(stderr, /cannot use data dir .*locked\/data \(EACCES\): permission denied: make it readable and writable by this user/)
        } finally {
          await chmod(locked, 0o700)
        }
      })
    }

    test('a data dir that is a file', async () => {
      const file = join(await tempDir(), 'file')
      await writeFile(file, 'x')
      const { code, stderr } = await runKeydir(['init', '--dir', file])
      assert.equal(code, 1)
      assert.match(stderr, /cannot use data dir .*file/)
    })
  })
})

describe('a data dir or config file other users can write is refused, saying how to fix it', { skip: process.platform === 'win32' }, () => {
  const unsafe = (path: string): RegExp => new RegExp(`${path.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} can be written by other users \\(mode \\d+\\).*run \`chmod go-w ${path.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}\``)

  for (const mode of [0o777, 0o770, 0o707]) {
    test(`a data dir with mode ${mode.toString(8)}: init, start, status, anchor`, async () => {
      const dir = join(await tempDir(), 'data')
      assert.equal((await runKeydir(['init', '--dir', dir])).code, 0)
      await chmod(dir, mode)
      for (const args of [['init'], ['start', '--api', '127.0.0.1:0', '--listen', '/ip4/127.0.0.1/tcp/0'], ['status'], ['anchor'], ['rotate']]) {
        const { code, stdout, stderr } = await runKeydir([...args, '--dir', dir])
        assert.equal(code, 1, `${args[0] ?? ''}: ${stderr}`)
        assert.equal(stdout, '')
        assert.match(stderr, unsafe(dir), args[0])
      }
    })
  }

  test('an identity dir the group can write', async () => {
    const dir = join(await tempDir(), 'data')
    assert.equal((await runKeydir(['init', '--dir', dir])).code, 0)
    await chmod(join(dir, 'identity'), 0o770)
    for (const args of [['start', '--api', '127.0.0.1:0', '--listen', '/ip4/127.0.0.1/tcp/0'], ['anchor']]) {
      const { code, stderr } = await runKeydir([...args, '--dir', dir])
      assert.equal(code, 1, stderr)
      assert.match(stderr, unsafe(join(dir, 'identity')))
    }
  })

  test('a config.json others can write: start and anchor refuse it (exit 1)', async () => {
    const dir = join(await tempDir(), 'data')
    assert.equal((await runKeydir(['init', '--dir', dir])).code, 0)
    const config = join(dir, 'config.json')
    await writeFile(config, JSON.stringify({ logLevel: 'debug' }))
    await chmod(config, 0o666)
    for (const args of [['start', '--api', '127.0.0.1:0', '--listen', '/ip4/127.0.0.1/tcp/0'], ['anchor'], ['init']]) {
      const { code, stderr } = await runKeydir([...args, '--dir', dir])
      assert.equal(code, 1, stderr)
      assert.match(stderr, unsafe(config))
    }
  })
})
