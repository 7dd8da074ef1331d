import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { createKeyDirectory } from '../../src/node/index.js'
import { keydirVersion } from '../../src/util/version.js'
import { makeTempDir } from '../helpers/temp-dir.js'

/**
 * The facade's lifecycle: the databases createKeyDirectory opens are closed
 * by stop(), also when the node never started (a daemon whose start failed),
 * so the data dir can be opened again in the same process.
 */
describe('KeydirNode lifecycle', () => {
  it('stop() without start() releases the data dir; a stopped node says so if started', async () => {
    const dir = await makeTempDir('keydir-lifecycle-')
    try {
      const first = await createKeyDirectory({ dataDir: dir.path, discoverOnConnect: false })
      await first.stop()
      await first.stop()
      await assert.rejects(first.start(), (err: any) => err.code === 'ERR_NODE_STOPPED')
      const second = await createKeyDirectory({ dataDir: dir.path, discoverOnConnect: false })
      await second.start()
      assert.equal((await second.resolve(second.peerId)).trust, 'self')
      await second.stop()
    } finally {
      await dir.remove()
    }
  })

  it('status() gives keydir\'s version, and an uptime of 0 before start() that only grows after it', async () => {
    const dir = await makeTempDir('keydir-lifecycle-')
    const node = await createKeyDirectory({ dataDir: dir.path, discoverOnConnect: false })
    try {
      const before = await node.status()
      assert.equal(before.version, keydirVersion())
      assert.equal(before.uptimeMs, 0)
      await node.start()
      const first = (await node.status()).uptimeMs
      await new Promise(resolve => setTimeout(resolve, 20))
      const second = (await node.status()).uptimeMs
      assert.ok(Number.isInteger(first) && first >= 0, String(first))
      assert.ok(second > first, `${second} > ${first}`)
    } finally {
      await node.stop()
      await dir.remove()
    }
  })
})
