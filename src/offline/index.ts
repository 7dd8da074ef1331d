/**
 * The offline checker behind `keydir verify FILE`: what a key record, a
 * revocation certificate, an equivocation proof or a sealed envelope
 * proves, check by check, with no node, no network and no trust in
 * whoever handed the file over. Each check is the project's own: the
 * decoders and validators of `record` and `envelope`, the hand-over checks
 * of `signature`; the validators have the last word.
 *
 * @example
 * ```ts
 * import { checkFile, detectFile, holds } from './offline/index.js'
 *
 * const file = detectFile(bytes)                 // throws UnverifiableFileError for none of the kinds
 * const list = await checkFile(file, { crypto, at: Date.now() })
 * holds(list)                                    // every check held
 * list.checks                                    // [{ name: 'ed25519-signature', ok: true, text }, ...]
 * ```
 */
import { checkThat, type Checklist } from './checklist.js'
import { checkEnvelope, type EnvelopeCheckOptions, type EnvelopeChecklist } from './envelope.js'
import { checkEquivocationProof } from './equivocation.js'
import { checkKeyRecord } from './record.js'
import { checkRevocation } from './revocation.js'
import type { DetectedFile } from './detect.js'

export { complete, firstFailure, holds, isoTime, type Check, type Checklist, type Unchecked } from './checklist.js'
export { aKind, detectFile, KIND_NAMES, maxFileBytes, MAX_KIND_BYTES, strictBase64, VERIFIABLE_KINDS, type DetectedFile, type DetectedValue, type DetectOptions, type FileForm, type VerifiableKind } from './detect.js'
export { checkEnvelope, recipientKeysOf, type EnvelopeCheckOptions, type EnvelopeChecklist, type RecipientKeys } from './envelope.js'
export { checkEquivocationProof } from './equivocation.js'
export { checkKeyRecord, recordSignatureChecks, type OfflineCheckOptions } from './record.js'
export { checkRevocation } from './revocation.js'

/**
 * Check a detected file by its kind. A file that came as the API's JSON
 * is also checked for the PeerId the JSON shows beside the bytes: it is
 * not signed, and people read it.
 */
export async function checkFile (file: DetectedFile, options: EnvelopeCheckOptions): Promise<Checklist | EnvelopeChecklist> {
  let list: Checklist
  let peerId: string | undefined
  switch (file.kind) {
    case 'key-record':
      list = await checkKeyRecord(file.record, options)
      peerId = file.record.peerId.toString()
      break
    case 'revocation':
      list = checkRevocation(file.revocation, options)
      peerId = file.revocation.peerId.toString()
      break
    case 'equivocation-proof':
      list = checkEquivocationProof(file.proof, options)
      peerId = file.proof.peerId.toString()
      break
    case 'envelope':
      return checkEnvelope(file.envelope, options)
  }
  if (file.claimedPeerId !== undefined) {
    list.checks.push(checkThat('json-peer-id', file.claimedPeerId === peerId, 'the JSON\'s "peerId" is the signed one', 'ERR_PEER_ID_MISMATCH',
      `the JSON says "peerId": ${JSON.stringify(file.claimedPeerId)}, but the signed bytes are ${peerId}'s: the JSON was altered`))
  }
  return list
}
