/**
 * `npm run vectors` on a clean tree must change no file: every generator
 * signs deterministically and uses fixed seeds and times, so a committed
 * vector file that differs from what its generator writes is drift (a
 * format or code change nobody regenerated for, or a generator that went
 * random again).
 *
 * The generators write beside the build (dist/../test/vectors), so this runs
 * them in a copy of dist/ inside a temporary directory, with only
 * key-record.json given (its records are kept, not re-signed), and compares
 * every file they write with the committed one, byte for byte.
 */
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { cp, mkdir, mkdtemp, readdir, readFile, rm, symlink } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { describe, it } from 'node:test'

const root = fileURLToPath(new URL('../../../', import.meta.url))
const committed = join(root, 'test/vectors')

describe('golden vector files are reproducible', () => {
  it('npm run vectors rewrites every committed file byte for byte', { timeout: 120_000 }, async () => {
    const scratch = await mkdtemp(join(tmpdir(), 'keydir-vectors-'))
    try {
      await cp(join(root, 'dist'), join(scratch, 'dist'), { recursive: true })
      await symlink(join(root, 'node_modules'), join(scratch, 'node_modules'), 'dir')
      await mkdir(join(scratch, 'test/vectors'), { recursive: true })
      await cp(join(committed, 'key-record.json'), join(scratch, 'test/vectors/key-record.json'))
      await promisify(execFile)(process.execPath, [join(scratch, 'dist/test/vectors/generate.js')], { cwd: scratch })

      const written = (await readdir(join(scratch, 'test/vectors'))).filter(name => name.endsWith('.json')).sort()
      const shipped = (await readdir(committed)).filter(name => name.endsWith('.json')).sort()
      assert.deepEqual(written, shipped, 'the generators write exactly the committed vector files')
      const drifted = []
      for (const name of written) {
        const fresh = await readFile(join(scratch, 'test/vectors', name))
        if (!fresh.equals(await readFile(join(committed, name)))) drifted.push(name)
      }
      assert.deepEqual(drifted, [], `regenerated files differ from the committed ones: run \`npm run vectors\` and commit, or make the generator deterministic: ${drifted.join(', ')}`)
    } finally {
      await rm(scratch, { recursive: true, force: true })
    }
  })
})
