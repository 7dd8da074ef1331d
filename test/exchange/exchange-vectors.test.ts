import assert from 'node:assert/strict'
import { readFile } from 'node:fs/promises'
import { describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'
import { selectPqCrypto } from '../../src/crypto/index.js'
import {
  checkKeyPush, checkKeyRequest, checkKeyResponse, decodeKeyPush, decodeKeyRequest, decodeKeyResponse, exchangeSignedBytes, NonceBook
} from '../../src/exchange/index.js'
import { ExchangeError, RevocationError } from '../../src/errors.js'
import { KeyRecordValidator, RevocationValidator } from '../../src/record/index.js'
import { MAX_MESSAGE_BYTES, PUSH_RATE_LIMIT, RATE_LIMIT_REQUESTS, RATE_LIMIT_WINDOW_S } from '../../src/exchange/constants.js'
import { admitInbound } from '../../src/exchange/inbound.js'
import { readMessage } from '../../src/exchange/stream-errors.js'
import { pbStream, RateLimiter, streamPair } from '@libp2p/utils'
import type { Uint8ArrayList } from 'uint8arraylist'
import { peerIdOf } from '../../src/util/peer-id.js'
import type { Message, Receiver } from '../vectors/generate-exchange.js'
import type { ExchangeNonceStore } from '../../src/registry/index.js'

interface Vector { name?: string, message: Message, messageHex: string, lengthPrefixHex?: string, receiver: Receiver, error?: string }
interface ValidVector extends Vector { from: string, to: string, timestamp: number, nonce: string, recordHex: string, signedBytesHex: string }

const file = fileURLToPath(new URL('../../../test/vectors/key-exchange.json', import.meta.url))
const vectors = JSON.parse(await readFile(file, 'utf8')) as { inputs: { now: number, contexts: Record<string, string> }, valid: ValidVector[], invalid: Array<Vector & { name: string, error: string }> }
const crypto = selectPqCrypto()
const now = vectors.inputs.now
const bytes = (hexString: string): Uint8Array => new Uint8Array(Buffer.from(hexString, 'hex'))

/** A nonce book whose rows are a Map, holding every peer: the replay rule as keydir applies it. */
async function nonceBookWith (peer: string, last: string | undefined): Promise<NonceBook> {
  const rows = new Map<string, bigint>()
  const table = { get: async (key: string) => rows.get(key), put: async (key: string, value: bigint) => { rows.set(key, value) } }
  const store = { withPeer: async (_peer: unknown, task: (held: boolean) => Promise<unknown>) => task(true), inbound: table, meta: table } as unknown as ExchangeNonceStore
  const book = new NonceBook(store)
  if (last !== undefined) assert.ok(await book.acceptInbound(peer, BigInt(last)))
  return book
}

/** A message read off a stream as keydir's exchange reads it: length prefix first, capped. */
async function readFramed (prefix: Uint8Array, message: Uint8Array): Promise<Uint8Array> {
  const [outbound, inbound] = await streamPair()
  outbound.send(Uint8Array.from([...prefix, ...message]))
  const read = await readMessage(pbStream(inbound, { maxDataLength: MAX_MESSAGE_BYTES }), (b: Uint8Array | Uint8ArrayList) => b.subarray(), 'the message', AbortSignal.timeout(5_000))
  await outbound.close()
  return read
}

/**
 * The receiver's checks, in keydir's order (docs/exchange.md): decoding,
 * the message's own checks, then the receiver's state (a push from a peer
 * it holds no keys of, a nonce not above the last accepted). The push's
 * "holds" check is the push service's first, before the message's own
 * checks; the service itself is tested over TCP in push.test.ts.
 */
async function receive (vector: Vector): Promise<void> {
  const { receiver } = vector
  const self = peerIdOf(receiver.self)
  const remote = peerIdOf(receiver.remote)
  if (vector.message !== 'KeyResponse') {
    // keydir's rate limit, before anything is read, after the messages the vector says it let through.
    const limiter = new RateLimiter({ points: vector.message === 'KeyPush' ? PUSH_RATE_LIMIT : RATE_LIMIT_REQUESTS, duration: RATE_LIMIT_WINDOW_S })
    for (let i = 0; i < (receiver.admittedInLastTenSeconds ?? 0); i++) admitInbound(limiter, remote, 'messages')
    admitInbound(limiter, remote, 'messages')
  }
  const ctx = { crypto, validator: new KeyRecordValidator({ crypto, now: () => now }), revocations: new RevocationValidator({ crypto, now: () => now }), now }
  const message = vector.lengthPrefixHex === undefined ? bytes(vector.messageHex) : await readFramed(bytes(vector.lengthPrefixHex), bytes(vector.messageHex))
  if (vector.message === 'KeyResponse') {
    const response = decodeKeyResponse(message)
    await checkKeyResponse(ctx, response, peerIdOf(receiver.asked!), remote, self, BigInt(receiver.expectedNonce!))
    return
  }
  const decoded = vector.message === 'KeyRequest' ? decodeKeyRequest(message) : decodeKeyPush(message)
  let pushed: Awaited<ReturnType<typeof checkKeyPush>> | undefined
  if (vector.message === 'KeyPush') {
    if (receiver.holdsRemote !== true) throw new ExchangeError('ERR_PUSH_UNSOLICITED', 'no keys of the pusher held')
    pushed = await checkKeyPush(ctx, decodeKeyPush(message), remote, self)
  } else {
    await checkKeyRequest(ctx, decodeKeyRequest(message), remote, self)
  }
  if (!await (await nonceBookWith(receiver.remote, receiver.lastAcceptedNonce)).acceptInbound(receiver.remote, decoded.nonce)) {
    throw new ExchangeError('ERR_REPLAYED_NONCE', 'nonce not above the last accepted')
  }
  // The registry's rule for a pushed revocation (tested on the registry itself in test/registry/revocations.test.ts).
  if (pushed?.kind === 'revocation' && receiver.remoteLearnedUnasked === true) {
    throw new RevocationError('ERR_REVOCATION_UNSOLICITED', 'a revocation of a peer held only as learned unasked')
  }
}

describe('exchange golden vectors (test/vectors/key-exchange.json)', () => {
  it('names a rule and a code for every invalid vector, and covers every code the receivers give', () => {
    const codes = new Set(vectors.invalid.map(v => v.error))
    for (const code of ['ERR_MESSAGE_MALFORMED', 'ERR_MESSAGE_NOT_CANONICAL', 'ERR_BAD_NONCE', 'ERR_STALE_TIMESTAMP', 'ERR_WRONG_RESPONDER', 'ERR_WRONG_REQUESTER',
      'ERR_WRONG_RECIPIENT', 'ERR_NONCE_MISMATCH', 'ERR_BAD_REQUEST_SIGNATURE', 'ERR_BAD_RESPONSE_SIGNATURE', 'ERR_BAD_PUSH_SIGNATURE', 'ERR_REPLAYED_NONCE', 'ERR_PUSH_UNSOLICITED']) {
      assert.ok(codes.has(code), code)
    }
  })

  for (const vector of vectors.valid) {
    it(`accepts the valid ${vector.message}, whose signed bytes are the documented ones`, async () => {
      const context = new TextEncoder().encode({ KeyRequest: vectors.inputs.contexts.request, KeyResponse: vectors.inputs.contexts.response, KeyPush: vectors.inputs.contexts.push }[vector.message])
      const signed = exchangeSignedBytes(context, peerIdOf(vector.from), peerIdOf(vector.to), vector.timestamp, BigInt(vector.nonce), bytes(vector.recordHex))
      assert.equal(Buffer.from(signed).toString('hex'), vector.signedBytesHex)
      await receive(vector)
    })
  }

  for (const vector of vectors.invalid) {
    it(`refuses ${vector.message} "${vector.name}" with ${vector.error}`, async () => {
      await assert.rejects(receive(vector), (err: any) => {
        assert.equal(err.code, vector.error, err.message)
        return true
      })
    })
  }
})
