import { lstat } from 'node:fs/promises'
import { IdentityError } from '../errors.js'
import { isErrno } from './read-secret-file.js'
import type { IdentityPaths } from './constants.js'

/** Which of the two identity files exist (in any form: even a broken symlink counts). */
export async function presentIdentityFiles (paths: IdentityPaths): Promise<string[]> {
  const present: string[] = []
  for (const path of [paths.libp2pKey, paths.pqKey]) {
    try {
      await lstat(path)
      present.push(path)
    } catch (err) {
      if (!isErrno(err, 'ENOENT') && !isErrno(err, 'ENOTDIR')) {
        throw new IdentityError('ERR_IDENTITY_UNREADABLE',
          `cannot look at ${path} (${(err as NodeJS.ErrnoException).code}): check that the data directory belongs to the user running keydir`,
          { cause: err })
      }
    }
  }
  return present
}
