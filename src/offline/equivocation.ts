import { differingFields, recordDigest, validateEquivocationProof } from '../record/index.js'
import { passed, refusalOf, shortHex, validatorCheck, type Check, type Checklist } from './checklist.js'
import { recordSignatureChecks, type OfflineCheckOptions } from './record.js'
import type { EquivocationProof } from '../record/index.js'

/** A record of a proof with a bad signature makes the whole proof ERR_EVIDENCE_BAD_SIGNATURE, as the node refuses it. */
const PROOF_SIGNATURE_CODES = { libp2p: 'ERR_EVIDENCE_BAD_SIGNATURE', mlDsa: 'ERR_EVIDENCE_BAD_SIGNATURE' }

/**
 * Check a decoded equivocation proof (its structure and conflict held:
 * unmarshalEquivocationProof): both signatures of both records, each on
 * its own. No time check: a proof stays a proof when its records have
 * expired. validateEquivocationProof has the last word.
 */
export function checkEquivocationProof (proof: EquivocationProof, options: Pick<OfflineCheckOptions, 'crypto'>): Checklist {
  const [a, b] = proof.records
  const peer = proof.peerId.toString()
  const checks: Check[] = [
    passed('conflict', `two well-formed records of ${peer} with one seq, ${proof.seq}, and different signed content ` +
      `(they differ in ${differingFields(a, b).join(', ')})`),
    ...recordSignatureChecks(options.crypto, a, PROOF_SIGNATURE_CODES, `record A (sha256 ${shortHex(recordDigest(a))}): `, 'record-a-'),
    ...recordSignatureChecks(options.crypto, b, PROOF_SIGNATURE_CODES, `record B (sha256 ${shortHex(recordDigest(b))}): `, 'record-b-')
  ]
  const refusal = refusalOf(() => validateEquivocationProof(options.crypto, proof.bytes))
  return {
    checks: validatorCheck(checks, refusal, 'evidence-validator'),
    unchecked: [],
    proves: `whoever holds ${peer}'s Ed25519 key signed two different records with seq ${proof.seq}, and the ML-DSA-65 keys they carry signed them too: ` +
      'an honest keydir node never does, so its keys are in more than one pair of hands, or the node is hostile. Do not use its keys. ' +
      'The records\' times do not matter: a proof stays a proof.',
    doesNotProve: 'which record is genuine; nor that the ML-DSA-65 keys are the ones nodes pinned: someone holding the Ed25519 key alone can make a proof ' +
      'valid offline, so a node that pinned the peer takes it only when both records are signed by the pinned key or one it handed over to.'
  }
}
