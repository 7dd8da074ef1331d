import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { mlDsaPeerIdString } from '../../src/record/index.js'
import { makeIdentity } from '../helpers/records.js'
import { runKeydir, startNode, tempDir, type RunningNode } from '../helpers-daemon/cli.js'

describe('keydir resolve by ML-DSA PeerId', { timeout: 120_000 }, () => {
  test('takes the Qm… ML-DSA PeerId of a peer\'s key and prints both PeerIds; one nobody published fails with its code', async () => {
    const [dirA, dirB] = await Promise.all([tempDir(), tempDir()])
    const a = await startNode(dirA)
    let b: RunningNode | undefined
    try {
      b = await startNode(dirB, ['--bootstrap', JSON.stringify(a.summary.anchor)])
      const own = JSON.parse((await runKeydir(['resolve', a.summary.peerId, '--dir', dirA, '--json'])).stdout) as { mlDsaPeerId: string }
      assert.match(own.mlDsaPeerId, /^Qm/)
      const json = await runKeydir(['resolve', own.mlDsaPeerId, '--dir', dirB, '--json'])
      assert.equal(json.code, 0, json.stderr)
      const keys = JSON.parse(json.stdout) as { peerId: string, mlDsaPeerId: string, asked: string }
      assert.deepEqual([keys.peerId, keys.mlDsaPeerId, keys.asked], [a.summary.peerId, own.mlDsaPeerId, 'mlDsaPeerId'])
      const text = await runKeydir(['resolve', own.mlDsaPeerId, '--dir', dirB])
      assert.match(text.stdout, new RegExp(`^PeerId\\s+${a.summary.peerId}$`, 'm'))
      assert.match(text.stdout, new RegExp(`^ML-DSA PeerId\\s+${own.mlDsaPeerId}$`, 'm'))
      assert.match(text.stdout, /^asked as\s+its ML-DSA PeerId$/m)

      const unknown = mlDsaPeerIdString((await makeIdentity()).mlDsaSigner.publicKey)
      const missing = await runKeydir(['resolve', unknown, '--dir', dirB])
      assert.equal(missing.code, 1)
      assert.match(missing.stderr, /no key record names the ML-DSA PeerId Qm\w+ .*RSA PeerId/)
    } finally {
      await b?.stop()
      await a.stop()
    }
  })
})
