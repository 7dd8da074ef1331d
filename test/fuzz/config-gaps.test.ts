import assert from 'node:assert/strict'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { loadConfig } from '../../src/config/index.js'
import { parseBootstrap } from '../../src/node/anchors.js'
import { makeTempDir } from '../helpers/temp-dir.js'

/**
 * What the config fuzz target found that belongs to the config loader
 * (docs/security.md, "Findings for other parts"): a bootstrap multiaddr whose
 * /p2p/ value parses as a multiaddr but is no PeerId passes loadConfig, and
 * the node refused it only at start. The loader now refuses it through the
 * node's own parser (commit 72b3aec), and the config fuzz target holds every
 * accepted config to the node's parser.
 */
describe('config gaps found by fuzzing', () => {
  it('refuses, while loading, a bootstrap /p2p/ value that is no PeerId', async () => {
    const dir = await makeTempDir('keydir-config-gap-')
    try {
      const entry = '/ip4/127.0.0.1/tcp/4001/p2p/2D3KooWQeunNyFahiZtSKkaMuxJUReXJdMhADuu6SNunnTJ91M2'
      assert.throws(() => parseBootstrap([entry]), (err: any) => err.code === 'ERR_BAD_BOOTSTRAP')
      await writeFile(join(dir.path, 'config.json'), JSON.stringify({ bootstrap: [entry] }))
      await assert.rejects(loadConfig({ dir: dir.path, env: {} }), (err: any) => err.name === 'ConfigError' && /bootstrap\[0\]/.test(err.message))
    } finally {
      await dir.remove()
    }
  })
})
