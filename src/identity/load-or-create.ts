import { errorCode } from '../errors.js'
import { identityPaths } from './constants.js'
import { createIdentity } from './create.js'
import { ensureKemSeed } from './kem.js'
import { loadIdentity } from './load.js'
import { presentIdentityFiles } from './present.js'
import { ensureRevocationCertificate } from './revocation-cert.js'
import type { Identity, IdentityOptions } from './types.js'

export interface LoadOrCreateIdentityOptions extends IdentityOptions {
  /** Called when a pq.key of an older keydir got its X-Wing KEM seed (see ensureKemSeed), so the caller can say so. */
  onKemSeedAdded?: (identity: Identity) => void
}

/**
 * Load the identity, or make one on a first run (`npm start` without
 * `keydir init`), and make sure its revocation certificate is in the data
 * dir (checked, or signed now if missing). Only a data directory with neither identity file gets a
 * new one; half an identity is an error, never silently replaced. A pq.key
 * of an older keydir, without an X-Wing KEM seed, gets one (ensureKemSeed:
 * a new ML-KEM-768 key) and `onKemSeedAdded` is called.
 */
export async function loadOrCreateIdentity (dataDir: string, options: LoadOrCreateIdentityOptions): Promise<Identity> {
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
  const upgrade = await ensureKemSeed(dataDir, identity, options)
  if (upgrade.upgraded) options.onKemSeedAdded?.(upgrade.identity)
  // A data dir made before keydir wrote revocation certificates gets one now.
  await ensureRevocationCertificate(dataDir, upgrade.identity, options)
  return upgrade.identity
}
