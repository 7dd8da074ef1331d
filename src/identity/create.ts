import { randomBytes } from 'node:crypto'
import { chmod, mkdir } from 'node:fs/promises'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { ML_DSA_65 } from '../crypto/types.js'
import { IdentityError } from '../errors.js'
import { buildIdentity } from './build.js'
import { IDENTITY_DIR_MODE, identityPaths } from './constants.js'
import { newKemSeeds } from './kem.js'
import { encodeLibp2pKey } from './libp2p-key.js'
import { encodePqKey, type PqKeyFile } from './pq-key.js'
import { presentIdentityFiles } from './present.js'
import { ensureRevocationCertificate } from './revocation-cert.js'
import { writeSecretFile } from './write-secret-file.js'
import type { CreateIdentityOptions, Identity } from './types.js'

/**
 * Make a new identity in `<dataDir>/identity/`: a fresh Ed25519 libp2p key
 * and fresh ML-DSA-65 / X-Wing seeds (the ML-KEM-768 seed derived from
 * the X-Wing one), and its pre-signed revocation
 * certificate, `<dataDir>/revocation.cert` (a replaced identity's
 * certificate is moved aside, see ensureRevocationCertificate). Refuses to replace an existing
 * identity (ERR_IDENTITY_EXISTS) unless `force` is set.
 */
export async function createIdentity (dataDir: string, options: CreateIdentityOptions): Promise<Identity> {
  const paths = identityPaths(dataDir)
  const present = await presentIdentityFiles(paths)
  if (present.length > 0 && options.force !== true) {
    throw new IdentityError('ERR_IDENTITY_EXISTS',
      `an identity already exists (${present.join(', ')}): pass --force to replace it. ` +
      'Replacing it gives this node a new PeerId, and peers will no longer know it by the old one')
  }

  try {
    await mkdir(paths.dir, { recursive: true, mode: IDENTITY_DIR_MODE })
    // mkdir leaves an existing directory's mode alone.
    await chmod(paths.dir, IDENTITY_DIR_MODE)
  } catch (err) {
    throw new IdentityError('ERR_IDENTITY_WRITE_FAILED',
      `cannot make ${paths.dir} (${(err as NodeJS.ErrnoException).code ?? String(err)}): ` +
      'check that the data directory path is a directory and belongs to the user running keydir', { cause: err })
  }

  const privateKey = await generateKeyPair('Ed25519')
  // The ML-KEM-768 seed is the X-Wing seed's: one KEM key, for KEM alone or hybrid with X25519.
  const pq: PqKeyFile = {
    mlDsaSeed: new Uint8Array(randomBytes(ML_DSA_65.seed)),
    ...newKemSeeds()
  }
  const identity = buildIdentity(privateKey, pq, options.crypto)
  // libp2p.key first: if a forced replace stops half way, the node has a new
  // PeerId nobody has pinned yet, rather than its old PeerId with PQ keys
  // that no rotation proof vouches for.
  await writeSecretFile(paths.libp2pKey, encodeLibp2pKey(privateKey))
  await writeSecretFile(paths.pqKey, encodePqKey(pq))
  // Last: a crash before it leaves a whole identity, which gets its
  // certificate at the next start (loadOrCreateIdentity).
  await ensureRevocationCertificate(dataDir, identity, options)
  return identity
}
