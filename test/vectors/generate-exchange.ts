/**
 * Writes test/vectors/key-exchange.json: golden KeyRequest, KeyResponse and
 * KeyPush messages (docs/exchange.md) and one invalid message per rule,
 * each naming the rule, the receiver's side and state, and the code.
 *
 * Every byte is reproducible from the seeds: Ed25519 is deterministic, and
 * ML-DSA-65 signs here in FIPS 204's deterministic variant (rnd = 32 zero
 * bytes, noble's `extraEntropy: false`). keydir nodes sign hedged; a
 * verifier cannot tell the two apart. test/exchange/exchange-vectors.test.ts
 * checks every vector against keydir's code; test/vectors/reproducible.test.ts
 * that this generator rewrites the file byte for byte.
 */
import { writeFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { generateKeyPairFromSeed } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { KeyPush, KeyRequest, KeyResponse } from '../../protobuf/key-exchange.js'
import { expandXWingSeed, selectPqCrypto } from '../../src/crypto/index.js'
import {
  createKeyPush, createKeyRequest, createKeyResponse, exchangeSignedBytes, PUSH_DOMAIN, REQUEST_DOMAIN, RESPONSE_DOMAIN, type ExchangeSigner
} from '../../src/exchange/index.js'
import { MAX_MESSAGE_BYTES, PUSH_RATE_LIMIT, RATE_LIMIT_REQUESTS } from '../../src/exchange/constants.js'
import { createKeyRecord, createRevocation } from '../../src/record/index.js'
import { encodeFields, encodeVarint, parseFields } from '../helpers/protobuf-wire.js'
import { deterministicSigner } from './session-transcript.js'
import type { PeerId } from '@libp2p/interface'

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex')
const encoder = new TextEncoder()

/** The inputs: three parties' seeds (requester, responder, a third peer), the clock and the nonce. */
export const EXCHANGE_INPUTS = {
  requester: { ed25519Seed: new Uint8Array(32).fill(0x21), mlDsaSeed: new Uint8Array(32).fill(0x22), kemSeed: new Uint8Array(32).fill(0x23) },
  responder: { ed25519Seed: new Uint8Array(32).fill(0x31), mlDsaSeed: new Uint8Array(32).fill(0x32), kemSeed: new Uint8Array(32).fill(0x33) },
  third: { ed25519Seed: new Uint8Array(32).fill(0x41) },
  issuedAt: 1_800_000_000_000,
  lifetimeMs: 24 * 60 * 60 * 1000,
  /** The receiver's clock for every vector, and the valid messages' timestamp. */
  now: 1_800_000_060_000,
  /** The request's nonce: the clock in microseconds, as a node's first outbound nonce is. */
  nonce: 1_800_000_060_000_000n
}

async function party (seeds: { ed25519Seed: Uint8Array, mlDsaSeed: Uint8Array, kemSeed: Uint8Array }): Promise<ExchangeSigner> {
  const privateKey = await generateKeyPairFromSeed('Ed25519', seeds.ed25519Seed)
  const mlDsaSigner = deterministicSigner(seeds.mlDsaSeed)
  const xwing = expandXWingSeed(seeds.kemSeed)
  const record = await createKeyRecord({
    privateKey,
    mlDsaSigner,
    mlKemPublicKey: selectPqCrypto().mlKem768.createDecapsulator(xwing.mlKemSeed).publicKey,
    x25519PublicKey: xwing.x25519PublicKey,
    seq: 1,
    issuedAt: EXCHANGE_INPUTS.issuedAt,
    lifetimeMs: EXCHANGE_INPUTS.lifetimeMs
  })
  return { peerId: peerIdFromPrivateKey(privateKey), record, mlDsaSigner }
}

export type Message = 'KeyRequest' | 'KeyResponse' | 'KeyPush'

/**
 * What the receiver knows when the message arrives: `self`, the peer on the
 * other end of the authenticated connection (`remote`), for a response the
 * peer asked and the nonce sent, for a request or push the last nonce
 * accepted from `remote` (none if absent), for a push whether the receiver
 * holds keys of `remote`.
 */
export interface Receiver {
  self: string
  remote: string
  asked?: string
  expectedNonce?: string
  lastAcceptedNonce?: string
  holdsRemote?: boolean
  /** For a KeyPush: the receiver holds `remote` only as a record learned unasked (never resolved, pinned or used). */
  remoteLearnedUnasked?: boolean
  /** Messages of this kind `remote` sent in the last 10 s that the rate limit let through (absent: none). */
  admittedInLastTenSeconds?: number
}

interface InvalidVector {
  name: string
  rule: string
  message: Message
  messageHex: string
  /** Only for a length prefix refused before the message is read: the prefix, and messageHex is empty. */
  lengthPrefixHex?: string
  receiver: Receiver
  error: string
}

export async function makeExchangeVectors (): Promise<Record<string, unknown>> {
  const { now, nonce } = EXCHANGE_INPUTS
  const requester = await party(EXCHANGE_INPUTS.requester)
  const responder = await party(EXCHANGE_INPUTS.responder)
  const third = peerIdFromPrivateKey(await generateKeyPairFromSeed('Ed25519', EXCHANGE_INPUTS.third.ed25519Seed))
  const request = await createKeyRequest(requester, responder.peerId, nonce, now)
  const response = await createKeyResponse(responder, requester.peerId, nonce, now)
  const push = await createKeyPush(requester, responder.peerId, nonce + 1n, now)
  // The requester revoked its identity and pushes its certificate instead of a record (docs/exchange.md, "Revocation push").
  const revocation = await createRevocation({ privateKey: await generateKeyPairFromSeed('Ed25519', EXCHANGE_INPUTS.requester.ed25519Seed), mlDsaSigner: requester.mlDsaSigner, issuedAt: now - 1000, reason: 'retired' })
  const responderRevocation = await createRevocation({ privateKey: await generateKeyPairFromSeed('Ed25519', EXCHANGE_INPUTS.responder.ed25519Seed), mlDsaSigner: responder.mlDsaSigner, issuedAt: now - 1000 })
  const revocationPush = await createKeyPush(requester, responder.peerId, nonce + 2n, now, revocation.bytes)
  const revocationPushBytes = KeyPush.encode(revocationPush)
  const requestBytes = KeyRequest.encode(request)
  const responseBytes = KeyResponse.encode(response)
  const pushBytes = KeyPush.encode(push)

  const atResponder: Receiver = { self: responder.peerId.toString(), remote: requester.peerId.toString() }
  const atRequester: Receiver = { self: requester.peerId.toString(), remote: responder.peerId.toString(), asked: responder.peerId.toString(), expectedNonce: nonce.toString() }
  const atPushed: Receiver = { ...atResponder, lastAcceptedNonce: nonce.toString(), holdsRemote: true }
  const flipped = (signature: Uint8Array): Uint8Array<ArrayBuffer> => Uint8Array.from(signature, (b, i) => i === 0 ? b ^ 1 : b)
  const withField = (bytes: Uint8Array, field: number, value: Uint8Array, wireType = 2): Uint8Array =>
    encodeFields(parseFields(bytes)!.map(f => f.field === field ? { field, wireType, value } : f))
  const recordFields = parseFields(requester.record.bytes)!
  const recordFlipped = encodeFields(recordFields.map(f => f.field === 9 ? { ...f, value: flipped(f.value) } : f))

  const invalid: InvalidVector[] = []
  const add = (message: Message, name: string, rule: string, bytes: Uint8Array, receiver: Receiver, error: string): void => {
    invalid.push({ name, rule, message, messageHex: hex(bytes), receiver, error })
  }
  const requestAs = async (signer: ExchangeSigner, to: PeerId, n: bigint, time: number): Promise<Uint8Array> => KeyRequest.encode(await createKeyRequest(signer, to, n, time))

  // Framing, then decoding, the same for all three messages.
  invalid.push({
    name: 'length prefix 28,673',
    rule: 'a length prefix over 28,672 is refused before the message is read',
    message: 'KeyRequest',
    messageHex: '',
    lengthPrefixHex: hex(encodeVarint(MAX_MESSAGE_BYTES + 1)),
    receiver: atResponder,
    error: 'ERR_MESSAGE_TOO_LARGE'
  })
  add('KeyRequest', 'the eleventh request from one peer in 10 s', 'at most 10 requests per peer per 10 s, checked before the message is read', requestBytes, { ...atResponder, admittedInLastTenSeconds: RATE_LIMIT_REQUESTS }, 'ERR_RATE_LIMITED')
  add('KeyRequest', 'truncated', 'wire form: a length past the end is malformed', requestBytes.subarray(0, 100), atResponder, 'ERR_MESSAGE_MALFORMED')
  add('KeyRequest', 'nonce written length-delimited', 'wire form: a known field in another wire type is malformed', withField(requestBytes, 4, encodeVarint(nonce)), atResponder, 'ERR_MESSAGE_MALFORMED')
  add('KeyRequest', 'unknown field 6 appended', 'wire form: an unknown field is not canonical', Uint8Array.from([...requestBytes, 0x30, 0x01]), atResponder, 'ERR_MESSAGE_NOT_CANONICAL')
  add('KeyRequest', 'fields in reverse order', 'wire form: fields in increasing order', encodeFields(parseFields(requestBytes)!.reverse()), atResponder, 'ERR_MESSAGE_NOT_CANONICAL')
  add('KeyRequest', 'an empty field 5 appended', 'wire form: a field twice, and an empty bytes field written out', Uint8Array.from([...requestBytes, 0x2a, 0x00]), atResponder, 'ERR_MESSAGE_NOT_CANONICAL')
  add('KeyRequest', 'nonce absent (0), signed', 'nonce is 1 … 2^64 - 1, not in 2^31 … 2^32 - 1', await requestAs(requester, responder.peerId, 0n, now), atResponder, 'ERR_BAD_NONCE')
  // protons misencodes 2^31, so the field is written by hand, over a signature made for it.
  const hazardNonce = await createKeyRequest(requester, responder.peerId, 2n ** 31n, now)
  add('KeyRequest', 'nonce 2^31, signed', 'nonce is 1 … 2^64 - 1, not in 2^31 … 2^32 - 1',
    withField(KeyRequest.encode({ ...hazardNonce, nonce: 1n }), 4, encodeVarint(2n ** 31n), 0), atResponder, 'ERR_BAD_NONCE')
  const hazardResponse = await createKeyResponse(responder, requester.peerId, 2n ** 32n - 1n, now)
  add('KeyResponse', 'nonce 2^32 - 1, signed, and the nonce asked', 'nonce is 1 … 2^64 - 1, not in 2^31 … 2^32 - 1',
    withField(KeyResponse.encode({ ...hazardResponse, nonce: 1n }), 4, encodeVarint(2n ** 32n - 1n), 0), { ...atRequester, expectedNonce: (2n ** 32n - 1n).toString() }, 'ERR_BAD_NONCE')
  const hazardTime = await createKeyRequest(requester, responder.peerId, nonce, Number(2n ** 31n + 5n))
  add('KeyRequest', 'timestamp 2^31 + 5, signed', 'a timestamp in 2^31 … 2^32 - 1 is refused at decoding (it is outside the window too)',
    withField(KeyRequest.encode({ ...hazardTime, timestamp: 1n }), 3, encodeVarint(2n ** 31n + 5n), 0), atResponder, 'ERR_STALE_TIMESTAMP')

  // The responder's checks, in order.
  add('KeyRequest', 'addressed to a third peer, signed', 'responder_id is the receiver', await requestAs(requester, third, nonce, now), atResponder, 'ERR_WRONG_RESPONDER')
  add('KeyRequest', 'timestamp 300,001 ms old, signed', '|timestamp - now| <= 300,000 ms', await requestAs(requester, responder.peerId, nonce, now - 300_001), atResponder, 'ERR_STALE_TIMESTAMP')
  add('KeyRequest', 'timestamp 300,001 ms ahead, signed', '|timestamp - now| <= 300,000 ms', await requestAs(requester, responder.peerId, nonce, now + 300_001), atResponder, 'ERR_STALE_TIMESTAMP')
  add('KeyRequest', 'over a connection from a third peer', 'the carried record is the remote peer\'s (its own code)', requestBytes, { ...atResponder, remote: third.toString() }, 'ERR_PEER_ID_MISMATCH')
  add('KeyRequest', 'carried record\'s ML-DSA-65 signature flipped, request signed over it', 'the carried record is valid (its own code)',
    await requestAs({ ...requester, record: { ...requester.record, bytes: recordFlipped } }, responder.peerId, nonce, now), atResponder, 'ERR_BAD_ML_DSA_SIGNATURE')
  add('KeyRequest', 'signature flipped', 'the signature verifies with the carried record\'s ML-DSA-65 key', KeyRequest.encode({ ...request, signature: flipped(request.signature) }), atResponder, 'ERR_BAD_REQUEST_SIGNATURE')
  add('KeyRequest', 'signature of 3308 bytes', 'the signature is 3309 bytes', KeyRequest.encode({ ...request, signature: request.signature.slice(1) }), atResponder, 'ERR_BAD_REQUEST_SIGNATURE')
  add('KeyRequest', 'nonce not above the last accepted', 'nonce > the last nonce accepted from this peer', requestBytes, { ...atResponder, lastAcceptedNonce: nonce.toString() }, 'ERR_REPLAYED_NONCE')

  // The requester's checks, in order.
  add('KeyResponse', 'over a connection from a third peer', 'the remote peer is the peer asked', responseBytes, { ...atRequester, remote: third.toString() }, 'ERR_WRONG_RESPONDER')
  add('KeyResponse', 'answers another nonce', 'nonce is the request\'s', responseBytes, { ...atRequester, expectedNonce: (nonce + 1n).toString() }, 'ERR_NONCE_MISMATCH')
  add('KeyResponse', 'addressed to a third peer, signed', 'requester_id is the receiver', KeyResponse.encode(await createKeyResponse(responder, third, nonce, now)), atRequester, 'ERR_WRONG_REQUESTER')
  add('KeyResponse', 'timestamp 300,001 ms old, signed', '|timestamp - now| <= 300,000 ms', KeyResponse.encode(await createKeyResponse(responder, requester.peerId, nonce, now - 300_001)), atRequester, 'ERR_STALE_TIMESTAMP')
  add('KeyResponse', 'signature flipped', 'the signature verifies with the carried record\'s ML-DSA-65 key', KeyResponse.encode({ ...response, signature: flipped(response.signature) }), atRequester, 'ERR_BAD_RESPONSE_SIGNATURE')

  // The push receiver's checks, in order.
  add('KeyPush', 'the eleventh push from one peer in 10 s', 'at most 10 pushes per peer per 10 s, checked before the message is read', pushBytes, { ...atPushed, admittedInLastTenSeconds: PUSH_RATE_LIMIT }, 'ERR_RATE_LIMITED')
  add('KeyPush', 'from a peer the receiver holds no keys of', 'the receiver holds a record or a pin of the pusher', pushBytes, { ...atPushed, holdsRemote: false }, 'ERR_PUSH_UNSOLICITED')
  add('KeyPush', 'addressed to a third peer, signed', 'recipient_id is the receiver', KeyPush.encode(await createKeyPush(requester, third, nonce + 1n, now)), atPushed, 'ERR_WRONG_RECIPIENT')
  add('KeyPush', 'timestamp 300,001 ms ahead, signed', '|timestamp - now| <= 300,000 ms', KeyPush.encode(await createKeyPush(requester, responder.peerId, nonce + 1n, now + 300_001)), atPushed, 'ERR_STALE_TIMESTAMP')
  add('KeyPush', 'signature flipped', 'the signature verifies with the pushed record\'s ML-DSA-65 key', KeyPush.encode({ ...push, signature: flipped(push.signature) }), atPushed, 'ERR_BAD_PUSH_SIGNATURE')
  add('KeyPush', 'nonce not above the last accepted', 'nonce > the last nonce accepted from this peer (shared with its requests)', pushBytes, { ...atPushed, lastAcceptedNonce: (nonce + 1n).toString() }, 'ERR_REPLAYED_NONCE')
  add('KeyPush', 'carrying a revocation certificate, signature flipped', 'the signature verifies with the certificate\'s ML-DSA-65 key',
    KeyPush.encode({ ...revocationPush, signature: flipped(revocationPush.signature) }), atPushed, 'ERR_BAD_PUSH_SIGNATURE')
  add('KeyPush', 'carrying the responder\'s revocation certificate, signed by the pusher', 'a carried certificate revokes the remote peer (its own code)',
    KeyPush.encode(await createKeyPush(requester, responder.peerId, nonce + 2n, now, responderRevocation.bytes)), atPushed, 'ERR_REVOCATION_PEER_MISMATCH')
  add('KeyPush', 'carrying a revocation certificate, from a peer held only as learned unasked', 'a pushed revocation is kept only for a peer the receiver resolved, pinned or used, never for one learned unasked',
    revocationPushBytes, { ...atPushed, remoteLearnedUnasked: true }, 'ERR_REVOCATION_UNSOLICITED')

  const describe = (message: Message, bytes: Uint8Array, domain: string, from: ExchangeSigner, to: PeerId, timestamp: number, n: bigint, receiver: Receiver): Record<string, unknown> => ({
    message,
    from: from.peerId.toString(),
    to: to.toString(),
    timestamp,
    nonce: n.toString(),
    recordHex: hex(from.record.bytes),
    signedBytesHex: hex(exchangeSignedBytes(encoder.encode(domain), from.peerId, to, timestamp, n, from.record.bytes)),
    messageHex: hex(bytes),
    receiver
  })

  return {
    description: 'keydir direct-exchange golden vectors: KeyRequest, KeyResponse, KeyPush; format and rules: docs/exchange.md. messageHex is the protobuf message without its varint length prefix.',
    inputs: {
      requester: { ed25519SeedHex: hex(EXCHANGE_INPUTS.requester.ed25519Seed), mlDsaSeedHex: hex(EXCHANGE_INPUTS.requester.mlDsaSeed), kemSeedHex: hex(EXCHANGE_INPUTS.requester.kemSeed), peerId: requester.peerId.toString() },
      responder: { ed25519SeedHex: hex(EXCHANGE_INPUTS.responder.ed25519Seed), mlDsaSeedHex: hex(EXCHANGE_INPUTS.responder.mlDsaSeed), kemSeedHex: hex(EXCHANGE_INPUTS.responder.kemSeed), peerId: responder.peerId.toString() },
      third: { ed25519SeedHex: hex(EXCHANGE_INPUTS.third.ed25519Seed), peerId: third.toString() },
      recordsIssuedAt: EXCHANGE_INPUTS.issuedAt,
      recordLifetimeMs: EXCHANGE_INPUTS.lifetimeMs,
      now,
      mlDsaSigning: 'FIPS 204 deterministic variant (rnd = 32 zero bytes); keydir nodes sign hedged, which verifies the same',
      contexts: { request: REQUEST_DOMAIN, response: RESPONSE_DOMAIN, push: PUSH_DOMAIN }
    },
    valid: [
      describe('KeyRequest', requestBytes, REQUEST_DOMAIN, requester, responder.peerId, now, nonce, atResponder),
      describe('KeyResponse', responseBytes, RESPONSE_DOMAIN, responder, requester.peerId, now, nonce, atRequester),
      describe('KeyPush', pushBytes, PUSH_DOMAIN, requester, responder.peerId, now, nonce + 1n, atPushed),
      {
        ...describe('KeyPush', revocationPushBytes, PUSH_DOMAIN, { ...requester, record: { ...requester.record, bytes: revocation.bytes } }, responder.peerId, now, nonce + 2n, atPushed),
        carries: 'revocation'
      }
    ],
    invalid
  }
}

export async function writeExchangeVectors (): Promise<string> {
  const out = fileURLToPath(new URL('../../../test/vectors/key-exchange.json', import.meta.url))
  await writeFile(out, JSON.stringify(await makeExchangeVectors(), null, 2) + '\n')
  return out
}
