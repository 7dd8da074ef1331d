// `npm start`'s prestart: build (npm run build, tsc) only when a source of
// the daemon is newer than its output in dist/, so a start after no change
// costs a directory walk instead of an 8-second tsc run. tsconfig.json sets
// noEmitOnError, so a build that failed leaves its sources stale. Tests and benches
// are left out: the daemon does not run them, and `npm test` builds anyway.
import { spawn } from 'node:child_process'
import { readdir, stat } from 'node:fs/promises'
import { join, relative } from 'node:path'

const root = join(import.meta.dirname, '..')
const SOURCE_DIRS = ['src', 'protobuf']

/** Modification time in ms, or undefined when the file is missing. */
async function mtimeOf (path) {
  try {
    return (await stat(path)).mtimeMs
  } catch (err) {
    if (err.code === 'ENOENT') return undefined
    throw err
  }
}

/** The first source whose output in dist/ is missing or older, or undefined when dist/ is up to date. */
async function staleSource () {
  const tsconfig = await mtimeOf(join(root, 'tsconfig.json'))
  for (const dir of SOURCE_DIRS) {
    const entries = await readdir(join(root, dir), { recursive: true, withFileTypes: true })
    for (const entry of entries) {
      if (!entry.isFile() || entry.name.endsWith('.d.ts')) continue
      const source = join(entry.parentPath, entry.name)
      // TypeScript compiles to .js; anything else (the status page's HTML, CSS and script) is copied as it is.
      const output = join(root, 'dist', relative(root, source)).replace(/\.ts$/, '.js')
      const [sourceTime, outputTime] = await Promise.all([mtimeOf(source), mtimeOf(output)])
      if (outputTime === undefined || outputTime < sourceTime || outputTime < tsconfig) return relative(root, source)
    }
  }
  return undefined
}

const stale = await staleSource()
if (stale !== undefined) {
  process.stderr.write(`keydir: ${stale} changed since the last build: building (npm run build)\n`)
  const build = spawn('npm', ['run', 'build'], { cwd: root, stdio: 'inherit' })
  // Ctrl-C or SIGTERM during the build stops the build too, not only this script.
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => { build.kill(signal) })
  const [code, signal] = await new Promise(resolve => { build.on('close', (c, s) => { resolve([c, s]) }) })
  process.exitCode = code ?? (signal !== null ? 1 : 0)
}
