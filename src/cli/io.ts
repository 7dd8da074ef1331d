/**
 * Binary input and output for the commands that handle messages (seal,
 * open, sign, verify-signature): stdin and stdout by default, `--in FILE`
 * and `--out FILE` otherwise, bytes passed through untouched.
 */
import { createReadStream } from 'node:fs'
import { writeFile } from 'node:fs/promises'
import { KeydirError } from '../errors.js'
import { UsageError } from './exit.js'
import { note } from './output.js'
import type { Readable, Writable } from 'node:stream'

/** Where a command reads its input and writes its output. */
export interface IoOptions {
  in?: string
  out?: string
}

/**
 * Refuse, before any work is done, to write binary to a terminal: it would
 * garble the terminal and lose the bytes. A usage error (exit 2) that says
 * what to do instead.
 */
export function checkBinaryOutput (out: string | undefined, what: string, stdout: { isTTY?: boolean } = process.stdout): void {
  if (out === undefined && stdout.isTTY === true) {
    throw new UsageError(`refusing to write ${what} (binary) to the terminal: give --out FILE, or redirect stdout (> FILE, | COMMAND)`)
  }
}

/**
 * The input's bytes: the file `path`, else stdin, at most `limit` bytes;
 * `tooLarge` is thrown as soon as more arrive (nothing more is read).
 */
export async function readInput (path: string | undefined, limit: number, what: string, tooLarge: () => Error): Promise<Uint8Array> {
  let stream: Readable
  if (path === undefined) {
    if (process.stdin.isTTY === true) note(`reading ${what} from the terminal: end it with Ctrl-D (or give --in FILE)`)
    stream = process.stdin
  } else {
    stream = createReadStream(path)
  }
  const chunks: Buffer[] = []
  let size = 0
  try {
    for await (const chunk of stream) {
      const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk as Buffer
      size += bytes.length
      if (size > limit) throw tooLarge()
      chunks.push(bytes)
    }
  } catch (err) {
    if (err instanceof KeydirError) throw err
    const source = path ?? 'stdin'
    throw new KeydirError('ERR_INPUT_UNREADABLE', `cannot read ${what} from ${source} (${(err as NodeJS.ErrnoException).code ?? String(err)})`, { cause: err })
  } finally {
    if (path !== undefined) stream.destroy()
  }
  const all = Buffer.concat(chunks, size)
  return new Uint8Array(all.buffer, all.byteOffset, all.byteLength)
}

/**
 * Write `bytes` to the file `path` (made with `mode` when new), else to
 * stdout, and wait until they are handed on. `checkBinaryOutput` ran first.
 */
export async function writeOutput (path: string | undefined, bytes: Uint8Array, mode = 0o666, stdout: Writable = process.stdout): Promise<void> {
  if (path !== undefined) {
    try {
      await writeFile(path, bytes, { mode })
    } catch (err) {
      throw new KeydirError('ERR_OUTPUT_UNWRITABLE', `cannot write ${path} (${(err as NodeJS.ErrnoException).code ?? String(err)})`, { cause: err })
    }
    return
  }
  await new Promise<void>((resolve, reject) => {
    stdout.write(bytes, err => {
      if (err === null || err === undefined) resolve()
      else reject(new KeydirError('ERR_OUTPUT_UNWRITABLE', `cannot write to stdout (${(err as NodeJS.ErrnoException).code ?? String(err)})`, { cause: err }))
    })
  })
}
