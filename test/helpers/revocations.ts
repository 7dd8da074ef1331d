import { REVOCATION_CONTEXT, createRevocation, marshalRevocation, revocationSignedBytes } from '../../src/record/index.js'
import type { RevocationCertificate, RevocationContent, RevocationReason, RotationProof } from '../../src/record/index.js'
import type { MlDsaSigner } from '../../src/crypto/types.js'
import type { TestIdentity } from './records.js'
import type { PrivateKey } from '@libp2p/interface'

/** Revocation certificates of test identities, and bytes signed by any keys at all (for forgeries). */

export interface MakeRevocationOptions {
  reason?: RevocationReason
  /** Unix milliseconds; default now. */
  issuedAt?: number
  rotation?: RotationProof
}

export async function makeRevocation (identity: TestIdentity, options: MakeRevocationOptions = {}): Promise<RevocationCertificate> {
  return createRevocation({ privateKey: identity.privateKey, mlDsaSigner: identity.mlDsaSigner, ...options })
}

/**
 * The certificate bytes for `content`, its signed bytes signed by whichever
 * keys are given: another peer's libp2p key, an ML-DSA-65 key other than
 * the one named, and so on. No check is made.
 */
export async function signRevocationWith (content: RevocationContent, privateKey: PrivateKey, mlDsaSigner: MlDsaSigner): Promise<Uint8Array> {
  const signed = revocationSignedBytes(content)
  return marshalRevocation(content, await privateKey.sign(signed), mlDsaSigner.sign(signed, REVOCATION_CONTEXT))
}
