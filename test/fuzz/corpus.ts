import { KeyPush, KeyRequest, KeyResponse } from '../../protobuf/key-exchange.js'
import { expandXWingSeed } from '../../src/crypto/index.js'
import { createKeyPush, createKeyRequest, createKeyResponse } from '../../src/exchange/index.js'
import { createRevocation, MAX_RECORD_LIFETIME_MS, recordHash } from '../../src/record/index.js'
import { makeIdentity, makeRecord, rotateIdentity } from '../helpers/records.js'
import type { ExchangeSigner } from '../../src/exchange/index.js'
import type { KeyRecord } from '../../src/record/index.js'
import type { TestIdentity } from '../helpers/records.js'
import type { PeerId } from '@libp2p/interface'

/**
 * The valid inputs that mutation fuzzing starts from: three peers' records
 * (one with a rotation proof, one with the longest lifetime, one issued
 * within the clock skew ahead, one with the largest seq, one three
 * rotations on with two history links and the previous record's hash, and
 * two of version 2 with an X25519 key, one of them with full history), and
 * KeyRequests and KeyResponses between them, all valid at `now`.
 */

const minute = 60_000

export interface ExchangeSeed<T> {
  message: T
  bytes: Uint8Array
  from: PeerId
  to: PeerId
}

export interface Corpus {
  /** The clock every validator in the fuzz targets uses. */
  now: number
  peers: TestIdentity[]
  records: KeyRecord[]
  requests: Array<ExchangeSeed<KeyRequest>>
  responses: Array<ExchangeSeed<KeyResponse>>
  pushes: Array<ExchangeSeed<KeyPush>>
  /** Hex of every valid record's bytes, by PeerId string. */
  validRecords: Map<string, Set<string>>
}

export const hex = (bytes: Uint8Array): string => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex')

let shared: Promise<Corpus> | undefined

/** An X25519 key for a test identity, from its ML-DSA-65 seed (any 32 bytes make an X-Wing seed). */
function x25519Of (identity: TestIdentity): Uint8Array {
  return expandXWingSeed(identity.mlDsaSeed).x25519PublicKey
}

/** One corpus per process: building it signs a dozen records and messages. */
export async function corpus (): Promise<Corpus> {
  shared ??= build()
  return shared
}

async function build (): Promise<Corpus> {
  const now = Date.now()
  const [a, b, c] = await Promise.all([makeIdentity(), makeIdentity(), makeIdentity()])
  const { identity: a2, rotation } = rotateIdentity(a)
  const records = [
    await makeRecord(a, { seq: 1, issuedAt: now - minute }),
    await makeRecord(a, { seq: 5, issuedAt: now - minute, lifetimeMs: MAX_RECORD_LIFETIME_MS }),
    await makeRecord(a2, { seq: 9, issuedAt: now - minute, rotation }),
    await makeRecord(b, { seq: 1, issuedAt: now - minute }),
    await makeRecord(b, { seq: 3, issuedAt: now + 4 * minute, lifetimeMs: minute + 4 * minute + 1 }),
    await makeRecord(c, { seq: Number.MAX_SAFE_INTEGER, issuedAt: now - 2 * minute })
  ]
  // a -> a2 -> a3 -> a4: a4's record carries the proof into a4 and the hand-overs into a3 and a2.
  const { identity: a3, rotation: into3 } = rotateIdentity(a2)
  const { identity: a4, rotation: into4 } = rotateIdentity(a3)
  records.push(await makeRecord(a4, {
    seq: 13,
    issuedAt: now - minute,
    rotation: into4,
    history: [{ ...into3, mlDsaPublicKey: a3.mlDsaSigner.publicKey }, { ...rotation, mlDsaPublicKey: a2.mlDsaSigner.publicKey }],
    previousRecordHash: recordHash(records[2].bytes)
  }))
  // Version 2 (with an X25519 key), appended so the records above keep their places: b's plain, and a4's with full history.
  records.push(await makeRecord(b, { seq: 7, issuedAt: now - minute, x25519PublicKey: x25519Of(b) }))
  records.push(await makeRecord(a4, {
    seq: 14,
    issuedAt: now - minute,
    rotation: into4,
    history: records[6].history,
    previousRecordHash: recordHash(records[6].bytes),
    x25519PublicKey: x25519Of(a4)
  }))
  const signer = (identity: TestIdentity, record: KeyRecord): ExchangeSigner => ({ peerId: identity.peerId, record, mlDsaSigner: identity.mlDsaSigner })
  const pairs: Array<[ExchangeSigner, ExchangeSigner, bigint]> = [
    [signer(a, records[0]), signer(b, records[3]), 1_000_000n],
    [signer(b, records[3]), signer(a, records[1]), 1n],
    [signer(a2, records[2]), signer(c, records[5]), 2n ** 64n - 1n],
    [signer(c, records[5]), signer(b, records[4]), 0n]
  ]
  const requests = await Promise.all(pairs.map(async ([from, to, nonce]) => {
    const message = await createKeyRequest(from, to.peerId, nonce, now)
    return { message, bytes: KeyRequest.encode(message), from: from.peerId, to: to.peerId }
  }))
  const responses = await Promise.all(pairs.map(async ([asker, responder, nonce]) => {
    const message = await createKeyResponse(responder, asker.peerId, nonce, now - minute)
    return { message, bytes: KeyResponse.encode(message), from: responder.peerId, to: asker.peerId }
  }))
  // Every pair's record pushed, and a's revocation pushed by a.
  const revocation = await createRevocation({ privateKey: a.privateKey, mlDsaSigner: a.mlDsaSigner, issuedAt: now - minute })
  const pushed: Array<[ExchangeSigner, ExchangeSigner, bigint, Uint8Array | undefined]> = [
    ...pairs.map(([from, to, nonce]): [ExchangeSigner, ExchangeSigner, bigint, undefined] => [from, to, nonce, undefined]),
    [signer(a, records[0]), signer(b, records[3]), 7n, revocation.bytes]
  ]
  const pushes = await Promise.all(pushed.map(async ([pusher, recipient, nonce, carried]) => {
    const message = await createKeyPush(pusher, recipient.peerId, nonce, now, carried)
    return { message, bytes: KeyPush.encode(message), from: pusher.peerId, to: recipient.peerId }
  }))
  const validRecords = new Map<string, Set<string>>()
  for (const record of records) {
    const key = record.peerId.toString()
    validRecords.set(key, (validRecords.get(key) ?? new Set()).add(hex(record.bytes)))
  }
  return { now, peers: [a, b, c], records, requests, responses, pushes, validRecords }
}
