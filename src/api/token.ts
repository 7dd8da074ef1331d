import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'
import { open, readFile, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { KeydirError } from '../errors.js'

/**
 * The bearer token that guards the API's state-changing endpoints (publish,
 * rotate): `<dataDir>/api.token`, 32 random bytes as base64url, readable by
 * the owner only. `keydir init` writes it, and so does `keydir start` on a
 * data dir that has none.
 */
export const API_TOKEN_FILE = 'api.token'
const TOKEN_BYTES = 32
const MAX_TOKEN_FILE_BYTES = 1024

export function apiTokenPath (dataDir: string): string {
  return join(dataDir, API_TOKEN_FILE)
}

/** Write a new token unless one exists. Returns true when it wrote one. */
export async function ensureApiToken (dataDir: string): Promise<boolean> {
  let handle
  try {
    handle = await open(apiTokenPath(dataDir), 'wx', 0o600)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false
    throw new KeydirError('ERR_API_TOKEN', `cannot write ${apiTokenPath(dataDir)} (${(err as NodeJS.ErrnoException).code ?? String(err)}): check the data dir's permissions`, { cause: err })
  }
  try {
    await handle.writeFile(`${randomBytes(TOKEN_BYTES).toString('base64url')}\n`)
    await handle.sync()
  } finally {
    await handle.close()
  }
  return true
}

/**
 * The token, or undefined when there is no token file. A token file that
 * others can read is refused (ERR_API_TOKEN_UNSAFE): anyone who can read it
 * could rotate this node's keys.
 */
export async function readApiToken (dataDir: string): Promise<string | undefined> {
  const path = apiTokenPath(dataDir)
  let text: string
  try {
    const info = await stat(path)
    if (process.platform !== 'win32' && (info.mode & 0o077) !== 0) {
      throw new KeydirError('ERR_API_TOKEN_UNSAFE', `${path} can be read by other users (mode ${(info.mode & 0o777).toString(8)}): run \`chmod 600 ${path}\``)
    }
    if (info.size > MAX_TOKEN_FILE_BYTES) throw new KeydirError('ERR_API_TOKEN', `${path} is too large to be a keydir API token`)
    text = await readFile(path, 'utf8')
  } catch (err) {
    if (err instanceof KeydirError) throw err
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw new KeydirError('ERR_API_TOKEN', `cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? String(err)})`, { cause: err })
  }
  const token = text.trim()
  if (token.length < 16) throw new KeydirError('ERR_API_TOKEN', `${path} does not hold a token: delete it and run \`keydir init\` again`)
  return token
}

/** Compare a presented token with the expected one in constant time (both are hashed first, so lengths never leak). */
export function tokenMatches (presented: string, expected: string): boolean {
  const a = createHash('sha256').update(presented).digest()
  const b = createHash('sha256').update(expected).digest()
  return timingSafeEqual(a, b)
}
