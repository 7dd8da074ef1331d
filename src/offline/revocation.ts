import { verifyEd25519 } from '../crypto/ed25519.js'
import { fingerprint } from '../crypto/index.js'
import { MAX_CLOCK_SKEW_MS, REVOCATION_CONTEXT, revocationSignedBytes, RevocationValidator } from '../record/index.js'
import { checkThat, failed, isoTime, passed, refusalOf, shortHex, validatorCheck, type Check, type Checklist, type Unchecked } from './checklist.js'
import type { OfflineCheckOptions } from './record.js'
import type { RevocationCertificate } from '../record/index.js'

/**
 * Check a decoded revocation certificate (its structure held:
 * unmarshalRevocation) as a node that has not pinned the peer would: both
 * signatures, each on its own, and its issue time at `at`. A certificate
 * does not expire. RevocationValidator has the last word.
 */
export function checkRevocation (certificate: RevocationCertificate, options: OfflineCheckOptions): Checklist {
  const signed = revocationSignedBytes(certificate)
  const peer = certificate.peerId.toString()
  const key = shortHex(fingerprint(certificate.mlDsaPublicKey))
  const checks: Check[] = [
    passed('structure', 'well-formed: the canonical encoding, field lengths and ranges, an Ed25519 PeerId, a known reason'),
    checkThat('ed25519-signature', verifyEd25519(certificate.peerId.publicKey!.raw, signed, certificate.libp2pSignature),
      'Ed25519 signature by the PeerId\'s key', 'ERR_REVOCATION_BAD_LIBP2P_SIGNATURE',
      `the Ed25519 signature by the PeerId's key does not verify: the certificate was altered, or not signed by ${peer}`),
    checkThat('ml-dsa-signature', options.crypto.mlDsa65.verify(certificate.mlDsaPublicKey, signed, certificate.mlDsaSignature, REVOCATION_CONTEXT),
      `ML-DSA-65 signature by the certificate's key (${key})`, 'ERR_REVOCATION_BAD_ML_DSA_SIGNATURE',
      'the ML-DSA-65 signature by the certificate\'s key does not verify: the certificate was altered, or its key did not sign it')
  ]
  const refusal = refusalOf(() => new RevocationValidator({ crypto: options.crypto, now: () => options.at, verifiedCacheSize: 1 }).validate(certificate.peerId, certificate.bytes))
  checks.push(refusal?.code === 'ERR_REVOCATION_ISSUED_IN_FUTURE'
    ? failed('issue-time', refusal.code, `issued at ${isoTime(certificate.issuedAt)}, more than ${MAX_CLOCK_SKEW_MS / 60_000} minutes after ${isoTime(options.at)}, the time checked at`)
    : passed('issue-time', `issued at ${isoTime(certificate.issuedAt)}, not after ${isoTime(options.at)} (a certificate does not expire)`))

  const unchecked: Unchecked[] = []
  if (certificate.rotation != null) {
    unchecked.push({
      name: 'hand-over',
      text: `the hand-over from key ${shortHex(certificate.rotation.previousFingerprint)} to the certificate's key ${key}: ` +
        'the certificate names that key by its fingerprint only; a node pinned at it checks this hand-over'
    })
  }
  return {
    checks: validatorCheck(checks, refusal, 'revocation-validator'),
    unchecked,
    proves: `whoever holds ${peer}'s Ed25519 key and the ML-DSA-65 key ${key} declared that identity dead (reason: ${certificate.reason}): ` +
      'a node that never pinned the peer takes it, as strongly as Ed25519.',
    doesNotProve: `that ${key} is the key nodes pinned for the peer: a node that pinned it takes the certificate only when it is signed by the pinned key, ` +
      'one the peer held before it, or one the pinned key handed over to.'
  }
}
