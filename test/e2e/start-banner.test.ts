import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { describe, test } from 'node:test'
import { fingerprintHex } from '../../src/api/index.js'
import { cleanEnv, KEYDIR_MAIN, runKeydir, startNode, tempDir } from '../helpers-daemon/cli.js'

/** `keydir start` without --json: what it prints up to "Stop with", then SIGTERM. */
async function banner (dir: string): Promise<string> {
  const child = spawn(process.execPath, [KEYDIR_MAIN, 'start', '--dir', dir, '--api', '127.0.0.1:0', '--listen', '/ip4/127.0.0.1/tcp/0', '--log-level', 'warn'], {
    env: cleanEnv(), stdio: ['ignore', 'pipe', 'pipe']
  })
  let stdout = ''
  let stderr = ''
  child.stderr.setEncoding('utf8').on('data', (s: string) => { stderr += s })
  const exited = new Promise<number | null>(resolve => { child.on('close', code => { resolve(code) }) })
  try {
    await new Promise<void>((resolve, reject) => {
      child.stdout.setEncoding('utf8').on('data', (s: string) => {
        stdout += s
        if (/^Stop with .*\n/m.test(stdout)) resolve()
      })
      void exited.then(code => { reject(new Error(`keydir start exited (${code}) before its banner; stderr:\n${stderr}`)) })
    })
  } finally {
    child.kill('SIGTERM')
  }
  assert.equal(await exited, 0, stderr)
  return stdout.replace(/(^Stop with .*\n)[^]*$/m, '$1').replace(`pid ${child.pid}`, 'pid PID').replace(new RegExp(`\\b${child.pid}\\b`, 'g'), 'PID')
}

describe('keydir start\'s banner', { timeout: 180_000 }, () => {
  test('a first run says it made a new identity, and where; the anchor is a fingerprint and the command for the entry', async () => {
    const dir = join(await tempDir('keydir-banner-'), 'node')
    const first = await banner(dir)
    const { stdout: entryJson } = await runKeydir(['anchor', '--dir', dir, '--json'])
    const entry = JSON.parse(entryJson)
    const fingerprint = fingerprintHex(Buffer.from(entry.mlDsaPublicKey, 'base64'))
    const lines = first.split('\n')
    assert.equal(lines[0], 'keydir node running')
    assert.equal(lines[1], `Made a new identity (first run) in ${join(dir, 'identity')}: PeerId ${entry.peerId}`)
    assert.match(lines[2] ?? '', new RegExp(`^Its revocation certificate is ${join(dir, 'revocation.cert')}\\. Keep a copy of it offline`))
    assert.match(first, /^PID +PID$/m)
    const anchor = lines.find(line => line.startsWith('anchor'))
    assert.equal(anchor, `anchor     ML-DSA-65 fingerprint ${fingerprint} (the entry for other nodes: keydir anchor --dir ${dir} --json)`)
    assert.doesNotMatch(first, /mlDsaPublicKey/, 'no 2.7 KB of base64 on the screen')
    assert.ok(first.length < 2048, `the banner is short: ${first.length} characters`)
    assert.match(first, new RegExp(`^Stop with Ctrl-C, kill -TERM PID or keydir stop --dir ${dir}\\.$`, 'm'))

    const again = await banner(dir)
    assert.doesNotMatch(again, /new identity/, 'a later start made nothing')
    assert.match(again, new RegExp(`^PeerId +${entry.peerId}$`, 'm'))
  })

  test('--json keeps the full anchor entry, and says whether it made the identity', async () => {
    const dir = join(await tempDir('keydir-banner-'), 'node')
    const node = await startNode(dir)
    try {
      assert.equal(node.summary.newIdentity, true)
      assert.equal(node.summary.pid, node.child.pid)
      assert.ok(node.summary.anchor.mlDsaPublicKey.length > 2000, 'the whole ML-DSA-65 key, base64')
    } finally {
      assert.equal((await node.stop()).code, 0, node.stderr())
    }
  })
})
