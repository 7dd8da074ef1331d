import assert from 'node:assert/strict'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, test } from 'node:test'
import { REVOCATION_CERT_FILE } from '../../src/identity/index.js'
import { runKeydir, startNode, tempDir, type RunningNode } from '../helpers-daemon/cli.js'

describe('keydir revoke', () => {
  test('--cert publishes a gone node\'s certificate; without it the node revokes itself; resolve then exits 3', async () => {
    const [dirA, dirB, dirC] = await Promise.all([tempDir(), tempDir(), tempDir()])
    const a = await startNode(dirA)
    let b: RunningNode | undefined
    let c: RunningNode | undefined
    try {
      b = await startNode(dirB, ['--bootstrap', JSON.stringify(a.summary.anchor)])
      c = await startNode(dirC, ['--bootstrap', JSON.stringify(a.summary.anchor)])
      // C's pre-signed certificate, published by A while C is gone.
      await c.stop()
      const published = await runKeydir(['revoke', '--dir', dirA, '--cert', join(dirC, REVOCATION_CERT_FILE), '--json'])
      assert.equal(published.code, 0, published.stderr)
      assert.equal(JSON.parse(published.stdout).peerId, c.summary.peerId)
      const resolved = await runKeydir(['resolve', c.summary.peerId, '--dir', dirB])
      assert.equal(resolved.code, 3, resolved.stderr)
      assert.match(resolved.stderr, /ERR_REVOKED|revoked/)
      const peers = await runKeydir(['peers', '--dir', dirA, '--json'])
      assert.equal(peers.code, 0, peers.stderr)
      assert.ok(JSON.parse(peers.stdout).revoked.some((r: { peerId: string }) => r.peerId === c?.summary.peerId), 'keydir peers shows the revoked peer')
      const table = await runKeydir(['peers', '--dir', dirA])
      assert.match(table.stdout, new RegExp(`revoked \\(do not use their keys\\): 1[\\s\\S]*${c.summary.peerId}`))

      // B revokes itself; A then refuses it.
      const revoked = await runKeydir(['revoke', '--dir', dirB, '--reason', 'retired'])
      assert.equal(revoked.code, 0, revoked.stderr)
      assert.match(revoked.stdout, /Revoked this node's identity/)
      const ofB = await runKeydir(['resolve', b.summary.peerId, '--dir', dirA, '--refresh'])
      assert.equal(ofB.code, 3, ofB.stderr)

      // Not a certificate: refused with a clear message, exit 1; a bad reason is usage, exit 2.
      const junk = join(dirA, 'junk.cert')
      await writeFile(junk, new Uint8Array(20_000))
      const refused = await runKeydir(['revoke', '--dir', dirA, '--cert', junk])
      assert.equal(refused.code, 1)
      assert.match(refused.stderr, /not a revocation certificate/)
      assert.equal((await runKeydir(['revoke', '--dir', dirA, '--reason', 'bored'])).code, 2)
    } finally {
      await c?.stop()
      await b?.stop()
      await a.stop()
    }
  })
})
