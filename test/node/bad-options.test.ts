import assert from 'node:assert/strict'
import { readdir } from 'node:fs/promises'
import { describe, it } from 'node:test'
import { createKeyDirectory } from '../../src/node/index.js'
import { makeTempDir } from '../helpers/temp-dir.js'

/**
 * A library caller's numbers do not pass the config's parser: createKeyDirectory
 * checks them before it writes or opens anything, so a bad one is a clear
 * ERR_BAD_OPTION, not a lookup whose quorum is NaN or a bound that is never
 * reached, and leaves no identity or database behind.
 */
describe('createKeyDirectory: numeric options', () => {
  type CountName = 'recordLifetimeMs' | 'resolveTimeoutMs' | 'refreshAfterMs' | 'maxStaleMs' | 'firstContactQuorum' | 'refreshQuorum' |
  'disjointPaths' | 'firstContactGraceMs' | 'maxDhtRecords' | 'sessionHandshakeTimeoutMs'
  const bad: Array<[CountName, number]> = [
    ['recordLifetimeMs', 0],
    ['resolveTimeoutMs', Number.NaN],
    ['refreshAfterMs', -1],
    ['maxStaleMs', 1.5],
    ['firstContactQuorum', 0],
    ['refreshQuorum', Number.NaN],
    ['disjointPaths', Number.POSITIVE_INFINITY],
    ['firstContactGraceMs', -150],
    ['maxDhtRecords', Number.NaN],
    ['sessionHandshakeTimeoutMs', 0]
  ]

  for (const [name, value] of bad) {
    it(`refuses ${name} ${value} before anything is written`, async () => {
      const dir = await makeTempDir('keydir-bad-option-')
      try {
        await assert.rejects(createKeyDirectory({ dataDir: dir.path, [name]: value }), (err: any) => err.code === 'ERR_BAD_OPTION' && err.message.startsWith(`${name} must be`))
        assert.deepEqual(await readdir(dir.path), [])
      } finally {
        await dir.remove()
      }
    })
  }

  it('takes the least value of each', async () => {
    const dir = await makeTempDir('keydir-bad-option-')
    try {
      const node = await createKeyDirectory({
        dataDir: dir.path,
        recordLifetimeMs: 1,
        resolveTimeoutMs: 1,
        refreshAfterMs: 0,
        maxStaleMs: 0,
        firstContactQuorum: 1,
        refreshQuorum: 1,
        disjointPaths: 1,
        firstContactGraceMs: 0,
        maxDhtRecords: 0,
        sessionHandshakeTimeoutMs: 1
      })
      await node.stop()
    } finally {
      await dir.remove()
    }
  })
})
