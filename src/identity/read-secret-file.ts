import { constants } from 'node:fs'
import { open, type FileHandle } from 'node:fs/promises'
import { dirname } from 'node:path'
import { IdentityError } from '../errors.js'
import { HAS_POSIX_MODES, MAX_IDENTITY_FILE_BYTES, UNSAFE_MODE_BITS } from './constants.js'

/**
 * Read one identity file, or `undefined` if it does not exist. Checks, in
 * this order, on the opened file itself (so the file checked is the file
 * read): that it is a regular file, that only its owner can read or write
 * it, and that it is small enough to be ours, before reading a byte.
 */
export async function readSecretFile (path: string, maxBytes = MAX_IDENTITY_FILE_BYTES): Promise<Uint8Array | undefined> {
  let handle: FileHandle
  try {
    // Non-blocking, so a FIFO put in place of a key file cannot hang the open;
    // it has no effect on regular files. (Windows has no O_NONBLOCK.)
    handle = await open(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0))
  } catch (err) {
    if (isErrno(err, 'ENOENT')) {
      return undefined
    }
    throw new IdentityError('ERR_IDENTITY_UNREADABLE',
      `cannot open ${path} (${errnoCode(err)}): check that the data directory belongs to the user running keydir`, { cause: err })
  }
  try {
    const stats = await handle.stat()
    if (!stats.isFile()) {
      throw corrupt(path, 'is not a regular file')
    }
    if (HAS_POSIX_MODES && (stats.mode & UNSAFE_MODE_BITS) !== 0) {
      const mode = (stats.mode & 0o777).toString(8).padStart(3, '0')
      throw new IdentityError('ERR_IDENTITY_PERMISSIONS',
        `${path} has mode ${mode}, so other users can read or change this node's secret key: run \`chmod 600 ${path}\`, ` +
        'and if anyone else may have read it, make a new identity with --force')
    }
    if (stats.size > maxBytes) {
      throw corrupt(path, `is ${stats.size} bytes, more than any identity file (limit ${maxBytes})`)
    }
    return await readAtMost(handle, path, maxBytes)
  } finally {
    await handle.close()
  }
}

/** Read to the end, but never more than `maxBytes`: the file may have grown since it was stat'ed. */
async function readAtMost (handle: FileHandle, path: string, maxBytes: number): Promise<Uint8Array> {
  const buffer = new Uint8Array(maxBytes + 1)
  let length = 0
  while (length < buffer.length) {
    const { bytesRead } = await handle.read(buffer, length, buffer.length - length, length)
    if (bytesRead === 0) {
      break
    }
    length += bytesRead
  }
  if (length > maxBytes) {
    throw corrupt(path, `is more than ${maxBytes} bytes, more than any identity file`)
  }
  return buffer.slice(0, length)
}

/** The one error for a file that is there but is not a valid identity file. */
export function corrupt (path: string, why: string, cause?: unknown): IdentityError {
  // Identity files sit in <dataDir>/identity/, so the data dir is two levels up.
  const dataDir = dirname(dirname(path))
  return new IdentityError('ERR_IDENTITY_CORRUPT',
    `${path} ${why}: restore it from a backup, or make a new identity with ` +
    `\`keydir init --dir ${dataDir} --force\` (this changes the PeerId)`,
    cause === undefined ? undefined : { cause })
}

export function isErrno (err: unknown, code: string): boolean {
  return errnoCode(err) === code
}

function errnoCode (err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | null)?.code
}
