import { join } from 'node:path'

/** Where a node's identity lives inside its data directory. */
export const IDENTITY_DIR = 'identity'
/** The Ed25519 libp2p private key, in the libp2p protobuf form. */
export const LIBP2P_KEY_FILE = 'libp2p.key'
/** The ML-DSA-65 / ML-KEM-768 / X-Wing seeds, the latest rotation proof, the hand-overs before it and the retired KEM seeds (protobuf/identity.proto). */
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
 * Largest identity file read (libp2p.key is 68 bytes); anything bigger is
 * not ours, and a huge file must not be read into memory to find that out.
 */
export const MAX_IDENTITY_FILE_BYTES = 16 * 1024

/**
 * Hand-overs pq.key keeps besides the latest rotation proof, newest first; a
 * rotation past this drops the oldest. They are what the node's records
 * carry (the newest MAX_HISTORY_LINKS) and what it can hand a peer pinned
 * further back.
 */
export const MAX_KEPT_HISTORY = 64

/**
 * Retired KEM keys pq.key keeps at most, newest first: a rotation past this
 * drops the oldest even within the grace time.
 */
export const MAX_RETIRED_KEMS = 8

/** How long a rotation keeps the KEM key it replaces, so messages sealed to it still open: 7 days. */
export const DEFAULT_ENVELOPE_GRACE_MS = 7 * 24 * 60 * 60 * 1000

/**
 * Largest pq.key read: about 3.5 KB of seeds and rotation proof, and 5,300
 * bytes per kept hand-over (a key and a signature), so 344 KB at most.
 */
export const MAX_PQ_KEY_FILE_BYTES = 512 * 1024

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
