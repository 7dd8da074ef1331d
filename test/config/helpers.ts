import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after } from 'node:test'

const made: string[] = []

export async function tempDir (): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'keydir-config-'))
  made.push(dir)
  return dir
}

export async function writeConfig (dir: string, config: unknown, name = 'config.json'): Promise<string> {
  const path = join(dir, name)
  await writeFile(path, typeof config === 'string' ? config : JSON.stringify(config))
  return path
}

after(async () => {
  await Promise.all(made.map(async dir => rm(dir, { recursive: true, force: true })))
})

/** For assert.rejects: a ConfigError with this code whose message names `key`. */
export function configError (code: string, key: string | RegExp): (err: unknown) => boolean {
  return (err: unknown) => {
    const e = err as { name?: string, code?: string, message?: string }
    if (e.name !== 'ConfigError' || e.code !== code) throw new Error(`expected ConfigError ${code}, got ${e.name} ${e.code}: ${e.message}`, { cause: err })
    const names = typeof key === 'string' ? (e.message ?? '').includes(key) : key.test(e.message ?? '')
    if (!names) throw new Error(`expected the message to name ${String(key)}: ${e.message}`)
    return true
  }
}
