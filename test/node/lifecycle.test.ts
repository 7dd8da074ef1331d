import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { createKeyDirectory } from '../../src/node/index.js'
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
})
