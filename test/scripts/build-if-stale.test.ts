import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { access, copyFile, mkdir, rm, utimes, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { describe, test } from 'node:test'
import { cleanEnv, tempDir } from '../helpers-daemon/cli.js'

const run = promisify(execFile)
const SCRIPT = fileURLToPath(new URL('../../../scripts/build-if-stale.mjs', import.meta.url))

/**
 * A project with the script, one source and its output, whose `npm run build`
 * only leaves a mark (and fails when asked to), so the test sees whether the
 * script built, and nothing real is compiled.
 */
async function project (): Promise<string> {
  const root = await tempDir('keydir-stale-')
  await mkdir(join(root, 'scripts'))
  await mkdir(join(root, 'src', 'cli'), { recursive: true })
  await mkdir(join(root, 'protobuf'))
  await mkdir(join(root, 'dist', 'src', 'cli'), { recursive: true })
  await copyFile(SCRIPT, join(root, 'scripts', 'build-if-stale.mjs'))
  await writeFile(join(root, 'package.json'), JSON.stringify({
    name: 'stale-test',
    scripts: { build: 'node -e "if (process.env.FAIL_BUILD) process.exit(3); require(\'fs\').writeFileSync(\'built\', \'\')"' }
  }))
  const old = new Date(Date.now() - 60_000)
  for (const file of ['tsconfig.json', 'src/cli/main.ts', 'src/types.d.ts']) {
    await writeFile(join(root, file), '')
    await utimes(join(root, file), old, old)
  }
  await writeFile(join(root, 'dist', 'src', 'cli', 'main.js'), '')
  return root
}

async function buildIfStale (root: string, env: Record<string, string> = {}): Promise<{ code: number, stderr: string, built: boolean }> {
  let code = 0
  let stderr = ''
  try {
    ({ stderr } = await run(process.execPath, [join(root, 'scripts', 'build-if-stale.mjs')], { cwd: root, env: cleanEnv(env) }))
  } catch (err: any) {
    code = err.code
    stderr = String(err.stderr)
  }
  const built = await access(join(root, 'built')).then(() => true, () => false)
  await rm(join(root, 'built'), { force: true })
  return { code, stderr, built }
}

describe('scripts/build-if-stale.mjs, npm start\'s prestart', () => {
  test('dist/ newer than every source: no build, nothing said', async () => {
    const root = await project()
    assert.deepEqual(await buildIfStale(root), { code: 0, stderr: '', built: false })
  })

  test('a source newer than its output, or without one: it builds, and says which file', async () => {
    const root = await project()
    await utimes(join(root, 'src', 'cli', 'main.ts'), new Date(), new Date(Date.now() + 5_000))
    const changed = await buildIfStale(root)
    assert.equal(changed.built, true)
    assert.match(changed.stderr, /src\/cli\/main\.ts changed since the last build: building/)

    const fresh = await project()
    await writeFile(join(fresh, 'protobuf', 'new.ts'), '')
    assert.equal((await buildIfStale(fresh)).built, true, 'protobuf/new.ts has no dist/protobuf/new.js')
  })

  test('a status page file (copied, not compiled) newer than its copy in dist/: it builds', async () => {
    const root = await project()
    await mkdir(join(root, 'src', 'api', 'status-page'), { recursive: true })
    await mkdir(join(root, 'dist', 'src', 'api', 'status-page'), { recursive: true })
    await writeFile(join(root, 'dist', 'src', 'api', 'status-page', 'app.js'), '')
    const old = new Date(Date.now() - 30_000)
    await writeFile(join(root, 'src', 'api', 'status-page', 'app.js'), '')
    await utimes(join(root, 'src', 'api', 'status-page', 'app.js'), old, old)
    assert.equal((await buildIfStale(root)).built, false, 'the copy is newer')
    await utimes(join(root, 'src', 'api', 'status-page', 'app.js'), new Date(), new Date(Date.now() + 5_000))
    const changed = await buildIfStale(root)
    assert.equal(changed.built, true)
    assert.match(changed.stderr, /src\/api\/status-page\/app\.js changed/)
  })

  test('tsconfig.json newer than the outputs: it builds', async () => {
    const root = await project()
    await utimes(join(root, 'tsconfig.json'), new Date(), new Date(Date.now() + 5_000))
    assert.equal((await buildIfStale(root)).built, true)
  })

  test('a failed build fails npm start', async () => {
    const root = await project()
    await rm(join(root, 'dist'), { recursive: true })
    const result = await buildIfStale(root, { FAIL_BUILD: '1' })
    assert.equal(result.built, false)
    assert.notEqual(result.code, 0)
  })
})
