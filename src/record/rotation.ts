import { equals as uint8ArrayEquals } from 'uint8arrays/equals'
import { fingerprint } from '../crypto/index.js'
import { ROTATION_CONTEXT, rotationSignedBytes } from './signed-bytes.js'
import type { KeyRecord } from './types.js'
import type { PqCrypto } from '../crypto/types.js'

/**
 * Whether `record` carries a valid hand-over from `pinnedMlDsaPublicKey` to
 * its own ML-DSA-65 key. Only a holder of the pinned key can make one.
 */
export function verifyRotationProof (crypto: PqCrypto, record: KeyRecord, pinnedMlDsaPublicKey: Uint8Array): boolean {
  const proof = record.rotation
  if (proof == null) {
    return false
  }
  if (!uint8ArrayEquals(proof.previousFingerprint, fingerprint(pinnedMlDsaPublicKey))) {
    return false
  }
  const signed = rotationSignedBytes(record.peerId, proof.previousFingerprint, record.mlDsaPublicKey)
  return crypto.mlDsa65.verify(pinnedMlDsaPublicKey, signed, proof.signature, ROTATION_CONTEXT)
}
