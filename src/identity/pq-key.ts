import { equals as uint8ArrayEquals } from 'uint8arrays/equals'
import { PqIdentity } from '../../protobuf/identity.js'
import { fingerprint } from '../crypto/index.js'
import { ML_DSA_65, ML_KEM_768 } from '../crypto/types.js'
import { expandXWingSeed, X_WING } from '../crypto/x-wing.js'
import { IdentityError } from '../errors.js'
import { FINGERPRINT_LENGTH } from '../record/constants.js'
import { protonsMisencodesUint64 } from '../util/protons-uint64.js'
import { MAX_KEPT_HISTORY, MAX_RETIRED_KEMS } from './constants.js'
import { corrupt } from './read-secret-file.js'
import type { RetiredKem } from './types.js'
import type { RotationLink, RotationProof } from '../record/types.js'

/** What pq.key holds (protobuf/identity.proto). */
export interface PqKeyFile {
  mlDsaSeed: Uint8Array
  mlKemSeed: Uint8Array
  rotation?: RotationProof
  /** The hand-overs before `rotation`, newest first, at most MAX_KEPT_HISTORY; absent or empty when none. */
  history?: RotationLink[]
  /** The X-Wing seed `mlKemSeed` is derived from; absent in files of older keydir versions. */
  kemSeed?: Uint8Array
  /** Retired KEM keys, newest first, at most MAX_RETIRED_KEMS; absent or empty when none. */
  retiredKem?: RetiredKem[]
}

export function encodePqKey (file: PqKeyFile): Uint8Array {
  for (const retired of file.retiredKem ?? []) {
    for (const [field, value] of [['lastSeq', retired.lastSeq], ['retiredAt', retired.retiredAt]] as const) {
      if (!Number.isSafeInteger(value) || value < 0 || protonsMisencodesUint64(value)) {
        throw new IdentityError('ERR_IDENTITY_FIELD_RANGE', `a retired KEM key's ${field} ${value} cannot be written (a safe integer outside 2^31 … 2^32 - 1 is needed)`)
      }
    }
  }
  return PqIdentity.encode({
    mlDsaSeed: file.mlDsaSeed as Uint8Array<ArrayBuffer>,
    mlKemSeed: file.mlKemSeed as Uint8Array<ArrayBuffer>,
    rotation: file.rotation == null
      ? undefined
      : {
          previousFingerprint: file.rotation.previousFingerprint as Uint8Array<ArrayBuffer>,
          signature: file.rotation.signature as Uint8Array<ArrayBuffer>
        },
    history: (file.history ?? []).map(link => ({
      previousFingerprint: link.previousFingerprint as Uint8Array<ArrayBuffer>,
      signature: link.signature as Uint8Array<ArrayBuffer>,
      mlDsaPublicKey: link.mlDsaPublicKey as Uint8Array<ArrayBuffer>
    })),
    kemSeed: (file.kemSeed ?? EMPTY) as Uint8Array<ArrayBuffer>,
    retiredKem: (file.retiredKem ?? []).map(retired => ({
      kemSeed: retired.kemSeed as Uint8Array<ArrayBuffer>,
      lastSeq: BigInt(retired.lastSeq),
      retiredAt: BigInt(retired.retiredAt)
    }))
  })
}

const EMPTY = new Uint8Array(0)

/** Decode pq.key, checking every length. `path` names the file in the error. */
export function decodePqKey (bytes: Uint8Array, path: string): PqKeyFile {
  let message: PqIdentity
  try {
    message = PqIdentity.decode(bytes)
  } catch (err) {
    throw corrupt(path, 'is not a valid PqIdentity protobuf', err)
  }
  expectLength(path, 'ML-DSA-65 seed', message.mlDsaSeed, ML_DSA_65.seed)
  expectLength(path, 'ML-KEM-768 seed', message.mlKemSeed, ML_KEM_768.seed)
  let rotation: RotationProof | undefined
  if (message.rotation != null) {
    expectLength(path, 'rotation fingerprint', message.rotation.previousFingerprint, FINGERPRINT_LENGTH)
    expectLength(path, 'rotation signature', message.rotation.signature, ML_DSA_65.signature)
    rotation = { previousFingerprint: message.rotation.previousFingerprint, signature: message.rotation.signature }
  }
  if (message.history.length > MAX_KEPT_HISTORY) {
    throw corrupt(path, `has ${message.history.length} hand-overs, more than the ${MAX_KEPT_HISTORY} keydir keeps`)
  }
  const history: RotationLink[] = message.history.map(link => {
    expectLength(path, 'hand-over fingerprint', link.previousFingerprint, FINGERPRINT_LENGTH)
    expectLength(path, 'hand-over signature', link.signature, ML_DSA_65.signature)
    expectLength(path, 'hand-over key', link.mlDsaPublicKey, ML_DSA_65.publicKey)
    return { previousFingerprint: link.previousFingerprint, signature: link.signature, mlDsaPublicKey: link.mlDsaPublicKey }
  })
  // Each hand-over's key is the one the newer hand-over comes from; anything else is damage.
  let from = rotation?.previousFingerprint
  for (const link of history) {
    if (from === undefined || !uint8ArrayEquals(fingerprint(link.mlDsaPublicKey), from)) {
      throw corrupt(path, 'has hand-overs that do not join up with its rotation proof')
    }
    from = link.previousFingerprint
  }
  const file: PqKeyFile = { mlDsaSeed: message.mlDsaSeed, mlKemSeed: message.mlKemSeed, rotation }
  if (history.length > 0) file.history = history
  if (message.kemSeed.length !== 0) {
    expectLength(path, 'X-Wing KEM seed', message.kemSeed, X_WING.seed)
    // The ML-KEM-768 seed is kept for older readers; the two must name one key.
    if (!uint8ArrayEquals(expandXWingSeed(message.kemSeed).mlKemSeed, message.mlKemSeed)) {
      throw corrupt(path, 'has an ML-KEM-768 seed that is not the one its X-Wing KEM seed derives')
    }
    file.kemSeed = message.kemSeed
  }
  if (message.retiredKem.length > MAX_RETIRED_KEMS) {
    throw corrupt(path, `has ${message.retiredKem.length} retired KEM keys, more than the ${MAX_RETIRED_KEMS} keydir keeps`)
  }
  const retiredKem: RetiredKem[] = message.retiredKem.map(retired => {
    // Empty: erased past the grace time (identity/kem.ts, eraseExpiredKems).
    if (retired.kemSeed.length !== 0) expectLength(path, 'retired X-Wing KEM seed', retired.kemSeed, X_WING.seed)
    if (retired.lastSeq > BigInt(Number.MAX_SAFE_INTEGER) || retired.retiredAt > BigInt(Number.MAX_SAFE_INTEGER)) {
      throw corrupt(path, 'has a retired KEM key with a seq or time beyond 2^53 - 1')
    }
    return { kemSeed: retired.kemSeed, lastSeq: Number(retired.lastSeq), retiredAt: Number(retired.retiredAt) }
  })
  if (retiredKem.length > 0) file.retiredKem = retiredKem
  // We only ever write the canonical encoding: anything else (appended
  // bytes, unknown or repeated fields) is damage, not a variant.
  if (!uint8ArrayEquals(encodePqKey(file), bytes)) {
    throw corrupt(path, 'has bytes that are not part of a PqIdentity')
  }
  return file
}

function expectLength (path: string, what: string, bytes: Uint8Array, length: number): void {
  if (bytes.length !== length) {
    throw corrupt(path, `has a ${what} of ${bytes.length} bytes, not ${length}`)
  }
}
