import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { keydirVersion } from '../../src/util/version.js'
import { runKeydir, startNode, tempDir, type RunningNode } from '../helpers-daemon/cli.js'

describe('keydir peers', () => {
  test('shows this node\'s score of each peer, and status the peers below the threshold', async () => {
    const [dirA, dirB] = await Promise.all([tempDir(), tempDir()])
    const a = await startNode(dirA)
    let b: RunningNode | undefined
    try {
      // A threshold from the environment, negative, as an operator sets it; room for the one connection to A only.
      b = await startNode(dirB, ['--bootstrap', `${a.summary.multiaddrs[0]}`, '--max-connections', '1'], { env: { KEYDIR_REPUTATION_THRESHOLD: '-20' } })
      const resolved = await runKeydir(['resolve', a.summary.peerId, '--dir', dirB, '--refresh'])
      assert.equal(resolved.code, 0, resolved.stderr)
      const json = await runKeydir(['peers', '--dir', dirB, '--json'])
      assert.equal(json.code, 0, json.stderr)
      const peer = (JSON.parse(json.stdout) as { peers: Array<{ peerId: string, score: number }> }).peers.find(p => p.peerId === a.summary.peerId)
      // Discovery on connect and the resolve each got a valid answer.
      assert.ok(peer !== undefined && peer.score >= 1, json.stdout)
      const table = await runKeydir(['peers', '--dir', dirB])
      assert.match(table.stdout, /\bSCORE\b/)
      assert.match(table.stdout, new RegExp(`${a.summary.peerId}.*\\b${peer.score.toFixed(2)}\\b`))
      const status = await runKeydir(['status', '--dir', dirB])
      assert.match(status.stdout, /peer scores\s+\d+ peers scored, 0 below the threshold/)
      assert.match(status.stdout, new RegExp(`^version\\s+${keydirVersion().replaceAll('.', '\\.')}$`, 'm'))
      assert.match(status.stdout, /^uptime\s+\d+(s|m|h \d+m)$/m)
      assert.match(status.stdout, /^connections\s+1 of 1: at the limit, inbound connections are refused \(raise --max-connections\)$/m)
    } finally {
      await b?.stop()
      await a.stop()
    }
  })
})
