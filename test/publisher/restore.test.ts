import assert from 'node:assert/strict'
import { cp, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { createKeyDirectory, libp2pOf } from '../../src/node/index.js'
import { startNode } from '../helpers/network.js'
import { makeTempDir } from '../helpers/temp-dir.js'
import type { KeyDirectory } from '../../src/node/index.js'

/**
 * An honest node never signs two records with one seq (docs/security.md,
 * "Honest nodes never equivocate"), also when its data dir is restored from
 * a backup older than its last record: the next seq is at least the clock
 * in milliseconds, past every seq signed before.
 */
describe('a node restored from an older copy of its data dir', () => {
  it('signs its next record above every seq it signed before: no equivocation', async () => {
    const dir = await makeTempDir('keydir-restore-')
    // A peer to publish to, so that each publish ends at once.
    const peer = await startNode()
    const bootstrap = [peer.node.anchorEntry()]
    const signed: number[] = []
    const own = (node: KeyDirectory): number => libp2pOf(node).services.publisher.record.seq
    const open = async (path: string): Promise<KeyDirectory> => {
      const node = await createKeyDirectory({ dataDir: path, discoverOnConnect: false, bootstrap })
      await node.start()
      signed.push(own(node))
      return node
    }
    try {
      let node = await open(dir.path)
      await node.stop()
      const backup = join(dir.path, '..', `${dir.path.split('/').pop() ?? 'dir'}-backup`)
      await cp(dir.path, backup, { recursive: true })
      // Life goes on after the backup: more records, a rotation.
      node = await open(dir.path)
      signed.push((await node.publish()).seq)
      signed.push((await node.rotate()).seq)
      signed.push((await node.publish()).seq)
      await node.stop()
      assert.equal(new Set(signed).size, signed.length, 'every record had its own seq')

      // The data dir is lost; the operator restores the older copy.
      const restored = await open(backup)
      try {
        const next = own(restored)
        assert.ok(signed.slice(0, -1).every(seq => next > seq), `the restored node's seq ${next} is above every seq signed before (${signed.slice(0, -1).join(', ')})`)
        signed.push((await restored.publish()).seq)
        assert.ok(signed.at(-1)! > next)
      } finally {
        await restored.stop()
        await rm(backup, { recursive: true, force: true })
      }
    } finally {
      await dir.remove()
      await peer.node.stop()
      await peer.dir.remove()
    }
  })
})
