import { access, rename } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { errorCode, IdentityError } from '../errors.js'
import { createRevocation, RevocationValidator, unmarshalRevocation } from '../record/index.js'
import { identityPaths } from './constants.js'
import { readSecretFile } from './read-secret-file.js'
import { writeSecretFile } from './write-secret-file.js'
import type { Identity, IdentityOptions } from './types.js'
import type { RevocationCertificate, RevocationReason } from '../record/index.js'
import type { PeerId } from '@libp2p/interface'

/**
 * The identity's pre-signed revocation certificate, `<dataDir>/revocation.cert`:
 * the raw certificate bytes (every byte covered by its two signatures),
 * owner-only, written atomically. With a copy kept offline, the owner can
 * revoke the identity after losing its keys or having them stolen.
 */

/** What `keydir init` tells the owner to do with the certificate. */
export const REVOCATION_CERT_ADVICE =
  'Keep a copy of it offline, off this machine: with it you can revoke this identity even after its keys are lost or stolen. ' +
  'Anyone who has it can revoke the identity, so keep it private.'

export interface OwnRevocationCertificate {
  /** `<dataDir>/revocation.cert` */
  path: string
  certificate: RevocationCertificate
  /** Whether this call wrote the file (it was missing). */
  written: boolean
  /** Where a certificate of another PeerId, found at `path`, was moved (`revocation.<PeerId>.cert`). */
  movedAside?: string
}

export interface OwnRevocationOptions {
  /** Default `unspecified`: the pre-signed certificate says nothing of a cause not yet known. */
  reason?: RevocationReason
  /** Unix milliseconds. Default now. */
  issuedAt?: number
}

/**
 * A revocation of this identity, signed now with its live keys: the
 * libp2p key and the current ML-DSA-65 key, carrying the identity's latest
 * rotation proof so that nodes still pinned at the previous key can link it.
 */
export async function createOwnRevocation (identity: Identity, options: OwnRevocationOptions = {}): Promise<RevocationCertificate> {
  return createRevocation({
    privateKey: identity.privateKey,
    mlDsaSigner: identity.mlDsaSigner,
    rotation: identity.rotation,
    reason: options.reason,
    issuedAt: options.issuedAt
  })
}

/**
 * Read `<dataDir>/revocation.cert` back and check it: a valid certificate
 * revoking `peerId`, both signatures good (its issue time is not held
 * against the clock: it is this node's own). Undefined when there is none.
 * IdentityError ERR_REVOCATION_CERT_CORRUPT for anything else it holds
 * (ERR_IDENTITY_PERMISSIONS when others can read it).
 */
export async function readRevocationCertificate (dataDir: string, peerId: PeerId, options: IdentityOptions): Promise<RevocationCertificate | undefined> {
  const path = identityPaths(dataDir).revocationCert
  const bytes = await readCertificateFile(path)
  if (bytes === undefined) return undefined
  try {
    return ownFileValidator(options).validate(peerId, bytes)
  } catch (err) {
    throw corruptCertificate(path, err)
  }
}

/**
 * Make sure the data dir holds this identity's revocation certificate:
 * a data dir made before keydir wrote them gets one, signed now (reason
 * `unspecified`). One that is there is checked and kept as it is, even if
 * an earlier ML-DSA-65 key signed it (it still revokes; see
 * docs/record-format.md). A certificate of another PeerId (the identity
 * was replaced) is moved aside to `revocation.<PeerId>.cert`, not lost: it
 * is what revokes that identity. A damaged file is an error, never
 * silently replaced.
 */
export async function ensureRevocationCertificate (dataDir: string, identity: Identity, options: IdentityOptions): Promise<OwnRevocationCertificate> {
  const path = identityPaths(dataDir).revocationCert
  const bytes = await readCertificateFile(path)
  let movedAside: string | undefined
  if (bytes !== undefined) {
    try {
      return { path, certificate: ownFileValidator(options).validate(identity.peerId, bytes), written: false }
    } catch (err) {
      if (errorCode(err) !== 'ERR_REVOCATION_PEER_MISMATCH') throw corruptCertificate(path, err)
      movedAside = await moveAside(path, bytes)
    }
  }
  const certificate = await createOwnRevocation(identity)
  await writeSecretFile(path, certificate.bytes)
  return { path, certificate, written: true, movedAside }
}

/** The file's bytes (owner-only, a regular file, at most 16 KiB), or undefined if it does not exist. */
async function readCertificateFile (path: string): Promise<Uint8Array | undefined> {
  try {
    return await readSecretFile(path)
  } catch (err) {
    // readSecretFile's own advice for a damaged file (a new identity) is not what this file needs.
    if (errorCode(err) === 'ERR_IDENTITY_CORRUPT') throw corruptCertificate(path, err)
    throw err
  }
}

/** The file is the node's own: its issue time is not held against the clock (which may have moved back since). */
function ownFileValidator (options: IdentityOptions): RevocationValidator {
  return new RevocationValidator({ crypto: options.crypto, maxClockSkewMs: Number.POSITIVE_INFINITY })
}

/** Rename a certificate of another PeerId to `revocation.<PeerId>.cert` beside it (with its time if that name is taken). */
async function moveAside (path: string, bytes: Uint8Array): Promise<string> {
  const { peerId } = unmarshalRevocation(bytes)
  let target = join(dirname(path), `revocation.${peerId.toString()}.cert`)
  if (await exists(target)) target = join(dirname(path), `revocation.${peerId.toString()}.${Date.now()}.cert`)
  try {
    await rename(path, target)
  } catch (err) {
    throw new IdentityError('ERR_IDENTITY_WRITE_FAILED',
      `cannot move ${path}, the revocation certificate of ${peerId.toString()}, aside to ${target} (${(err as NodeJS.ErrnoException).code ?? String(err)})`, { cause: err })
  }
  return target
}

async function exists (path: string): Promise<boolean> {
  try {
    await access(path)
    return true
  } catch {
    return false
  }
}

function corruptCertificate (path: string, cause: unknown): IdentityError {
  return new IdentityError('ERR_REVOCATION_CERT_CORRUPT',
    `${path} is not a valid revocation certificate for this identity (${errorCode(cause)}: ${(cause as Error).message}): ` +
    'if you have a copy, put it back; otherwise delete the file, and keydir signs a new one at the next start',
    { cause })
}
