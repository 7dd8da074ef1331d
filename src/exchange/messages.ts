import { createHash } from 'node:crypto'
import { equals as uint8ArrayEquals } from 'uint8arrays/equals'
import { KeyPush, KeyRequest, KeyResponse } from '../../protobuf/key-exchange.js'
import { ExchangeError, KeydirError } from '../errors.js'
import { ByteWriter } from '../util/byte-writer.js'
import { protonsMisencodesUint64 } from '../util/protons-uint64.js'
import { MAX_CLOCK_SKEW_MS, PUSH_DOMAIN, REQUEST_DOMAIN, RESPONSE_DOMAIN } from './constants.js'
import { requireWireForm } from './message-wire-form.js'
import type { PqCrypto, MlDsaSigner } from '../crypto/types.js'
import { isRevocationBytes } from '../record/index.js'
import type { KeyRecord, KeyRecordValidator, PqkValue, RevocationCertificate, RevocationValidator } from '../record/index.js'
import type { WireSchema } from '../util/wire-form.js'
import type { PeerId } from '@libp2p/interface'
import type { Uint8ArrayList } from 'uint8arraylist'

/**
 * Building and checking KeyRequest / KeyResponse / KeyPush, with no network: the
 * requester and responder call these, and tests call them directly to
 * forge and replay messages.
 *
 * Both messages are signed with ML-DSA-65 over domain-separated bytes that
 * name both peers, the timestamp, the nonce and the hash of the carried
 * record, so a signature made for one exchange fits no other.
 */

const encoder = new TextEncoder()
const REQUEST_CONTEXT = encoder.encode(REQUEST_DOMAIN)
const RESPONSE_CONTEXT = encoder.encode(RESPONSE_DOMAIN)
const PUSH_CONTEXT = encoder.encode(PUSH_DOMAIN)

export interface ExchangeSigner {
  peerId: PeerId
  record: KeyRecord
  mlDsaSigner: MlDsaSigner
}

/** The bytes a KeyRequest, KeyResponse or KeyPush signature covers (docs/exchange.md, "Signed bytes"), for `context` = the message's domain. */
export function exchangeSignedBytes (context: Uint8Array, from: PeerId, to: PeerId, timestamp: number, nonce: bigint, record: Uint8Array): Uint8Array {
  return new ByteWriter()
    .domain(context)
    .prefixed(from.toMultihash().bytes)
    .prefixed(to.toMultihash().bytes)
    .u64(timestamp)
    .u64(nonce)
    .bytes(createHash('sha256').update(record).digest())
    .finish()
}

export async function createKeyRequest (self: ExchangeSigner, responder: PeerId, nonce: bigint, timestamp = Date.now()): Promise<KeyRequest> {
  const signed = exchangeSignedBytes(REQUEST_CONTEXT, self.peerId, responder, timestamp, nonce, self.record.bytes)
  return {
    requesterRecord: self.record.bytes as Uint8Array<ArrayBuffer>,
    responderId: responder.toMultihash().bytes,
    timestamp: BigInt(timestamp),
    nonce,
    signature: await self.mlDsaSigner.signAsync(signed, REQUEST_CONTEXT) as Uint8Array<ArrayBuffer>
  }
}

export async function createKeyResponse (self: ExchangeSigner, requester: PeerId, nonce: bigint, timestamp = Date.now()): Promise<KeyResponse> {
  const signed = exchangeSignedBytes(RESPONSE_CONTEXT, self.peerId, requester, timestamp, nonce, self.record.bytes)
  return {
    record: self.record.bytes as Uint8Array<ArrayBuffer>,
    requesterId: requester.toMultihash().bytes,
    timestamp: BigInt(timestamp),
    nonce,
    signature: await self.mlDsaSigner.signAsync(signed, RESPONSE_CONTEXT) as Uint8Array<ArrayBuffer>
  }
}

/**
 * A push of our (new) record to `recipient`, or of `carried` bytes instead
 * (our revocation certificate), signed with `self`'s ML-DSA-65 key, which
 * must be the carried value's own.
 */
export async function createKeyPush (self: ExchangeSigner, recipient: PeerId, nonce: bigint, timestamp = Date.now(), carried: Uint8Array = self.record.bytes): Promise<KeyPush> {
  const signed = exchangeSignedBytes(PUSH_CONTEXT, self.peerId, recipient, timestamp, nonce, carried)
  return {
    record: carried as Uint8Array<ArrayBuffer>,
    recipientId: recipient.toMultihash().bytes,
    timestamp: BigInt(timestamp),
    nonce,
    signature: await self.mlDsaSigner.signAsync(signed, PUSH_CONTEXT) as Uint8Array<ArrayBuffer>
  }
}

/**
 * The wire form of all three messages (protobuf/key-exchange.proto): fields
 * 1 and 2 bytes, 3 and 4 uint64, 5 bytes (docs/exchange.md, "Wire form").
 */
const EXCHANGE_MESSAGE_WIRE: WireSchema = { 1: { type: 'bytes' }, 2: { type: 'bytes' }, 3: { type: 'uint64' }, 4: { type: 'uint64' }, 5: { type: 'bytes' } }

/**
 * A message from the wire, its wire form checked before protons reads it:
 * ExchangeError ERR_MESSAGE_MALFORMED for bytes that are not one,
 * ERR_MESSAGE_NOT_CANONICAL for a second encoding of one.
 */
function decodeExchangeMessage<T extends { timestamp: bigint, nonce: bigint }> (input: Uint8Array | Uint8ArrayList, codec: { decode: (bytes: Uint8Array) => T }, what: string): T {
  const bytes = requireWireForm(input, EXCHANGE_MESSAGE_WIRE, what)
  let message: T
  try {
    message = codec.decode(bytes)
  } catch (err) {
    throw new ExchangeError('ERR_MESSAGE_MALFORMED', `${what} is not a valid protobuf message`, { cause: err })
  }
  // Values this implementation could not write back (protons' uint64 hazard): a nonce is stored and echoed.
  if (protonsMisencodesUint64(message.timestamp)) {
    throw new ExchangeError('ERR_STALE_TIMESTAMP', `${what} timestamp is in 2^31 … 2^32 - 1 (1970), far outside the 5 minute window`)
  }
  if (message.nonce === 0n || protonsMisencodesUint64(message.nonce)) {
    throw new ExchangeError('ERR_BAD_NONCE', `${what} nonce is 0 or in 2^31 … 2^32 - 1, which keydir never sends and cannot write back`)
  }
  return message
}

export function decodeKeyRequest (bytes: Uint8Array | Uint8ArrayList): KeyRequest {
  return decodeExchangeMessage(bytes, KeyRequest, 'KeyRequest')
}

export function decodeKeyResponse (bytes: Uint8Array | Uint8ArrayList): KeyResponse {
  return decodeExchangeMessage(bytes, KeyResponse, 'KeyResponse')
}

export function decodeKeyPush (bytes: Uint8Array | Uint8ArrayList): KeyPush {
  return decodeExchangeMessage(bytes, KeyPush, 'KeyPush')
}

export interface CheckContext {
  crypto: PqCrypto
  validator: KeyRecordValidator
  /** Pushes may carry a revocation certificate only when this is given. */
  revocations?: RevocationValidator
  now: number
}

/**
 * Check a request that arrived on a connection authenticated as `remote`.
 * Returns the requester's validated record; the caller still checks the
 * nonce against what it last accepted from that peer.
 */
export async function checkKeyRequest (ctx: CheckContext, request: KeyRequest, remote: PeerId, self: PeerId): Promise<KeyRecord> {
  return startKeyRequestCheck(ctx, request, remote, self)()
}

/**
 * The checks of a request that cost no ML-DSA-65 verify, now (throws
 * ExchangeError): addressed to us, timestamp in the window, a carried record
 * that decodes, belongs to `remote`, is within its times and carries a valid
 * Ed25519 signature. The returned function verifies the two ML-DSA-65
 * signatures, the record's and the request's. A responder does nothing
 * expensive for a request that fails here.
 */
export function startKeyRequestCheck (ctx: CheckContext, request: KeyRequest, remote: PeerId, self: PeerId): () => Promise<KeyRecord> {
  if (!uint8ArrayEquals(request.responderId, self.toMultihash().bytes)) {
    throw new ExchangeError('ERR_WRONG_RESPONDER', 'request is addressed to another peer')
  }
  checkTimestamp(ctx.now, request.timestamp)
  const carried = precheckCarried(ctx, remote, request.requesterRecord)
  const signed = exchangeSignedBytes(REQUEST_CONTEXT, remote, self, Number(request.timestamp), request.nonce, request.requesterRecord)
  return async () => verifyBoth(ctx, carried, signed, request.signature, REQUEST_CONTEXT,
    () => new ExchangeError('ERR_BAD_REQUEST_SIGNATURE', 'request signature does not verify with the requester\'s ML-DSA-65 key'))
}

/**
 * Whether a request is worth answering before its carried record is checked:
 * addressed to us, its timestamp in the window, and a carried record that
 * opens with field 1 naming `remote`, as a canonical record of the requester
 * does (docs/record-format.md). It reads the small fields and the record's
 * first bytes only, and refuses nothing: startKeyRequestCheck does, with
 * the precise error.
 */
export function mayAnswerEarly (ctx: CheckContext, request: KeyRequest, remote: PeerId, self: PeerId): boolean {
  return uint8ArrayEquals(request.responderId, self.toMultihash().bytes) &&
    Math.abs(Number(request.timestamp) - ctx.now) <= MAX_CLOCK_SKEW_MS &&
    opensWithPeerId(request.requesterRecord, remote.toMultihash().bytes)
}

/** Field 1 (peer_id, length-delimited) of a KeyRecord. */
const PEER_ID_TAG = 1 << 3 | 2

/** Whether `record` starts with field 1 holding exactly `multihash`: the first field of a canonical record of that peer. */
function opensWithPeerId (record: Uint8Array, multihash: Uint8Array): boolean {
  let at = 0
  if (record[at++] !== PEER_ID_TAG) return false
  for (let length = multihash.byteLength; ; length >>>= 7) {
    const byte = length > 0x7f ? (length & 0x7f) | 0x80 : length
    if (record[at++] !== byte) return false
    if (byte < 0x80) break
  }
  return record.byteLength >= at + multihash.byteLength && uint8ArrayEquals(record.subarray(at, at + multihash.byteLength), multihash)
}

/** What a push carries: a record or a revocation (never an equivocation proof, which is about someone else). */
export type PushedValue = Extract<PqkValue, { kind: 'record' | 'revocation' }>

/**
 * Check a push that arrived on a connection authenticated as `remote`
 * (decoding has checked its wire form, timestamp and nonce ranges), as a
 * request is checked: addressed to us, in the timestamp window, a carried
 * value of `remote` that validates (a key record, or a revocation
 * certificate when the context has a RevocationValidator), and a push
 * signature by that value's ML-DSA-65 key. The caller checks the nonce
 * against the last one accepted and applies the registry's rules.
 */

export async function checkKeyPush (ctx: CheckContext, push: KeyPush, remote: PeerId, self: PeerId): Promise<PushedValue> {
  if (!uint8ArrayEquals(push.recipientId, self.toMultihash().bytes)) {
    throw new ExchangeError('ERR_WRONG_RECIPIENT', 'push is addressed to another peer')
  }
  checkTimestamp(ctx.now, push.timestamp)
  const signed = exchangeSignedBytes(PUSH_CONTEXT, remote, self, Number(push.timestamp), push.nonce, push.record)
  const badSignature = (): ExchangeError => new ExchangeError('ERR_BAD_PUSH_SIGNATURE', 'push signature does not verify with the pushed value\'s ML-DSA-65 key')
  if (ctx.revocations !== undefined && isRevocationBytes(push.record)) {
    let revocation: RevocationCertificate
    try {
      revocation = await ctx.revocations.validateAsync(remote, push.record)
    } catch (err) {
      throw carriedInvalid(err)
    }
    if (!ctx.crypto.mlDsa65.verify(revocation.mlDsaPublicKey, signed, push.signature, PUSH_CONTEXT)) throw badSignature()
    return { kind: 'revocation', revocation }
  }
  const carried = precheckCarried(ctx, remote, push.record)
  return { kind: 'record', record: await verifyBoth(ctx, carried, signed, push.signature, PUSH_CONTEXT, badSignature) }
}

/**
 * Check a response to our request `nonce`, read from a connection
 * authenticated as `remote`, which must be the peer we asked.
 */
export async function checkKeyResponse (ctx: CheckContext, response: KeyResponse, asked: PeerId, remote: PeerId, self: PeerId, nonce: bigint): Promise<KeyRecord> {
  if (!remote.equals(asked)) {
    throw new ExchangeError('ERR_WRONG_RESPONDER', `response came from ${remote.toString()}, not from ${asked.toString()}`)
  }
  if (response.nonce !== nonce) {
    throw new ExchangeError('ERR_NONCE_MISMATCH', 'response answers another request (nonce mismatch)')
  }
  if (!uint8ArrayEquals(response.requesterId, self.toMultihash().bytes)) {
    throw new ExchangeError('ERR_WRONG_REQUESTER', 'response is addressed to another peer')
  }
  checkTimestamp(ctx.now, response.timestamp)
  const carried = precheckCarried(ctx, asked, response.record)
  const signed = exchangeSignedBytes(RESPONSE_CONTEXT, asked, self, Number(response.timestamp), nonce, response.record)
  return verifyBoth(ctx, carried, signed, response.signature, RESPONSE_CONTEXT,
    () => new ExchangeError('ERR_BAD_RESPONSE_SIGNATURE', 'response signature does not verify with the responder\'s ML-DSA-65 key'))
}

function checkTimestamp (now: number, timestamp: bigint): void {
  const skew = Math.abs(Number(timestamp) - now)
  if (!(skew <= MAX_CLOCK_SKEW_MS)) {
    throw new ExchangeError('ERR_STALE_TIMESTAMP', `message timestamp is ${Math.round(skew / 1000)} s from our clock, over the 5 minute window`)
  }
}

type CarriedCheck = ReturnType<KeyRecordValidator['precheck']>

/** The carried record's cheap checks (it must belong to the authenticated `owner`), as an ExchangeError. */
function precheckCarried (ctx: CheckContext, owner: PeerId, bytes: Uint8Array): CarriedCheck {
  try {
    return ctx.validator.precheck(owner, bytes)
  } catch (err) {
    throw carriedInvalid(err)
  }
}

/**
 * The carried record's ML-DSA-65 signature and the message's, at once: the
 * record's on the thread pool, the message's here, with the record's key.
 * The record's error comes first; a message signature is only reported bad
 * for a record that is valid.
 */
async function verifyBoth (ctx: CheckContext, carried: CarriedCheck, signed: Uint8Array, signature: Uint8Array,
  context: Uint8Array, badSignature: () => ExchangeError): Promise<KeyRecord> {
  const validating = carried.finish()
  validating.catch(() => {})
  const signatureValid = ctx.crypto.mlDsa65.verify(carried.record.mlDsaPublicKey, signed, signature, context)
  let record: KeyRecord
  try {
    record = await validating
  } catch (err) {
    throw carriedInvalid(err)
  }
  if (!signatureValid) {
    throw badSignature()
  }
  return record
}

function carriedInvalid (err: unknown): ExchangeError {
  const code = err instanceof KeydirError ? err.code : 'ERR_RECORD_MALFORMED'
  return new ExchangeError(code, `carried key record is invalid: ${(err as Error).message}`, { cause: err })
}
