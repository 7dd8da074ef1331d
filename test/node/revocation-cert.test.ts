import assert from 'node:assert/strict'
import { rm, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { REVOCATION_CERT_FILE } from '../../src/identity/index.js'
import { createKeyDirectory } from '../../src/node/index.js'
import { makeTempDir } from '../helpers/temp-dir.js'

describe('createKeyDirectory and revocation.cert', () => {
  it('a data dir without a revocation certificate gets one at the next start, with createIdentity: false too', async () => {
    const dir = await makeTempDir('keydir-node-cert-')
    try {
      const first = await createKeyDirectory({ dataDir: dir.path })
      await first.stop()
      const path = join(dir.path, REVOCATION_CERT_FILE)
      assert.equal((await stat(path)).mode & 0o777, 0o600)
      await rm(path)
      const again = await createKeyDirectory({ dataDir: dir.path, createIdentity: false })
      await again.stop()
      assert.equal((await stat(path)).mode & 0o777, 0o600)
    } finally {
      await dir.remove()
    }
  })
})
