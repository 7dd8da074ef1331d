import fc from 'fast-check'
import { equals as uint8ArrayEquals } from 'uint8arrays/equals'
import { selectPqCrypto } from '../../../src/crypto/index.js'
import { checkKeyPush, checkKeyRequest, checkKeyResponse, decodeKeyPush, decodeKeyRequest, decodeKeyResponse, mayAnswerEarly } from '../../../src/exchange/index.js'
import { KeyRecordValidator, RevocationValidator } from '../../../src/record/index.js'
import { corpus } from '../corpus.js'
import { attempt, attemptAsync, Outcomes } from '../harness.js'
import { hostileCase, sometimes } from '../mutate.js'
import type { FuzzTarget } from '../harness.js'
import { KeyPush, KeyRequest, KeyResponse } from '../../../protobuf/key-exchange.js'
import type { PeerId } from '@libp2p/interface'

const EXCHANGE_ERRORS = ['ExchangeError']
const minute = 60_000

type Message = KeyRequest | KeyResponse

function sameMessage (a: Message, b: Message): boolean {
  const recordA = 'requesterRecord' in a ? a.requesterRecord : a.record
  const recordB = 'requesterRecord' in b ? b.requesterRecord : b.record
  const idA = 'responderId' in a ? a.responderId : a.requesterId
  const idB = 'responderId' in b ? b.responderId : b.requesterId
  return uint8ArrayEquals(recordA, recordB) && uint8ArrayEquals(idA, idB) && a.timestamp === b.timestamp &&
    a.nonce === b.nonce && uint8ArrayEquals(a.signature, b.signature)
}

/**
 * KeyRequest bytes from a peer: decodeKeyRequest, then mayAnswerEarly and checkKeyRequest as the
 * responder would (on a connection authenticated as some peer, at a clock
 * near the message's). Every refusal an ExchangeError with a code; a request
 * is accepted only if it is, field for field, a request that peer signed to us.
 */
export const keyRequestTarget: FuzzTarget = {
  name: 'key-request',
  description: 'decodeKeyRequest + mayAnswerEarly + checkKeyRequest on mutated requests (embedded records too) and noise',
  ciRuns: 4000,
  async prepare () {
    const c = await corpus()
    const outcomes = new Outcomes()
    const crypto = selectPqCrypto()
    const validator = new KeyRecordValidator({ crypto, now: () => c.now })
    const peers = c.peers.map(p => p.peerId)
    const seeds = c.requests.map(r => r.bytes)
    const property = fc.asyncProperty(
      hostileCase(seeds, { maxNoise: 512 }),
      fc.nat({ max: 8 }),
      fc.integer({ min: -6 * minute, max: 6 * minute }),
      async ({ bytes, seed: seedIndex }, remoteChoice, skew) => {
        const decoded = attempt(outcomes, 'decode', () => decodeKeyRequest(bytes), EXCHANGE_ERRORS)
        if (!decoded.ok) return true
        if (!uint8ArrayEquals(KeyRequest.encode(decoded.value), bytes)) throw new Error('decoded a KeyRequest whose bytes are not its canonical encoding')
        // Mostly the connection the seed came over; sometimes another peer's.
        const seed = c.requests[seedIndex]
        const remote: PeerId = remoteChoice < 6 ? seed.from : peers[remoteChoice % peers.length]
        const self: PeerId = remoteChoice < 7 ? seed.to : peers[(remoteChoice + 1) % peers.length]
        const ctx = { crypto, validator, now: c.now + (remoteChoice % 2 === 0 ? 0 : skew) }
        // The responder's early signature gate reads the same hostile bytes: it must never throw.
        const early = mayAnswerEarly(ctx, decoded.value, remote, self)
        const checked = await attemptAsync(outcomes, 'check', async () => checkKeyRequest(ctx, decoded.value, remote, self), EXCHANGE_ERRORS)
        if (checked.ok) {
          if (!early) throw new Error('a request checkKeyRequest accepts was not signed for early (mayAnswerEarly said no)')
          const genuine = c.requests.find(r => r.from.equals(remote) && r.to.equals(self) && sameMessage(r.message, decoded.value))
          if (genuine === undefined) throw new Error('checkKeyRequest accepted a request its sender never signed to us')
          if (!checked.value.peerId.equals(remote)) throw new Error('checkKeyRequest returned a record of another peer')
        }
        return true
      })
    return { property, outcomes }
  }
}

/**
 * KeyResponse bytes from the peer we asked: decodeKeyResponse, then
 * checkKeyResponse for the nonce we sent. Accepted only if it is the
 * responder's own signed answer to that very request.
 */
export const keyResponseTarget: FuzzTarget = {
  name: 'key-response',
  description: 'decodeKeyResponse + checkKeyResponse on mutated responses and noise, against the nonce asked',
  ciRuns: 4000,
  async prepare () {
    const c = await corpus()
    const outcomes = new Outcomes()
    const crypto = selectPqCrypto()
    const validator = new KeyRecordValidator({ crypto, now: () => c.now })
    const peers = c.peers.map(p => p.peerId)
    const seeds = c.responses.map(r => r.bytes)
    const property = fc.asyncProperty(
      hostileCase(seeds, { maxNoise: 512 }),
      fc.nat({ max: 9 }),
      fc.oneof(fc.constant(0n), fc.bigInt({ min: -2n, max: 2n })),
      async ({ bytes, seed: seedIndex }, choice, nonceDelta) => {
        const decoded = attempt(outcomes, 'decode', () => decodeKeyResponse(bytes), EXCHANGE_ERRORS)
        if (!decoded.ok) return true
        if (!uint8ArrayEquals(KeyResponse.encode(decoded.value), bytes)) throw new Error('decoded a KeyResponse whose bytes are not its canonical encoding')
        const seed = c.responses[seedIndex]
        const asked = choice < 8 ? seed.from : peers[choice % peers.length]
        const remote = choice < 7 ? asked : peers[(choice + 1) % peers.length]
        const self = seed.to
        const nonce = seed.message.nonce + (choice < 5 ? 0n : nonceDelta)
        const ctx = { crypto, validator, now: c.now }
        const checked = await attemptAsync(outcomes, 'check', async () => checkKeyResponse(ctx, decoded.value, asked, remote, self, nonce), EXCHANGE_ERRORS)
        if (checked.ok) {
          const genuine = c.responses.find(r => r.from.equals(asked) && r.to.equals(self) && r.message.nonce === nonce && sameMessage(r.message, decoded.value))
          if (genuine === undefined || !remote.equals(asked)) throw new Error('checkKeyResponse accepted a response that does not answer our request from the peer asked')
        }
        return true
      })
    return { property, outcomes }
  }
}

function samePush (a: KeyPush, b: KeyPush): boolean {
  return uint8ArrayEquals(a.record, b.record) && uint8ArrayEquals(a.recipientId, b.recipientId) && a.timestamp === b.timestamp &&
    a.nonce === b.nonce && uint8ArrayEquals(a.signature, b.signature)
}

/**
 * KeyPush bytes from a peer: decodeKeyPush, then checkKeyPush as a receiver
 * would, on a connection authenticated as the pusher or another peer.
 * Accepted only if it is, field for field, a push that peer signed to us.
 */
export const keyPushTarget: FuzzTarget = {
  name: 'key-push',
  description: 'decodeKeyPush + checkKeyPush on mutated pushes (embedded records and revocations too) and noise',
  ciRuns: 3000,
  async prepare () {
    const c = await corpus()
    const outcomes = new Outcomes()
    const crypto = selectPqCrypto()
    const validator = new KeyRecordValidator({ crypto, now: () => c.now })
    const peers = c.peers.map(p => p.peerId)
    const revocations = new RevocationValidator({ crypto, now: () => c.now })
    const seeds = c.pushes.map(p => p.bytes)
    const property = fc.asyncProperty(
      hostileCase(seeds, { maxNoise: 512 }),
      fc.nat({ max: 8 }),
      fc.integer({ min: -6 * minute, max: 6 * minute }),
      async ({ bytes, seed: seedIndex }, choice, skew) => {
        const decoded = attempt(outcomes, 'decode', () => decodeKeyPush(bytes), EXCHANGE_ERRORS)
        if (!decoded.ok) return true
        if (!uint8ArrayEquals(KeyPush.encode(decoded.value), bytes)) throw new Error('decoded a KeyPush whose bytes are not its canonical encoding')
        const seed = c.pushes[seedIndex]
        const remote: PeerId = choice < 6 ? seed.from : peers[choice % peers.length]
        const self: PeerId = choice < 7 ? seed.to : peers[(choice + 1) % peers.length]
        const ctx = { crypto, validator, revocations, now: c.now + (choice % 2 === 0 ? 0 : skew) }
        const checked = await attemptAsync(outcomes, 'check', async () => checkKeyPush(ctx, decoded.value, remote, self), EXCHANGE_ERRORS)
        if (checked.ok) {
          const genuine = c.pushes.find(p => p.from.equals(remote) && p.to.equals(self) && samePush(p.message, decoded.value))
          if (genuine === undefined) throw new Error('checkKeyPush accepted a push its sender never signed to us')
          const value = checked.value
          const owner = value.kind === 'record' ? value.record.peerId : value.revocation.peerId
          if (!owner.equals(remote)) throw new Error('checkKeyPush returned a value of another peer')
          outcomes.add(`accepted ${value.kind}`)
        }
        return true
      })
    return { property, outcomes }
  }
}

/**
 * Structured requests rather than bytes: every field drawn from hostile
 * values (huge and boundary integers, foreign records and ids, random
 * signatures), so the checks behind the decoder meet values a byte mutation
 * rarely makes.
 */
export const keyRequestFieldsTarget: FuzzTarget = {
  name: 'key-request-fields',
  description: 'checkKeyRequest on KeyRequests assembled from hostile field values',
  ciRuns: 2000,
  async prepare () {
    const c = await corpus()
    const outcomes = new Outcomes()
    const crypto = selectPqCrypto()
    const validator = new KeyRecordValidator({ crypto, now: () => c.now })
    const peers = c.peers.map(p => p.peerId)
    const seed = fc.nat({ max: c.requests.length - 1 }).map(i => c.requests[i])
    const u64 = fc.oneof(fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), fc.constantFrom(0n, 2n ** 53n, 2n ** 64n - 1n))
    const noise = fc.uint8Array({ maxLength: 96 })
    const change = fc.record({
      requesterRecord: sometimes(fc.oneof(noise, fc.nat({ max: c.records.length - 1 }).map(i => c.records[i].bytes))),
      responderId: sometimes(fc.oneof(noise, fc.nat({ max: peers.length - 1 }).map(i => peers[i].toMultihash().bytes))),
      timestamp: sometimes(fc.oneof(u64, fc.integer({ min: -10 * minute, max: 10 * minute }).map(d => BigInt(c.now + d)))),
      nonce: sometimes(u64),
      signature: sometimes(fc.oneof(noise, fc.nat({ max: c.requests.length - 1 }).map(i => c.requests[i].message.signature)))
    })
    const property = fc.asyncProperty(seed, change, async (s, ch) => {
      const request: KeyRequest = {
        requesterRecord: (ch.requesterRecord ?? s.message.requesterRecord) as Uint8Array<ArrayBuffer>,
        responderId: (ch.responderId ?? s.message.responderId),
        timestamp: ch.timestamp ?? s.message.timestamp,
        nonce: ch.nonce ?? s.message.nonce,
        signature: (ch.signature ?? s.message.signature)
      }
      const checked = await attemptAsync(outcomes, 'check', async () => checkKeyRequest({ crypto, validator, now: c.now }, request, s.from, s.to), EXCHANGE_ERRORS)
      if (checked.ok && !sameMessage(request, s.message)) throw new Error('checkKeyRequest accepted a request with a changed field')
      return true
    })
    return { property, outcomes }
  }
}
