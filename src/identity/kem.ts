import { randomBytes } from 'node:crypto'
import { equals as uint8ArrayEquals } from 'uint8arrays/equals'
import { expandXWingSeed, X_WING } from '../crypto/x-wing.js'
import { IdentityError } from '../errors.js'
import { buildIdentity } from './build.js'
import { DEFAULT_ENVELOPE_GRACE_MS, identityPaths, MAX_RETIRED_KEMS } from './constants.js'
import { loadIdentity } from './load.js'
import { encodePqKey, type PqKeyFile } from './pq-key.js'
import { writeSecretFile } from './write-secret-file.js'
import type { Identity, IdentityOptions, RetiredKem } from './types.js'

/** A fresh X-Wing seed and the ML-KEM-768 seed d || z it derives. */
export function newKemSeeds (): { kemSeed: Uint8Array, mlKemSeed: Uint8Array } {
  const kemSeed = new Uint8Array(randomBytes(X_WING.seed))
  return { kemSeed, mlKemSeed: expandXWingSeed(kemSeed).mlKemSeed }
}

/**
 * The retired KEM keys as kept at `now`, newest first, at most
 * MAX_RETIRED_KEMS: those retired `graceMs` ago or longer have their seed
 * erased (an empty `kemSeed`) but keep their `lastSeq` and `retiredAt`, so
 * an envelope to them is refused as retired, not tried with another key.
 */
export function eraseExpiredKems (retired: RetiredKem[], now: number, graceMs: number = DEFAULT_ENVELOPE_GRACE_MS): RetiredKem[] {
  return retired.slice(0, MAX_RETIRED_KEMS).map(entry => isLive(entry, now, graceMs) ? entry : { ...entry, kemSeed: ERASED })
}

/** Whether a retired key still opens envelopes: its seed is kept and it was retired less than `graceMs` ago. */
export function isLive (entry: RetiredKem, now: number, graceMs: number): boolean {
  return entry.kemSeed.length !== 0 && now - entry.retiredAt < graceMs
}

const ERASED = new Uint8Array(0)

/**
 * Write pq.key without the seeds of retired KEM keys past the grace time
 * (eraseExpiredKems), atomically, if it holds any: so that a node that
 * does not rotate again (or is revoked) does not keep them on disk. The
 * identity on disk must be `identity` (ERR_IDENTITY_CHANGED otherwise).
 * Returns the identity as it now is.
 */
export async function eraseExpiredKemSeeds (dataDir: string, identity: Identity, options: IdentityOptions & { now: number, graceMs: number }): Promise<Identity> {
  if (identity.retiredKem.every(entry => entry.kemSeed.length === 0 || isLive(entry, options.now, options.graceMs))) return identity
  const onDisk = await loadIdentity(dataDir, options)
  if (!onDisk.peerId.equals(identity.peerId) || !uint8ArrayEquals(onDisk.mlDsaSigner.publicKey, identity.mlDsaSigner.publicKey)) {
    throw new IdentityError('ERR_IDENTITY_CHANGED',
      `the identity in ${identityPaths(dataDir).dir} is not the one this node holds (rotated or replaced by another process?): restart the node to load it`)
  }
  const file: PqKeyFile = { ...pqKeyFileOf(identity), retiredKem: eraseExpiredKems(identity.retiredKem, options.now, options.graceMs) }
  await writeSecretFile(identityPaths(dataDir).pqKey, encodePqKey(file))
  return buildIdentity(identity.privateKey, file, options.crypto)
}

/**
 * What pq.key keeps after a rotation away from `identity`'s KEM key: that
 * key (retired now, after the record of seq `lastSeq`), then the ones it
 * already kept, those past the grace time erased (eraseExpiredKems). An
 * identity without a KEM seed (never upgraded) has nothing to retire.
 */
export function retiredAfterRotation (identity: Identity, lastSeq: number, now: number, graceMs: number = DEFAULT_ENVELOPE_GRACE_MS): RetiredKem[] {
  const current: RetiredKem[] = identity.kemSeed === undefined ? [] : [{ kemSeed: identity.kemSeed, lastSeq, retiredAt: now }]
  return eraseExpiredKems([...current, ...identity.retiredKem], now, graceMs)
}

/** The pq.key content of `identity`, as it would be written back. */
export function pqKeyFileOf (identity: Identity): PqKeyFile {
  const file: PqKeyFile = { mlDsaSeed: identity.mlDsaSeed, mlKemSeed: identity.mlKemSeed, rotation: identity.rotation }
  if (identity.history != null && identity.history.length > 0) file.history = identity.history
  if (identity.kemSeed !== undefined) file.kemSeed = identity.kemSeed
  if (identity.retiredKem.length > 0) file.retiredKem = identity.retiredKem
  return file
}

/**
 * Give an identity from an older keydir (a pq.key without an X-Wing KEM
 * seed) one: a fresh random seed, and the ML-KEM-768 seed it derives in
 * place of the old one, written to pq.key atomically (as a rotation writes
 * it). The old ML-KEM-768 key is not kept: no sealed message was ever
 * addressed to it. The ML-DSA-65 key, its proofs and the PeerId stay.
 * `upgraded` says whether anything changed; an identity that has a seed is
 * returned as it is.
 */
export async function ensureKemSeed (dataDir: string, identity: Identity, options: IdentityOptions): Promise<{ identity: Identity, upgraded: boolean }> {
  if (identity.kemSeed !== undefined) return { identity, upgraded: false }
  const onDisk = await loadIdentity(dataDir, options)
  if (!onDisk.peerId.equals(identity.peerId) || !uint8ArrayEquals(onDisk.mlDsaSigner.publicKey, identity.mlDsaSigner.publicKey)) {
    throw new IdentityError('ERR_IDENTITY_CHANGED',
      `the identity in ${identityPaths(dataDir).dir} is not the one this node holds (rotated or replaced by another process?): restart the node to load it`)
  }
  // Another process upgraded it meanwhile: use its seed.
  if (onDisk.kemSeed !== undefined) return { identity: onDisk, upgraded: false }
  const file: PqKeyFile = { ...pqKeyFileOf(onDisk), ...newKemSeeds() }
  await writeSecretFile(identityPaths(dataDir).pqKey, encodePqKey(file))
  return { identity: buildIdentity(identity.privateKey, file, options.crypto), upgraded: true }
}
