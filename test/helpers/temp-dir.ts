import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export interface TempDir {
  path: string
  /** Remove the directory and everything in it. */
  remove (): Promise<void>
  [Symbol.asyncDispose] (): Promise<void>
}

/** A fresh directory under the OS temp dir, e.g. `await using dir = await makeTempDir()`. */
export async function makeTempDir (prefix = 'keydir-test-'): Promise<TempDir> {
  const path = await mkdtemp(join(tmpdir(), prefix))
  const remove = async (): Promise<void> => { await rm(path, { recursive: true, force: true }) }
  return { path, remove, [Symbol.asyncDispose]: remove }
}
