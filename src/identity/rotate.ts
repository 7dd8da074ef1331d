import { randomBytes } from 'node:crypto'
import { equals as uint8ArrayEquals } from 'uint8arrays/equals'
import { ML_DSA_65 } from '../crypto/types.js'
import { IdentityError } from '../errors.js'
import { createRotationProof } from '../record/index.js'
import { buildIdentity } from './build.js'
import { identityPaths, MAX_KEPT_HISTORY, MAX_PQ_KEY_FILE_BYTES } from './constants.js'
import { newKemSeeds, retiredAfterRotation } from './kem.js'
import { loadIdentity } from './load.js'
import { encodePqKey, type PqKeyFile } from './pq-key.js'
import { readSecretFile } from './read-secret-file.js'
import { writeSecretFile } from './write-secret-file.js'
import type { Identity, RotationOptions } from './types.js'
import type { RotationLink } from '../record/types.js'

/** A rotation made but not yet written: the new identity, and `commit()`, which writes it to pq.key. */
export interface PendingRotation {
  identity: Identity
  /**
   * Write pq.key (atomically: temp file, fsync, rename, directory fsync).
   * Resolves once pq.key holds the new keys; rejects only while it still
   * holds the old ones, so a caller switches to the new identity exactly
   * when a restart would load it.
   */
  commit: () => Promise<void>
}

/**
 * Replace the ML-DSA-65 and KEM (X-Wing: ML-KEM-768 + X25519) keys with
 * fresh ones, handed over by a rotation proof signed with the current
 * ML-DSA-65 key. The libp2p key and PeerId stay. The previous proof, with
 * the key it handed over to (the current one), joins the history, newest
 * first (at most MAX_KEPT_HISTORY kept). The current KEM seed joins the
 * retired ones with `options.lastSeq` and the time, for
 * `options.envelopeGraceMs` (default 7 days; at most MAX_RETIRED_KEMS
 * kept), so messages sealed to it just before still open. pq.key is
 * rewritten atomically, so a crash leaves either the old keys or the new
 * keys with their proofs; the old ML-DSA-65 seed is not kept.
 */
export async function rotateIdentity (dataDir: string, identity: Identity, options: RotationOptions): Promise<Identity> {
  const rotation = await prepareRotation(dataDir, identity, options)
  await rotation.commit()
  return rotation.identity
}

/**
 * rotateIdentity in two steps, so that a caller can sign with the new keys
 * before they replace the old ones on disk: check that `identity` is the one
 * on disk and make the new keys and their proof, then `commit()`.
 */
export async function prepareRotation (dataDir: string, identity: Identity, options: RotationOptions): Promise<PendingRotation> {
  const paths = identityPaths(dataDir)
  // Rotating from keys that are no longer the ones on disk (another process
  // rotated or replaced them) would throw away keys peers have pinned.
  const onDisk = await loadIdentity(dataDir, options)
  if (!onDisk.peerId.equals(identity.peerId) || !uint8ArrayEquals(onDisk.mlDsaSigner.publicKey, identity.mlDsaSigner.publicKey)) {
    throw new IdentityError('ERR_IDENTITY_CHANGED',
      `the identity in ${paths.dir} is not the one this node holds (rotated or replaced by another process?): ` +
      'restart the node to load it, then rotate again')
  }

  const mlDsaSeed = new Uint8Array(randomBytes(ML_DSA_65.seed))
  const newSigner = options.crypto.mlDsa65.createSigner(mlDsaSeed)
  const pq: PqKeyFile = {
    mlDsaSeed,
    ...newKemSeeds(),
    rotation: createRotationProof(identity.peerId, identity.mlDsaSigner, newSigner.publicKey),
    history: historyAfter(identity),
    retiredKem: retiredAfterRotation(identity, options.lastSeq ?? 0, options.now ?? Date.now(), options.envelopeGraceMs)
  }
  const bytes = encodePqKey(pq)
  return {
    identity: buildIdentity(identity.privateKey, pq, options.crypto),
    commit: async () => {
      try {
        await writeSecretFile(paths.pqKey, bytes)
      } catch (err) {
        // writeSecretFile fails after its rename only when flushing the
        // directory fails: pq.key then holds the new keys, and those are the
        // ones the node must use from now on.
        if (!await holds(paths.pqKey, bytes)) throw err
      }
    }
  }
}

/**
 * Every hand-over the identity keeps, newest first: its rotation proof with
 * the key it hands over to (the current one), then its history. Empty before
 * a first rotation. What a peer pinned further back than a record reaches
 * is answered from (docs/record-format.md, "Beyond the bound").
 */
export function handOversOf (identity: Identity): RotationLink[] {
  if (identity.rotation == null) return []
  const current: RotationLink = { ...identity.rotation, mlDsaPublicKey: identity.mlDsaSigner.publicKey }
  return [current, ...(identity.history ?? [])]
}

/** The hand-overs before the new proof: the current key's own proof, then those before it. */
function historyAfter (identity: Identity): RotationLink[] {
  return handOversOf(identity).slice(0, MAX_KEPT_HISTORY)
}

async function holds (path: string, bytes: Uint8Array): Promise<boolean> {
  try {
    const current = await readSecretFile(path, MAX_PQ_KEY_FILE_BYTES)
    return current !== undefined && uint8ArrayEquals(current, bytes)
  } catch {
    return false
  }
}
