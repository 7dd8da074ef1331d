/**
 * What `keydir verify` reads: the file to check (hostile: its size is
 * bounded before a byte is read, and it is read through one handle, so
 * what was checked is what is read) and the time to check it at.
 */
import { constants } from 'node:fs'
import { open, type FileHandle } from 'node:fs/promises'
import { KeydirError } from '../../errors.js'
import { UsageError } from '../exit.js'

/**
 * The bytes of the file at `path`, at most `limit` of them: a file that
 * is not a regular file, is empty, or is larger is a usage error (exit 2)
 * saying so; one that cannot be opened, ERR_INPUT_UNREADABLE (exit 1).
 */
export async function readFileToCheck (path: string, limit: number, what: string): Promise<Uint8Array> {
  let handle: FileHandle
  try {
    // Non-blocking, so a FIFO given as the file cannot hang the open; no effect on a regular file.
    handle = await open(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0))
  } catch (err) {
    throw new KeydirError('ERR_INPUT_UNREADABLE', `cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? String(err)}): give the path of ${what}`, { cause: err })
  }
  const tooLarge = (size: string): UsageError => new UsageError(`${path} is ${size}, larger than ${what} can be in any form (at most ${limit} bytes, as base64 or the API's JSON): it is not one`)
  try {
    const info = await handle.stat()
    if (!info.isFile()) throw new UsageError(`${path} is not a regular file: give the path of ${what}`)
    if (info.size > limit) throw tooLarge(`${info.size} bytes`)
    // One byte more than the limit: the file may have grown since it was stat'ed.
    const buffer = new Uint8Array(limit + 1)
    let length = 0
    while (length < buffer.length) {
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length)
      if (bytesRead === 0) break
      length += bytesRead
    }
    if (length > limit) throw tooLarge('over the limit')
    if (length === 0) throw new UsageError(`${path} is empty: give the path of ${what}`)
    return buffer.subarray(0, length)
  } catch (err) {
    if (err instanceof KeydirError) throw err
    throw new KeydirError('ERR_INPUT_UNREADABLE', `cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? String(err)})`, { cause: err })
  } finally {
    await handle.close()
  }
}

/** `2026-03-01`, `2026-03-01T12:00Z`, `2026-03-01T12:00:00.250+01:00`: a date, or a time with its zone. */
const ISO_TIME = /^(\d{4})-(\d{2})-(\d{2})(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,3})?)?(?:Z|[+-]\d{2}:\d{2}))?$/i

/**
 * `--at`: Unix milliseconds, or an ISO date or time with its zone (a time
 * without one would depend on the machine's zone). A usage error otherwise.
 */
export function parseAt (value: string): number {
  if (/^\d{1,16}$/.test(value) && Number.isSafeInteger(Number(value))) return Number(value)
  const match = ISO_TIME.exec(value)
  if (match !== null) {
    const [year, month, day] = match.slice(1, 4).map(Number)
    const ms = Date.parse(value.replace(' ', 'T'))
    // Date.parse takes 2026-02-30 as 2026-03-02: a day the month does not have is a typo.
    if (!Number.isNaN(ms) && new Date(Date.UTC(year, month - 1, day)).getUTCDate() === day) return ms
  }
  throw new UsageError(`--at ${JSON.stringify(value)} is not a time: give Unix milliseconds, or an ISO date or time with its zone, such as 2026-03-01T12:00:00Z`)
}
