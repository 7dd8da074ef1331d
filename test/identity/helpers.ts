import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after } from 'node:test'

const made: string[] = []

/** A fresh data dir under the OS temp dir, removed when the test file ends. */
export async function tempDataDir (): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'keydir-identity-'))
  made.push(dir)
  return join(dir, 'data')
}

after(async () => {
  await Promise.all(made.map(async dir => rm(dir, { recursive: true, force: true })))
})

/** For `assert.rejects`: the error must carry this code and name. */
export function withCode (code: string): (err: unknown) => boolean {
  return (err: unknown) => {
    const e = err as { code?: string, name?: string, message?: string }
    if (e.code !== code || e.name !== 'IdentityError') {
      throw new Error(`expected IdentityError ${code}, got ${e.name} ${e.code}: ${e.message}`, { cause: err })
    }
    return true
  }
}
