import { wireFormProblem, type WireSchema } from '../util/wire-form.js'
import { SealedContent as ContentMessage, SealedEnvelope as EnvelopeMessage } from '../../protobuf/envelope.js'
import { ML_DSA_65 } from '../crypto/types.js'
import { EnvelopeError, KeydirError } from '../errors.js'
import { ed25519PeerIdFromBytes } from '../record/index.js'
import { ENVELOPE_VERSION, MAX_ENVELOPE_BYTES, MAX_SEALED_DATA, X_WING_ENC_BYTES } from './constants.js'
import type { PeerId } from '@libp2p/interface'

/**
 * Envelopes on the wire. `unmarshalEnvelope` checks structure only (size,
 * canonical protobuf, version, lengths, PeerId forms): what can be checked
 * before any key is used. Format: docs/envelope.md.
 */

/** The outer, readable part of a sealed envelope. */
export interface EnvelopeHeader {
  sender: PeerId
  recipient: PeerId
  /** Seq of the recipient's record whose KEM key the envelope is sealed to. */
  recipientSeq: number
}

export interface DecodedEnvelope extends EnvelopeHeader {
  /** The X-Wing encapsulation, 1120 bytes. */
  enc: Uint8Array
  ciphertext: Uint8Array
}

/** The plaintext inside the ciphertext. */
export interface EnvelopeContent {
  senderSeq: number
  signature: Uint8Array
  data: Uint8Array
}

export function marshalEnvelope (envelope: DecodedEnvelope): Uint8Array {
  return EnvelopeMessage.encode({
    version: ENVELOPE_VERSION,
    sender: envelope.sender.toMultihash().bytes,
    recipient: envelope.recipient.toMultihash().bytes,
    recipientSeq: BigInt(envelope.recipientSeq),
    enc: envelope.enc as Uint8Array<ArrayBuffer>,
    ciphertext: envelope.ciphertext as Uint8Array<ArrayBuffer>
  })
}

/**
 * Decode an envelope and check, in this order: size (ERR_ENVELOPE_TOO_LARGE),
 * wire form (ERR_ENVELOPE_MALFORMED, then ERR_ENVELOPE_NOT_CANONICAL), version (ERR_ENVELOPE_VERSION), sender and
 * recipient PeerIds, seq, encapsulation and ciphertext lengths
 * (ERR_ENVELOPE_MALFORMED).
 */
export function unmarshalEnvelope (input: Uint8Array): DecodedEnvelope {
  if (input.length > MAX_ENVELOPE_BYTES) {
    throw new EnvelopeError('ERR_ENVELOPE_TOO_LARGE', `envelope is ${input.length} bytes, the limit is ${MAX_ENVELOPE_BYTES}`)
  }
  const bytes = new Uint8Array(input)
  requireWireForm(bytes, SEALED_ENVELOPE_WIRE, 'envelope bytes are not a SealedEnvelope protobuf: is this a sealed envelope?', 'envelope')
  let message: EnvelopeMessage
  try {
    message = EnvelopeMessage.decode(bytes)
  } catch (err) {
    throw new EnvelopeError('ERR_ENVELOPE_MALFORMED', 'bytes are not a SealedEnvelope protobuf: is this a sealed envelope?', { cause: err })
  }
  if (message.version !== ENVELOPE_VERSION) {
    throw new EnvelopeError('ERR_ENVELOPE_VERSION', `envelope version ${message.version} is not supported (this keydir reads version ${ENVELOPE_VERSION}): upgrade keydir`)
  }
  const sender = peerIdField('sender', message.sender)
  const recipient = peerIdField('recipient', message.recipient)
  const recipientSeq = seqField('recipient_seq', message.recipientSeq)
  if (message.enc.length !== X_WING_ENC_BYTES) {
    throw new EnvelopeError('ERR_ENVELOPE_MALFORMED', `the encapsulation must be ${X_WING_ENC_BYTES} bytes, got ${message.enc.length}`)
  }
  if (message.ciphertext.length === 0) {
    throw new EnvelopeError('ERR_ENVELOPE_MALFORMED', 'the envelope carries no ciphertext')
  }
  return { sender, recipient, recipientSeq, enc: message.enc, ciphertext: message.ciphertext }
}

export function marshalContent (content: EnvelopeContent): Uint8Array {
  return ContentMessage.encode({
    senderSeq: BigInt(content.senderSeq),
    signature: content.signature as Uint8Array<ArrayBuffer>,
    data: content.data as Uint8Array<ArrayBuffer>
  })
}

/** Decode the plaintext: its wire form (ERR_ENVELOPE_MALFORMED, ERR_ENVELOPE_NOT_CANONICAL), a seq, a 3309-byte signature, at most MAX_SEALED_DATA of data (ERR_ENVELOPE_MALFORMED). */
export function unmarshalContent (bytes: Uint8Array): EnvelopeContent {
  requireWireForm(bytes, SEALED_CONTENT_WIRE, 'the opened plaintext is not a SealedContent protobuf', 'the opened plaintext')
  let message: ContentMessage
  try {
    message = ContentMessage.decode(bytes)
  } catch (err) {
    throw new EnvelopeError('ERR_ENVELOPE_MALFORMED', 'the opened plaintext is not a SealedContent protobuf', { cause: err })
  }
  if (message.signature.length !== ML_DSA_65.signature) {
    throw new EnvelopeError('ERR_ENVELOPE_MALFORMED', `the sender's signature must be ${ML_DSA_65.signature} bytes, got ${message.signature.length}`)
  }
  if (message.data.length > MAX_SEALED_DATA) {
    throw new EnvelopeError('ERR_ENVELOPE_TOO_LARGE', `the sealed message is ${message.data.length} bytes, the limit is ${MAX_SEALED_DATA}`)
  }
  return { senderSeq: seqField('sender_seq', message.senderSeq), signature: message.signature, data: message.data }
}

function peerIdField (field: string, bytes: Uint8Array): PeerId {
  try {
    return ed25519PeerIdFromBytes(bytes)
  } catch (err) {
    const code = err instanceof KeydirError ? err.code : 'ERR_UNEXPECTED'
    throw new EnvelopeError('ERR_ENVELOPE_MALFORMED', `the envelope's ${field} is not a valid PeerId (${code}: ${(err as Error).message})`, { cause: err })
  }
}

/** A record seq: 1 to 2^53 - 1. */
function seqField (field: string, value: bigint): number {
  if (value < 1n || value > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new EnvelopeError('ERR_ENVELOPE_MALFORMED', `${field} must be 1 to 2^53 - 1, got ${value}`)
  }
  return Number(value)
}

/** protobuf/envelope.proto, as the wire-form check reads it. */
const SEALED_ENVELOPE_WIRE: WireSchema = {
  1: { type: 'uint32' }, 2: { type: 'bytes' }, 3: { type: 'bytes' }, 4: { type: 'fixed64' }, 5: { type: 'bytes' }, 6: { type: 'bytes' }
}
const SEALED_CONTENT_WIRE: WireSchema = { 1: { type: 'fixed64' }, 2: { type: 'bytes' }, 3: { type: 'bytes' } }

/** The wire form (src/util/wire-form.ts) of an envelope or its plaintext, as envelope codes. */
function requireWireForm (bytes: Uint8Array, schema: WireSchema, malformed: string, what: string): void {
  switch (wireFormProblem(bytes, schema)) {
    case 'malformed':
      throw new EnvelopeError('ERR_ENVELOPE_MALFORMED', malformed)
    case 'not-canonical':
      throw new EnvelopeError('ERR_ENVELOPE_NOT_CANONICAL', `${what} is not the canonical encoding (fields out of order, repeated, unknown, holding their default or not minimally encoded)`)
    case undefined:
  }
}
