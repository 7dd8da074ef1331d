import { IdentityError } from '../errors.js'
import { buildIdentity } from './build.js'
import { identityPaths, MAX_PQ_KEY_FILE_BYTES } from './constants.js'
import { decodeLibp2pKey } from './libp2p-key.js'
import { decodePqKey } from './pq-key.js'
import { readSecretFile } from './read-secret-file.js'
import type { Identity, IdentityOptions } from './types.js'

/**
 * Load the identity in `<dataDir>/identity/`. Every failure is an
 * IdentityError whose message says what to do: ERR_IDENTITY_MISSING,
 * ERR_IDENTITY_CORRUPT, ERR_IDENTITY_PERMISSIONS, ERR_IDENTITY_UNREADABLE.
 */
export async function loadIdentity (dataDir: string, options: IdentityOptions): Promise<Identity> {
  const paths = identityPaths(dataDir)
  const libp2pBytes = await readSecretFile(paths.libp2pKey)
  const pqBytes = await readSecretFile(paths.pqKey, MAX_PQ_KEY_FILE_BYTES)

  if (libp2pBytes === undefined && pqBytes === undefined) {
    throw new IdentityError('ERR_IDENTITY_MISSING',
      `no identity in ${paths.dir}: run \`keydir init --dir ${dataDir}\` to make one`)
  }
  // Half an identity is not a fresh start: making a new one would silently
  // change the PeerId or drop keys that peers have pinned.
  if (libp2pBytes === undefined || pqBytes === undefined) {
    const missing = libp2pBytes === undefined ? paths.libp2pKey : paths.pqKey
    throw new IdentityError('ERR_IDENTITY_MISSING',
      `${missing} is missing while the rest of the identity is there: restore it from a backup, ` +
      `or run \`keydir init --dir ${dataDir} --force\` to make a new identity (this changes the PeerId)`)
  }

  const privateKey = await decodeLibp2pKey(libp2pBytes, paths.libp2pKey)
  const pq = decodePqKey(pqBytes, paths.pqKey)
  return buildIdentity(privateKey, pq, options.crypto)
}
