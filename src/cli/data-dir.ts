import { constants, type Stats } from 'node:fs'
import { access, chmod, mkdir, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { KeydirError } from '../errors.js'
import { IDENTITY_DIR } from '../identity/constants.js'

/** Mode bits that let the group or others change a file or directory. */
export const WRITABLE_BY_OTHERS = 0o022

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
  await checkDataDirSafe(dataDir)
}

/**
 * Refuse a data dir, or its identity dir, that the group or others can
 * write (ERR_DATA_DIR_UNSAFE): whoever can write it can replace config.json
 * (whose anchors pin peers' keys), api.json, the identity or the registry.
 * A dir that does not exist (yet) passes; so does everything on Windows,
 * which has ACLs instead of mode bits.
 */
export async function checkDataDirSafe (dataDir: string): Promise<void> {
  if (process.platform === 'win32') return
  for (const path of [dataDir, join(dataDir, IDENTITY_DIR)]) {
    let info: Stats
    try {
      info = await stat(path)
    } catch {
      continue
    }
    if (info.isDirectory() && (info.mode & WRITABLE_BY_OTHERS) !== 0) {
      throw new KeydirError('ERR_DATA_DIR_UNSAFE',
        `${path === dataDir ? 'data dir' : 'identity dir'} ${path} can be written by other users (mode ${modeString(info)}), ` +
        `who could change this node's anchors, identity or API address: run \`chmod go-w ${path}\` (keydir makes it 700)`)
    }
  }
}

export function modeString (info: Stats): string {
  return (info.mode & 0o777).toString(8).padStart(3, '0')
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
