import { fingerprint } from '../crypto/index.js'
import {
  ENVELOPE_SIGNATURE_CONTEXT, EnvelopeHpke, envelopeInfo, envelopeSignedBytes, kemSeedFor, unmarshalContent,
  type DecodedEnvelope, type EnvelopeContent, type EnvelopeKemKeys
} from '../envelope/index.js'
import { errorCode } from '../errors.js'
import { signerKeysOf } from '../signature/index.js'
import { failed, firstFailure, holds, passed, shortHex, type Check, type Checklist, type Unchecked } from './checklist.js'
import { checkKeyRecord, type OfflineCheckOptions } from './record.js'
import type { Identity } from '../identity/index.js'
import type { KeyRecord } from '../record/index.js'
import type { PeerId } from '@libp2p/interface'

/** The flags that let an envelope be checked in full, as `keydir verify` names them. */
const DIR_FLAG = '--dir <the recipient\'s data dir>'
const SENDER_RECORD_FLAG = '--sender-record <the sender\'s key record>'

/** The recipient's side, read from its data dir: what opens the envelope. */
export interface RecipientKeys {
  /** The data dir it was read from, for messages. */
  dir: string
  peerId: PeerId
  kemKeys: EnvelopeKemKeys
  /** The recipient's envelopeGraceMs: how long a KEM key retired by a rotation still opens envelopes. */
  graceMs: number
}

/** A recipient's keys from its identity, as its node holds them. */
export function recipientKeysOf (identity: Pick<Identity, 'peerId' | 'kemSeed' | 'retiredKem'>, dir: string, graceMs: number): RecipientKeys {
  return {
    dir,
    peerId: identity.peerId,
    kemKeys: { current: identity.kemSeed === undefined ? undefined : { kemSeed: identity.kemSeed }, retired: identity.retiredKem },
    graceMs
  }
}

export interface EnvelopeCheckOptions extends OfflineCheckOptions {
  /** Without it the envelope is not opened: its signature is inside the ciphertext. */
  recipient?: RecipientKeys
  /** The sender's key record (decoded; checked here as checkKeyRecord checks one). */
  senderRecord?: KeyRecord
}

export interface EnvelopeChecklist extends Checklist {
  /** From inside, once it decrypted: the seq of the sender's record whose key signed it, and the message's length. */
  senderSeq?: number
  messageBytes?: number
  /** The sender record's own checklist. */
  senderRecord?: Checklist
}

/**
 * Check a decoded sealed envelope (its structure held: unmarshalEnvelope)
 * as its recipient's node would open it, with no network: sealed to this
 * recipient, decrypts with its KEM key of the seq named (kemSeedFor, with
 * the recipient's grace time, at `at`), signed by the sender record's
 * ML-DSA-65 key (or, refused as stale, by an earlier key its hand-overs
 * prove: signerKeysOf), and the sender record valid and the sender's.
 * What it cannot check without the recipient's keys or the sender's
 * record it lists, with the flag that would let it.
 */
export async function checkEnvelope (envelope: DecodedEnvelope, options: EnvelopeCheckOptions): Promise<EnvelopeChecklist> {
  const sender = envelope.sender.toString()
  const recipient = envelope.recipient.toString()
  const checks: Check[] = [passed('structure', 'well-formed: the canonical encoding, version 1, sender and recipient PeerIds, a 1120-byte encapsulation')]
  const unchecked: Unchecked[] = []
  const out: EnvelopeChecklist = { checks, unchecked, proves: '', doesNotProve: '' }

  let content: EnvelopeContent | undefined
  if (options.recipient === undefined) {
    unchecked.push({
      name: 'decrypts',
      text: `decrypts with ${recipient}'s KEM key of seq ${envelope.recipientSeq}: that needs the recipient's secret key`,
      needs: [DIR_FLAG]
    })
  } else if (!options.recipient.peerId.equals(envelope.recipient)) {
    checks.push(failed('recipient', 'ERR_ENVELOPE_NOT_FOR_US', `sealed to ${recipient}, not to ${options.recipient.dir}'s identity ${options.recipient.peerId.toString()}`))
    unchecked.push({ name: 'decrypts', text: `decrypts with ${recipient}'s KEM key of seq ${envelope.recipientSeq}`, needs: [`--dir <${recipient}'s data dir>`] })
  } else {
    checks.push(passed('recipient', `sealed to ${options.recipient.dir}'s identity`))
    try {
      const seed = kemSeedFor(envelope.recipientSeq, options.recipient.kemKeys, NEWEST_SEQ_UNKNOWN, options.at, options.recipient.graceMs)
      content = unmarshalContent(await new EnvelopeHpke(options.crypto).open(seed, envelope.enc, envelopeInfo(envelope), envelope.ciphertext))
      out.senderSeq = content.senderSeq
      out.messageBytes = content.data.length
      checks.push(passed('decrypts', `decrypts with the recipient's KEM key of seq ${envelope.recipientSeq}`))
      unchecked.push({
        name: 'recipient-seq',
        text: `that seq ${envelope.recipientSeq} is not above the recipient's newest record: only its node's database holds that (\`keydir open\` checks it)`
      })
    } catch (err) {
      checks.push(failed('decrypts', errorCode(err), err instanceof Error ? err.message : String(err)))
    }
  }

  if (options.senderRecord === undefined) {
    unchecked.push({ name: 'sender-record', text: `a valid key record of ${sender}, to check the signature against`, needs: [SENDER_RECORD_FLAG] })
  } else {
    out.senderRecord = await checkKeyRecord(options.senderRecord, options)
    checks.push(senderRecordCheck(options.senderRecord, out.senderRecord, envelope.sender))
  }

  if (content !== undefined && options.senderRecord !== undefined) {
    checks.push(await signatureCheck(envelope, content, options.senderRecord, options))
  } else {
    const forOther = options.recipient !== undefined && !options.recipient.peerId.equals(envelope.recipient)
    const undecryptable = options.recipient !== undefined && !forOther && content === undefined
    const needs = [
      ...(options.recipient === undefined ? [DIR_FLAG] : forOther ? [`--dir <${recipient}'s data dir>`] : []),
      ...(options.senderRecord === undefined ? [SENDER_RECORD_FLAG] : [])
    ]
    unchecked.push(undecryptable
      ? { name: 'sender-signature', text: `the signature by ${sender}'s ML-DSA-65 key: it is inside the ciphertext, which does not decrypt` }
      : { name: 'sender-signature', text: `the signature by ${sender}'s ML-DSA-65 key: it is inside the ciphertext, with the message`, needs })
  }

  const opened = content !== undefined && holds(out) && unchecked.every(item => item.needs === undefined)
  out.proves = opened
    ? `${sender} sealed this message to ${recipient}'s current or retired KEM key, and signed it (with the recipient, the header's seq ${envelope.recipientSeq} and the encapsulation) ` +
      `with the ML-DSA-65 key of its record seq ${options.senderRecord!.seq}, which is bound to ${sender} as that record is (as strongly as Ed25519 to anyone who has not pinned the sender).`
    : `only what its header says, which anyone can write: from ${sender} to ${recipient}, sealed to its record seq ${envelope.recipientSeq}.`
  out.doesNotProve = opened
    ? 'when it was sealed, or that it is not a replay (an envelope carries no time and no nonce); nor that the sender record is the sender\'s newest.'
    : 'who sealed it: the sender\'s signature is inside the ciphertext, which only the recipient\'s secret key opens.'
  return out
}

/**
 * The recipient's newest record seq, which only its node's database holds.
 * The sender writes the header's seq, so an envelope naming a seq above it
 * still decrypts with the current key here; the node refuses it
 * (ERR_ENVELOPE_KEY_UNKNOWN), so the report lists that check as not done.
 */
const NEWEST_SEQ_UNKNOWN = Number.MAX_SAFE_INTEGER

function senderRecordCheck (record: KeyRecord, list: Checklist, sender: PeerId): Check {
  if (!record.peerId.equals(sender)) {
    return failed('sender-record', 'ERR_PEER_ID_MISMATCH', `the sender record is ${record.peerId.toString()}'s, not the envelope's sender ${sender.toString()}'s`)
  }
  const failure = firstFailure(list)
  return failure === undefined
    ? passed('sender-record', `sender record (seq ${record.seq}): valid, and bound to the sender's PeerId by its Ed25519 and ML-DSA-65 signatures`)
    : failed('sender-record', failure.code!, `sender record (seq ${record.seq}): ${failure.text}`)
}

/** Which key of the sender record's chain made the signature: its own (holds), an earlier one (stale, as `open` refuses it), or none. */
async function signatureCheck (envelope: DecodedEnvelope, content: EnvelopeContent, record: KeyRecord, options: OfflineCheckOptions): Promise<Check> {
  const signed = envelopeSignedBytes(envelope, envelope.enc, content.senderSeq, content.data)
  const keys = await signerKeysOf(options.crypto, record, [], undefined)
  const by = keys.find(key => options.crypto.mlDsa65.verify(key.mlDsaPublicKey, signed, content.signature, ENVELOPE_SIGNATURE_CONTEXT))
  const named = `the envelope names the sender's record seq ${content.senderSeq}`
  if (by?.current === true) {
    return passed('sender-signature', `signature by the sender record's ML-DSA-65 key (${shortHex(fingerprint(by.mlDsaPublicKey))}, record seq ${record.seq}; ${named})`)
  }
  if (by !== undefined) {
    return failed('sender-signature', 'ERR_ENVELOPE_STALE_SENDER_KEY', `signed by ${shortHex(fingerprint(by.mlDsaPublicKey))}, a key the sender rotated away from before its record seq ${record.seq} ` +
      '(sealed before the rotation, or with a stolen old key)')
  }
  return failed('sender-signature', 'ERR_ENVELOPE_BAD_SIGNATURE', content.senderSeq > record.seq
    ? `the signature is not by the sender record's ML-DSA-65 key: ${named}, newer than this record (seq ${record.seq}): pass that record`
    : `the signature is not by the sender record's ML-DSA-65 key, nor by an earlier key its hand-overs prove: forged or altered (${named})`)
}
