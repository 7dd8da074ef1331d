import { constants } from 'node:fs'
import { access, chmod, mkdir, stat } from 'node:fs/promises'
import { KeydirError } from '../errors.js'

/**
 * Make the data dir if needed (owner only) and check that this user can use
 * it, with a message that says what to do when not.
 */
export async function ensureDataDir (dataDir: string): Promise<void> {
  try {
    const made = await mkdir(dataDir, { recursive: true, mode: 0o700 })
    if (made !== undefined) await chmod(dataDir, 0o700)
    const info = await stat(dataDir)
    if (!info.isDirectory()) throw Object.assign(new Error('not a directory'), { code: 'ENOTDIR' })
    await access(dataDir, constants.R_OK | constants.W_OK | constants.X_OK)
  } catch (err) {
    throw dataDirError(dataDir, err)
  }
}

/** Check that an existing data dir can be read (for commands that only read it). */
export async function checkDataDirReadable (dataDir: string): Promise<boolean> {
  try {
    await access(dataDir, constants.R_OK | constants.X_OK)
    return true
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false
    throw dataDirError(dataDir, err)
  }
}

export function dataDirError (dataDir: string, err: unknown): KeydirError {
  const code = (err as NodeJS.ErrnoException).code ?? 'ERROR'
  const advice = code === 'EACCES' || code === 'EPERM'
    ? `permission denied: make it readable and writable by this user (chown $USER ${dataDir}; chmod 700 ${dataDir}), or choose another with --dir`
    : code === 'ENOTDIR' || code === 'EEXIST'
      ? 'it is not a directory: choose another with --dir'
      : code === 'EROFS'
        ? 'the file system is read-only: choose another with --dir'
        : `${(err as Error).message ?? String(err)}: choose another with --dir`
  return new KeydirError('ERR_DATA_DIR', `cannot use data dir ${dataDir} (${code}): ${advice}`, { cause: err })
}
