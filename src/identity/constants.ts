import { join } from 'node:path'

/** Where a node's identity lives inside its data directory. */
export const IDENTITY_DIR = 'identity'
/** The Ed25519 libp2p private key, in the libp2p protobuf form. */
export const LIBP2P_KEY_FILE = 'libp2p.key'
/** The ML-DSA-65 / ML-KEM-768 seeds and the latest rotation proof (protobuf/identity.proto). */
export const PQ_KEY_FILE = 'pq.key'

/**
 * The identity's pre-signed revocation certificate, in the data dir itself
 * (not in identity/): what the owner copies offline, and what revokes the
 * identity if its keys are lost or stolen (docs/record-format.md).
 */
export const REVOCATION_CERT_FILE = 'revocation.cert'

/** Secret files are the owner's alone; the directory too, so no one else can list or swap them. */
export const SECRET_FILE_MODE = 0o600
export const IDENTITY_DIR_MODE = 0o700
/** Mode bits that make a secret file readable or writable by group or others. */
export const UNSAFE_MODE_BITS = 0o066

/**
 * Largest identity file read. libp2p.key is 68 bytes and pq.key about 3.5 KB
 * with a rotation proof; anything bigger is not ours, and a huge file must
 * not be read into memory to find that out.
 */
export const MAX_IDENTITY_FILE_BYTES = 16 * 1024

/** Whether this platform has POSIX permission bits worth checking (Windows has ACLs instead). */
export const HAS_POSIX_MODES = process.platform !== 'win32'

export interface IdentityPaths {
  /** `<dataDir>/identity` */
  dir: string
  libp2pKey: string
  pqKey: string
  /** `<dataDir>/revocation.cert` */
  revocationCert: string
}

export function identityPaths (dataDir: string): IdentityPaths {
  const dir = join(dataDir, IDENTITY_DIR)
  return { dir, libp2pKey: join(dir, LIBP2P_KEY_FILE), pqKey: join(dir, PQ_KEY_FILE), revocationCert: join(dataDir, REVOCATION_CERT_FILE) }
}
