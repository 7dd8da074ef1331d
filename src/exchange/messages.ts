import { createHash } from 'node:crypto'
import { equals as uint8ArrayEquals } from 'uint8arrays/equals'
import { KeyRequest, KeyResponse } from '../../protobuf/key-exchange.js'
import { ExchangeError, KeydirError } from '../errors.js'
import { ByteWriter } from '../util/byte-writer.js'
import { MAX_CLOCK_SKEW_MS, REQUEST_DOMAIN, RESPONSE_DOMAIN } from './constants.js'
import type { PqCrypto, MlDsaSigner } from '../crypto/types.js'
import { unmarshalKeyRecord } from '../record/index.js'
import type { KeyRecord, KeyRecordValidator } from '../record/index.js'
import type { PeerId } from '@libp2p/interface'
import type { Uint8ArrayList } from 'uint8arraylist'

/**
 * Building and checking KeyRequest / KeyResponse, with no network: the
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

export interface ExchangeSigner {
  peerId: PeerId
  record: KeyRecord
  mlDsaSigner: MlDsaSigner
}

function signedBytes (context: Uint8Array, from: PeerId, to: PeerId, timestamp: number, nonce: bigint, record: Uint8Array): Uint8Array {
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
  const signed = signedBytes(REQUEST_CONTEXT, self.peerId, responder, timestamp, nonce, self.record.bytes)
  return {
    requesterRecord: self.record.bytes as Uint8Array<ArrayBuffer>,
    responderId: responder.toMultihash().bytes as Uint8Array<ArrayBuffer>,
    timestamp: BigInt(timestamp),
    nonce,
    signature: await self.mlDsaSigner.signAsync(signed, REQUEST_CONTEXT) as Uint8Array<ArrayBuffer>
  }
}

export async function createKeyResponse (self: ExchangeSigner, requester: PeerId, nonce: bigint, timestamp = Date.now()): Promise<KeyResponse> {
  const signed = signedBytes(RESPONSE_CONTEXT, self.peerId, requester, timestamp, nonce, self.record.bytes)
  return {
    record: self.record.bytes as Uint8Array<ArrayBuffer>,
    requesterId: requester.toMultihash().bytes as Uint8Array<ArrayBuffer>,
    timestamp: BigInt(timestamp),
    nonce,
    signature: await self.mlDsaSigner.signAsync(signed, RESPONSE_CONTEXT) as Uint8Array<ArrayBuffer>
  }
}

/** A KeyRequest from the wire; ExchangeError ERR_MESSAGE_MALFORMED for bytes that are not one. */
export function decodeKeyRequest (bytes: Uint8Array | Uint8ArrayList): KeyRequest {
  try {
    return KeyRequest.decode(bytes)
  } catch (err) {
    throw new ExchangeError('ERR_MESSAGE_MALFORMED', 'KeyRequest is not a valid protobuf message', { cause: err })
  }
}

/** A KeyResponse from the wire; ExchangeError ERR_MESSAGE_MALFORMED for bytes that are not one. */
export function decodeKeyResponse (bytes: Uint8Array | Uint8ArrayList): KeyResponse {
  try {
    return KeyResponse.decode(bytes)
  } catch (err) {
    throw new ExchangeError('ERR_MESSAGE_MALFORMED', 'KeyResponse is not a valid protobuf message', { cause: err })
  }
}

export interface CheckContext {
  crypto: PqCrypto
  validator: KeyRecordValidator
  now: number
}

/**
 * Check a request that arrived on a connection authenticated as `remote`.
 * Returns the requester's validated record; the caller still checks the
 * nonce against what it last accepted from that peer.
 */
export async function checkKeyRequest (ctx: CheckContext, request: KeyRequest, remote: PeerId, self: PeerId): Promise<KeyRecord> {
  precheckKeyRequest(ctx, request, self)
  const signed = signedBytes(REQUEST_CONTEXT, remote, self, Number(request.timestamp), request.nonce, request.requesterRecord)
  return checkSigned(ctx, remote, request.requesterRecord, signed, request.signature, REQUEST_CONTEXT,
    () => new ExchangeError('ERR_BAD_REQUEST_SIGNATURE', 'request signature does not verify with the requester\'s ML-DSA-65 key'))
}

/**
 * The checks of a request that cost no signature verify: addressed to us,
 * timestamp in the window. A request that fails them is refused before any
 * expensive work.
 */
export function precheckKeyRequest (ctx: CheckContext, request: KeyRequest, self: PeerId): void {
  if (!uint8ArrayEquals(request.responderId, self.toMultihash().bytes)) {
    throw new ExchangeError('ERR_WRONG_RESPONDER', 'request is addressed to another peer')
  }
  checkTimestamp(ctx.now, request.timestamp)
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
  const signed = signedBytes(RESPONSE_CONTEXT, asked, self, Number(response.timestamp), nonce, response.record)
  return checkSigned(ctx, asked, response.record, signed, response.signature, RESPONSE_CONTEXT,
    () => new ExchangeError('ERR_BAD_RESPONSE_SIGNATURE', 'response signature does not verify with the responder\'s ML-DSA-65 key'))
}

function checkTimestamp (now: number, timestamp: bigint): void {
  const skew = Math.abs(Number(timestamp) - now)
  if (!(skew <= MAX_CLOCK_SKEW_MS)) {
    throw new ExchangeError('ERR_STALE_TIMESTAMP', `message timestamp is ${Math.round(skew / 1000)} s from our clock, over the 5 minute window`)
  }
}

/**
 * Validate the carried record (it must belong to the authenticated `owner`)
 * and check the message signature with the record's ML-DSA-65 key: the two
 * ML-DSA-65 verifies at once, the record's on the thread pool and the
 * message's here. The record's own errors come first; a message signature
 * is only reported bad for a record that is valid.
 */
async function checkSigned (ctx: CheckContext, owner: PeerId, recordBytes: Uint8Array, signed: Uint8Array, signature: Uint8Array,
  context: Uint8Array, badSignature: () => ExchangeError): Promise<KeyRecord> {
  const validating = validateCarried(ctx, owner, recordBytes)
  validating.catch(() => {})
  const key = carriedMlDsaKey(recordBytes)
  const signatureValid = key !== undefined && ctx.crypto.mlDsa65.verify(key, signed, signature, context)
  const record = await validating
  if (!signatureValid) {
    throw badSignature()
  }
  return record
}

/** The carried record's ML-DSA-65 key, read before the record is validated; undefined when it does not decode (the validation says why). */
function carriedMlDsaKey (recordBytes: Uint8Array): Uint8Array | undefined {
  try {
    return unmarshalKeyRecord(recordBytes).mlDsaPublicKey
  } catch {
    return undefined
  }
}

/** The carried record must validate and belong to the authenticated remote peer. */
async function validateCarried (ctx: CheckContext, owner: PeerId, bytes: Uint8Array): Promise<KeyRecord> {
  try {
    return await ctx.validator.validateAsync(owner, bytes)
  } catch (err) {
    const code = err instanceof KeydirError ? err.code : 'ERR_RECORD_MALFORMED'
    throw new ExchangeError(code, `carried key record is invalid: ${(err as Error).message}`, { cause: err })
  }
}
