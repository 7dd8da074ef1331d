import { equals as uint8ArrayEquals } from 'uint8arrays/equals'
import { HistoryRequest, HistoryResponse } from '../../protobuf/key-history.js'
import { fingerprint } from '../crypto/index.js'
import { ML_DSA_65 } from '../crypto/types.js'
import { ExchangeError } from '../errors.js'
import { FINGERPRINT_LENGTH, ROTATION_CONTEXT, rotationSignedBytes } from '../record/index.js'
import { MAX_HISTORY_RESPONSE_LINKS } from './constants.js'
import { requireWireForm } from './message-wire-form.js'
import type { PqCrypto } from '../crypto/types.js'
import type { RotationLink } from '../record/index.js'
import type { WireSchema } from '../util/wire-form.js'
import type { PeerId } from '@libp2p/interface'
import type { Uint8ArrayList } from 'uint8arraylist'

/**
 * Building and checking HistoryRequest / HistoryResponse
 * (`/numi/keyhist/1.0.0`, docs/record-format.md, "Beyond the bound"), with
 * no network: the service calls these, and tests call them directly.
 *
 * Neither message is signed: each link is a hand-over signed by the key
 * before it over the peer's PeerId and both keys, so a responder can only
 * withhold links or send ones that fail. The requester checks them against
 * the peer it asked and the run of keys it asked for, before admission
 * follows them again from the pin.
 */

/** The fingerprints a request asks between: from the requester's pinned key to the oldest key its record names. */
export interface HistorySpan {
  /** SHA-256 of the requester's pinned ML-DSA-65 key. */
  from: Uint8Array
  /** SHA-256 of the oldest key the record names (its last proof's previous fingerprint). */
  to: Uint8Array
}

export function createHistoryRequest (responder: PeerId, span: HistorySpan): HistoryRequest {
  return {
    peerId: responder.toMultihash().bytes,
    fromFingerprint: span.from as Uint8Array<ArrayBuffer>,
    toFingerprint: span.to as Uint8Array<ArrayBuffer>
  }
}

const HISTORY_REQUEST_WIRE: WireSchema = { 1: { type: 'bytes' }, 2: { type: 'bytes' }, 3: { type: 'bytes' } }
const HISTORY_RESPONSE_WIRE: WireSchema = { 1: { type: 'repeated-message', schema: { 1: { type: 'bytes' }, 2: { type: 'bytes' }, 3: { type: 'bytes' } } } }

/** A HistoryRequest from the wire; ExchangeError ERR_MESSAGE_MALFORMED / ERR_MESSAGE_NOT_CANONICAL for bytes that are not one. */
export function decodeHistoryRequest (input: Uint8Array | Uint8ArrayList): HistoryRequest {
  const bytes = requireWireForm(input, HISTORY_REQUEST_WIRE, 'HistoryRequest')
  try {
    return HistoryRequest.decode(bytes)
  } catch (err) {
    throw new ExchangeError('ERR_MESSAGE_MALFORMED', 'HistoryRequest is not a valid protobuf message', { cause: err })
  }
}

/**
 * The responder's checks (throws ExchangeError): addressed to `self`
 * (ERR_WRONG_RESPONDER), and two fingerprints of 32 bytes (ERR_BAD_FINGERPRINT).
 */
export function checkHistoryRequest (request: HistoryRequest, self: PeerId): HistorySpan {
  if (!uint8ArrayEquals(request.peerId, self.toMultihash().bytes)) {
    throw new ExchangeError('ERR_WRONG_RESPONDER', 'history request is addressed to another peer')
  }
  if (request.fromFingerprint.length !== FINGERPRINT_LENGTH || request.toFingerprint.length !== FINGERPRINT_LENGTH) {
    throw new ExchangeError('ERR_BAD_FINGERPRINT', `history request fingerprints must be ${FINGERPRINT_LENGTH} bytes, got ${request.fromFingerprint.length} and ${request.toFingerprint.length}`)
  }
  return { from: request.fromFingerprint, to: request.toFingerprint }
}

/**
 * The responder's answer, pure: from its hand-overs (newest first, the one
 * into its current key first: the identity's rotation proof, then its
 * history), the run that starts with the hand-over into `to`'s key and ends
 * with the one out of `from`'s key. Empty when it keeps no such run, or
 * one longer than MAX_HISTORY_RESPONSE_LINKS: the requester cannot follow
 * then, whatever it is sent.
 */
export function handOversBetween (handOvers: readonly RotationLink[], span: HistorySpan): RotationLink[] {
  const first = handOvers.findIndex(link => uint8ArrayEquals(fingerprint(link.mlDsaPublicKey), span.to))
  if (first < 0) return []
  const last = handOvers.findIndex((link, i) => i >= first && uint8ArrayEquals(link.previousFingerprint, span.from))
  if (last < 0 || last - first + 1 > MAX_HISTORY_RESPONSE_LINKS) return []
  return handOvers.slice(first, last + 1)
}

export function createHistoryResponse (links: readonly RotationLink[]): HistoryResponse {
  return {
    links: links.map(link => ({
      previousFingerprint: link.previousFingerprint as Uint8Array<ArrayBuffer>,
      signature: link.signature as Uint8Array<ArrayBuffer>,
      mlDsaPublicKey: link.mlDsaPublicKey as Uint8Array<ArrayBuffer>
    }))
  }
}

/**
 * A HistoryResponse from the wire; ExchangeError ERR_HISTORY_TOO_LONG past
 * MAX_HISTORY_RESPONSE_LINKS links (a 65-link message still fits the byte
 * cap), ERR_MESSAGE_MALFORMED / ERR_MESSAGE_NOT_CANONICAL for bytes that are not one.
 */
export function decodeHistoryResponse (input: Uint8Array | Uint8ArrayList): HistoryResponse {
  const bytes = requireWireForm(input, HISTORY_RESPONSE_WIRE, 'HistoryResponse')
  try {
    return HistoryResponse.decode(bytes, { limits: { links: MAX_HISTORY_RESPONSE_LINKS } })
  } catch (err) {
    if ((err as Error).name === 'MaxLengthError') {
      throw new ExchangeError('ERR_HISTORY_TOO_LONG', `history response carries more than ${MAX_HISTORY_RESPONSE_LINKS} links`, { cause: err })
    }
    throw new ExchangeError('ERR_MESSAGE_MALFORMED', 'HistoryResponse is not a valid protobuf message', { cause: err })
  }
}

export interface HistoryResponseCheck extends HistorySpan {
  crypto: PqCrypto
  /** The peer the request went to. */
  asked: PeerId
  /** The connection's remote PeerId, as Noise authenticated it. */
  remote: PeerId
  /** The key `from` names, when the requester holds it: the oldest link is then verified too. */
  fromKey?: Uint8Array
}

/**
 * The requester's checks, cheapest first (throws ExchangeError):
 * - the answer came from the peer asked (ERR_WRONG_RESPONDER);
 * - every link has a 32-byte fingerprint, a 3309-byte signature and a
 *   1952-byte key (ERR_BAD_ROTATION_PROOF);
 * - the links join up from `to` back to `from`: the first hands over into
 *   `to`'s key, each comes from the next one's key, the last from `from`'s,
 *   no key twice (ERR_BROKEN_CHAIN: a link missing, out of order, or
 *   another run than the one asked for);
 * - each hand-over verifies with the key before it, over the asked peer's
 *   rotation bytes (the oldest only when `fromKey` is given; admission
 *   verifies it from the pin either way): ERR_BAD_HISTORY_SIGNATURE for a
 *   forged link or another peer's.
 * Returns the links, newest first; empty when the peer keeps none that
 * reach `from` (admission then refuses the record, ERR_KEY_CHANGED).
 */
export async function checkHistoryResponse (response: HistoryResponse, check: HistoryResponseCheck): Promise<RotationLink[]> {
  const { asked, remote } = check
  if (!remote.equals(asked)) {
    throw new ExchangeError('ERR_WRONG_RESPONDER', `history response came from ${remote.toString()}, not from ${asked.toString()}`)
  }
  const links: RotationLink[] = response.links.map((link, i) => {
    if (link.previousFingerprint.length !== FINGERPRINT_LENGTH || link.signature.length !== ML_DSA_65.signature || link.mlDsaPublicKey.length !== ML_DSA_65.publicKey) {
      throw new ExchangeError('ERR_BAD_ROTATION_PROOF', `history link ${i} has a field of the wrong length`)
    }
    return { previousFingerprint: link.previousFingerprint, signature: link.signature, mlDsaPublicKey: link.mlDsaPublicKey }
  })
  if (links.length === 0) return links

  const keys = links.map(link => fingerprint(link.mlDsaPublicKey))
  const seen = new Set([check.from, ...keys].map(key => Buffer.from(key).toString('hex')))
  if (seen.size !== links.length + 1) {
    throw new ExchangeError('ERR_BROKEN_CHAIN', 'history response names one ML-DSA-65 key twice')
  }
  if (!uint8ArrayEquals(keys[0], check.to)) {
    throw new ExchangeError('ERR_BROKEN_CHAIN', 'history response does not start with the hand-over into the key asked for')
  }
  for (let i = 0; i < links.length; i++) {
    const signer = i + 1 < links.length ? keys[i + 1] : check.from
    if (!uint8ArrayEquals(links[i].previousFingerprint, signer)) {
      throw new ExchangeError('ERR_BROKEN_CHAIN', i + 1 < links.length
        ? `history link ${i} comes from another key than link ${i + 1}'s (a link is missing or out of order)`
        : 'history response does not reach the pinned key it was asked from')
    }
  }

  const verified = await Promise.all(links.map(async (link, i) => {
    const signer = i + 1 < links.length ? links[i + 1].mlDsaPublicKey : check.fromKey
    if (signer === undefined) return true
    return check.crypto.mlDsa65.verifyAsync(signer, rotationSignedBytes(asked, link.previousFingerprint, link.mlDsaPublicKey), link.signature, ROTATION_CONTEXT)
  }))
  const forged = verified.indexOf(false)
  if (forged >= 0) {
    throw new ExchangeError('ERR_BAD_HISTORY_SIGNATURE', `history link ${forged} does not verify with the key before it: forged, or another peer's`)
  }
  return links
}
