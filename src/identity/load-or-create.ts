import { errorCode } from '../errors.js'
import { identityPaths } from './constants.js'
import { createIdentity } from './create.js'
import { loadIdentity } from './load.js'
import { presentIdentityFiles } from './present.js'
import { ensureRevocationCertificate } from './revocation-cert.js'
import type { Identity, IdentityOptions } from './types.js'

/**
 * Load the identity, or make one on a first run (`npm start` without
 * `keydir init`), and make sure its revocation certificate is in the data
 * dir (checked, or signed now if missing). Only a data directory with neither identity file gets a
 * new one; half an identity is an error, never silently replaced.
 */
export async function loadOrCreateIdentity (dataDir: string, options: IdentityOptions): Promise<Identity> {
  let identity: Identity
  try {
    identity = await loadIdentity(dataDir, options)
  } catch (err) {
    if (errorCode(err) !== 'ERR_IDENTITY_MISSING' || (await presentIdentityFiles(identityPaths(dataDir))).length > 0) {
      throw err
    }
    // Not forced: if another process made one meanwhile, this refuses rather than replaces it.
    return createIdentity(dataDir, { crypto: options.crypto })
  }
  // A data dir made before keydir wrote revocation certificates gets one now.
  await ensureRevocationCertificate(dataDir, identity, options)
  return identity
}
