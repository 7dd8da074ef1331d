import { ByteWriter } from '../util/byte-writer.js'
import { ENVELOPE_INFO_DOMAIN, ENVELOPE_SIGNATURE_DOMAIN } from './constants.js'
import type { EnvelopeHeader } from './codec.js'

/**
 * The byte strings of an envelope that are not on the wire: the HPKE
 * `info` and what the sender signs. Fixed-width integers and
 * length-prefixed fields, so any language rebuilds them (docs/envelope.md).
 */

const encoder = new TextEncoder()
export const ENVELOPE_SIGNATURE_CONTEXT = encoder.encode(ENVELOPE_SIGNATURE_DOMAIN)
const INFO_DOMAIN = encoder.encode(ENVELOPE_INFO_DOMAIN)

/** HPKE `info`: the header, so a key schedule belongs to one sender, recipient and recipient record. */
export function envelopeInfo (header: EnvelopeHeader): Uint8Array {
  return new ByteWriter()
    .domain(INFO_DOMAIN)
    .prefixed(header.sender.toMultihash().bytes)
    .prefixed(header.recipient.toMultihash().bytes)
    .u64(header.recipientSeq)
    .finish()
}

/**
 * What the sender's ML-DSA-65 key signs: the header, the encapsulation
 * (so the signed content cannot be sealed again to someone else) and the
 * message, with the seq of the sender's record that carries the key.
 */
export function envelopeSignedBytes (header: EnvelopeHeader, enc: Uint8Array, senderSeq: number, data: Uint8Array): Uint8Array {
  const sender = header.sender.toMultihash().bytes
  const recipient = header.recipient.toMultihash().bytes
  return new ByteWriter(ENVELOPE_SIGNATURE_CONTEXT.length + 1 + 2 + sender.length + 2 + recipient.length + 8 + 2 + enc.length + 8 + 4 + data.length)
    .domain(ENVELOPE_SIGNATURE_CONTEXT)
    .prefixed(sender)
    .prefixed(recipient)
    .u64(header.recipientSeq)
    .prefixed(enc)
    .u64(senderSeq)
    .u32(data.length)
    .bytes(data)
    .finish()
}
