import { equals as uint8ArrayEquals } from 'uint8arrays/equals'
import { PqIdentity } from '../../protobuf/identity.js'
import { ML_DSA_65, ML_KEM_768 } from '../crypto/types.js'
import { FINGERPRINT_LENGTH } from '../record/constants.js'
import { corrupt } from './read-secret-file.js'
import type { RotationProof } from '../record/types.js'

/** What pq.key holds (protobuf/identity.proto). */
export interface PqKeyFile {
  mlDsaSeed: Uint8Array
  mlKemSeed: Uint8Array
  rotation?: RotationProof
}

export function encodePqKey (file: PqKeyFile): Uint8Array {
  return PqIdentity.encode({
    mlDsaSeed: file.mlDsaSeed as Uint8Array<ArrayBuffer>,
    mlKemSeed: file.mlKemSeed as Uint8Array<ArrayBuffer>,
    rotation: file.rotation == null
      ? undefined
      : {
          previousFingerprint: file.rotation.previousFingerprint as Uint8Array<ArrayBuffer>,
          signature: file.rotation.signature as Uint8Array<ArrayBuffer>
        }
  })
}

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
  const file: PqKeyFile = { mlDsaSeed: message.mlDsaSeed, mlKemSeed: message.mlKemSeed, rotation }
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
