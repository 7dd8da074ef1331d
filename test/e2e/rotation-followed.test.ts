import assert from 'node:assert/strict'
import { join } from 'node:path'
import { after, describe, test } from 'node:test'
import { waitUntil } from '../helpers/network.js'
import { runKeydir, startNode, tempDir, type RunningNode } from '../helpers-daemon/cli.js'

/**
 * Issue 23, item 8: when a node follows a peer's rotation proof, `keydir
 * resolve` and the node's log say so: from which seq to which, and that
 * the proof was checked. B is down while A rotates, so no push reaches it:
 * its own lookup follows the proof.
 */

// Discovery on connect would ask A for its keys as soon as B reconnects, and follow the rotation before the resolve does.
const env = { KEYDIR_DISCOVER_ON_CONNECT: 'false' }

describe('keydir resolve after a rotation', { timeout: 180_000 }, () => {
  const running: RunningNode[] = []
  after(async () => { for (const node of running) await node.stop('SIGKILL') })

  test('says that it followed the rotation proof, and the log says so too', async () => {
    const root = await tempDir('keydir-rotated-')
    const dirs = { a: join(root, 'a'), b: join(root, 'b'), c: join(root, 'c') }
    const a = await startNode(dirs.a, [], { env })
    running.push(a)
    const bootstrap = ['--bootstrap', JSON.stringify(a.summary.anchor)]
    running.push(await startNode(dirs.c, bootstrap, { env }))
    let b = await startNode(dirs.b, bootstrap, { env })
    running.push(b)

    const before = JSON.parse((await runKeydir(['resolve', a.summary.peerId, '--dir', dirs.b, '--json'], { env })).stdout)
    assert.equal(before.rotated, undefined)
    await b.stop()
    const rotated = await runKeydir(['rotate', '--dir', dirs.a, '--json'], { env })
    assert.equal(rotated.code, 0, rotated.stderr)
    const record = JSON.parse(rotated.stdout) as { seq: number }

    b = await startNode(dirs.b, bootstrap, { env })
    running.push(b)
    const text = await runKeydir(['resolve', a.summary.peerId, '--dir', dirs.b, '--refresh'], { env })
    assert.equal(text.code, 0, text.stderr)
    assert.match(text.stdout, new RegExp(`^rotated +seq ${before.seq} -> ${record.seq}, proof checked \\(signed by the key this node had pinned\\)$`, 'm'))

    const logged = (): Array<{ level: string, msg: string, fromSeq?: number, seq?: number }> =>
      b.stderr().split('\n').filter(line => line.startsWith('{')).map(line => JSON.parse(line))
    await waitUntil(() => logged().some(l => l.msg.startsWith('followed a rotation')), 'B logged the rotation it followed')
    const line = logged().find(l => l.msg.startsWith('followed a rotation'))!
    assert.equal(line.level, 'info')
    assert.match(line.msg, new RegExp(`seq ${before.seq} -> ${record.seq}, its rotation proof from the pinned ML-DSA-65 key \\(a configured anchor's\\) verified`))
    assert.equal(line.fromSeq, before.seq)
    assert.equal(line.seq, record.seq)

    // Said by the resolve that followed it, not by the next one.
    const again = JSON.parse((await runKeydir(['resolve', a.summary.peerId, '--dir', dirs.b, '--refresh', '--json'], { env })).stdout)
    assert.equal(again.seq, record.seq)
    assert.equal(again.rotated, undefined)
  })
})
