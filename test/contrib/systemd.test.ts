import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { describe, test } from 'node:test'
import { tempDir } from '../helpers-daemon/cli.js'

const run = promisify(execFile)
const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url))
const UNIT = join(REPO_ROOT, 'contrib', 'systemd', 'keydir.service')
const LAUNCHER = join(REPO_ROOT, 'bin', 'keydir')

/** `systemd-analyze verify` of the unit as it would be installed; undefined when systemd-analyze is not on this machine. */
async function verify (text: string): Promise<{ code: number, stderr: string } | undefined> {
  const dir = await tempDir('keydir-unit-')
  const path = join(dir, 'keydir.service')
  // verify checks that ExecStart's program exists: here it is the clone's launcher, not an installed /usr/local/bin/keydir.
  await writeFile(path, text.replace(/^ExecStart=\/usr\/local\/bin\/keydir /m, `ExecStart=${LAUNCHER} `))
  try {
    const { stderr } = await run('systemd-analyze', ['verify', path])
    return { code: 0, stderr }
  } catch (err: any) {
    if (err.code === 'ENOENT') return undefined
    return { code: typeof err.code === 'number' ? err.code : 1, stderr: String(err.stderr) }
  }
}

describe('contrib/systemd/keydir.service', () => {
  test('runs keydir start on /var/lib/keydir as a user of its own, hardened, with V8\'s JIT allowed', async () => {
    const unit = await readFile(UNIT, 'utf8')
    const settings = new Set(unit.split('\n').filter(line => /^[A-Z]\w+=/.test(line)))
    for (const line of [
      'ExecStart=/usr/local/bin/keydir start --dir /var/lib/keydir',
      'DynamicUser=yes', 'StateDirectory=keydir', 'StateDirectoryMode=0700',
      'NoNewPrivileges=yes', 'ProtectSystem=strict', 'ProtectHome=yes', 'PrivateTmp=yes', 'PrivateDevices=yes',
      'RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX AF_NETLINK', 'SystemCallFilter=@system-service', 'CapabilityBoundingSet=',
      'MemoryDenyWriteExecute=no', 'KillSignal=SIGTERM'
    ]) {
      assert.ok(settings.has(line), `the unit says ${line}`)
    }
    // keydir's own stop deadline is 20 s: systemd must wait longer before it kills.
    assert.ok(Number(/^TimeoutStopSec=(\d+)$/m.exec(unit)?.[1]) > 20)
  })

  test('systemd-analyze verify finds nothing to say', async t => {
    const result = await verify(await readFile(UNIT, 'utf8'))
    if (result === undefined) {
      t.skip('systemd-analyze is not installed here: the unit was not verified')
      return
    }
    assert.deepEqual(result, { code: 0, stderr: '' })
  })

  test('and it does read the unit: a misspelt setting is reported', async t => {
    const result = await verify((await readFile(UNIT, 'utf8')).replace('ProtectSystem=strict', 'ProtectSystm=strict'))
    if (result === undefined) {
      t.skip('systemd-analyze is not installed here')
      return
    }
    assert.match(result.stderr, /Unknown key 'ProtectSystm'/)
  })
})
