import { randomBytes } from 'node:crypto'
import { open, rename, rm } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import { IdentityError } from '../errors.js'
import { SECRET_FILE_MODE } from './constants.js'

/**
 * Replace `path` with `bytes` so that a crash leaves either the old file or
 * the new one, never a torn mix: write a fresh temp file beside it, flush it,
 * rename it over the target, then flush the directory so the rename itself
 * survives a power cut.
 */
export async function writeSecretFile (path: string, bytes: Uint8Array): Promise<void> {
  const dir = dirname(path)
  // Same directory, so the rename stays on one filesystem and is atomic.
  const temp = join(dir, `.${basename(path)}.${randomBytes(8).toString('hex')}.tmp`)
  try {
    // 'wx': never follow or reuse a file someone else put there.
    const handle = await open(temp, 'wx', SECRET_FILE_MODE)
    try {
      // The umask can only clear bits from the open mode; set it exactly.
      await handle.chmod(SECRET_FILE_MODE)
      await handle.writeFile(bytes)
      await handle.sync()
    } finally {
      await handle.close()
    }
    await rename(temp, path)
  } catch (err) {
    await rm(temp, { force: true })
    throw new IdentityError('ERR_IDENTITY_WRITE_FAILED',
      `cannot write ${path} (${(err as NodeJS.ErrnoException).code ?? String(err)}): check that the data directory exists and belongs to the user running keydir`,
      { cause: err })
  }
  await syncDirectory(dir)
}

/** Flush a directory's entries. Windows cannot open a directory for this, and NTFS journals renames. */
async function syncDirectory (dir: string): Promise<void> {
  if (process.platform === 'win32') {
    return
  }
  const handle = await open(dir, 'r')
  try {
    await handle.sync()
  } finally {
    await handle.close()
  }
}
