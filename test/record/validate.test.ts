import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { describe, it } from 'node:test'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { nativeCrypto, nobleCrypto } from '../../src/crypto/index.js'
import { KeyRecord as KeyRecordMessage } from '../../protobuf/key-record.js'
import {
  createKeyRecord, createRotationProof, KeyRecordValidator, marshalKeyRecord, MAX_RECORD_BYTES, recordSignedBytes, routingKeyFor, RECORD_CONTEXT
} from '../../src/record/index.js'
import type { KeyRecord, KeyRecordContent } from '../../src/record/index.js'
import type { PrivateKey } from '@libp2p/interface'

const crypto = nativeCrypto
const now = 1_800_000_000_000
const minute = 60_000

interface Peer { privateKey: PrivateKey, seed: Uint8Array, kemSeed: Uint8Array }

async function makePeer (): Promise<Peer> {
  return { privateKey: await generateKeyPair('Ed25519'), seed: randomBytes(32), kemSeed: randomBytes(64) }
}

async function makeRecord (peer: Peer, overrides: { seq?: number, issuedAt?: number, lifetimeMs?: number } = {}): Promise<KeyRecord> {
  return createKeyRecord({
    privateKey: peer.privateKey,
    mlDsaSigner: crypto.mlDsa65.createSigner(peer.seed),
    mlKemPublicKey: crypto.mlKem768.createDecapsulator(peer.kemSeed).publicKey,
    seq: overrides.seq ?? 1,
    issuedAt: overrides.issuedAt ?? now - minute,
    lifetimeMs: overrides.lifetimeMs
  })
}

/** Sign arbitrary content with both of the peer's keys, bypassing createKeyRecord's own checks. */
async function signContent (peer: Peer, content: KeyRecordContent): Promise<Uint8Array> {
  const signed = recordSignedBytes(content)
  return marshalKeyRecord(content, await peer.privateKey.sign(signed), crypto.mlDsa65.createSigner(peer.seed).sign(signed, RECORD_CONTEXT))
}

function validator (): KeyRecordValidator {
  return new KeyRecordValidator({ crypto, now: () => now })
}

function rejects (fn: () => unknown, code: string): void {
  assert.throws(fn, (err: any) => err.name === 'InvalidRecordError' && err.code === code, `expected ${code}`)
}

/** A canonical record's fields, each with its tag and length (no rotation: one-byte tags, no nesting). */
function fieldsOf (bytes: Uint8Array): Uint8Array[] {
  const fields: Uint8Array[] = []
  let at = 0
  const readVarint = (): number => {
    let value = 0
    for (let shift = 1; ; shift *= 128) {
      const byte = bytes[at++]
      value += (byte & 0x7f) * shift
      if (byte < 0x80) return value
    }
  }
  while (at < bytes.length) {
    const start = at
    const tag = readVarint()
    const value = readVarint()
    if ((tag & 7) === 2) at += value
    fields.push(bytes.subarray(start, at))
  }
  return fields
}

function varint (value: number): Uint8Array {
  const out: number[] = []
  for (; value >= 0x80; value = Math.floor(value / 0x80)) out.push((value % 0x80) | 0x80)
  out.push(value)
  return Uint8Array.from(out)
}

/** A varint field with one needless continuation byte: the same value, one byte longer. */
function widenVarint (field: Uint8Array): Uint8Array {
  const widened = Uint8Array.from([...field, 0x00])
  widened[field.length - 1] |= 0x80
  return widened
}

describe('KeyRecordValidator', () => {
  it('accepts a fresh record under its routing key and by PeerId', async () => {
    const peer = await makePeer()
    const record = await makeRecord(peer)
    const v = validator()
    const byKey = v.validateForRoutingKey(routingKeyFor(record.peerId), record.bytes)
    assert.equal(byKey.peerId.toString(), record.peerId.toString())
    assert.deepEqual(v.validate(record.peerId, record.bytes).mlKemPublicKey, record.mlKemPublicKey)
  })

  it('accepts records across crypto implementations', async () => {
    const peer = await makePeer()
    const record = await makeRecord(peer)
    const v = new KeyRecordValidator({ crypto: nobleCrypto, now: () => now })
    assert.equal(v.validate(record.peerId, record.bytes).seq, 1)
  })

  it('refuses an oversized record before decoding it', async () => {
    const peer = await makePeer()
    const record = await makeRecord(peer)
    const padded = new Uint8Array(MAX_RECORD_BYTES + 1)
    padded.set(record.bytes)
    rejects(() => validator().validate(record.peerId, padded), 'ERR_RECORD_TOO_LARGE')
  })

  it('refuses bytes that are not a KeyRecord protobuf', async () => {
    const record = await makeRecord(await makePeer())
    rejects(() => validator().validate(record.peerId, record.bytes.subarray(0, 100)), 'ERR_RECORD_MALFORMED')
    rejects(() => validator().validate(record.peerId, Uint8Array.of(0xff, 0xff, 0xff)), 'ERR_RECORD_MALFORMED')
  })

  it('refuses trailing bytes, duplicate fields and unknown fields', async () => {
    const record = await makeRecord(await makePeer())
    const v = validator()
    const withTrailingField = Buffer.concat([record.bytes, KeyRecordMessage.encode({ seq: 1n })])
    rejects(() => v.validate(record.peerId, withTrailingField), 'ERR_RECORD_NOT_CANONICAL')
    const versionOne = Buffer.concat([record.bytes, Uint8Array.of(0x60, 0x01)]) // field 12 (version), varint 1: version 1 written out
    rejects(() => v.validate(record.peerId, versionOne), 'ERR_RECORD_NOT_CANONICAL')
    const unknownField = Buffer.concat([record.bytes, Uint8Array.of(0x70, 0x01)]) // field 14, varint 1
    rejects(() => v.validate(record.peerId, unknownField), 'ERR_RECORD_NOT_CANONICAL')
  })

  it('refuses every other encoding of a valid record: order, duplicates, explicit defaults, non-minimal varints', async () => {
    const record = await makeRecord(await makePeer())
    const fields = fieldsOf(record.bytes)
    const [peerId, mlDsaKey, mlKemKey, seq, issuedAt, expiresAt, libp2pSignature, mlDsaSignature] = fields
    const variants: Record<string, Uint8Array[]> = {
      'seq and issuedAt swapped': [peerId, mlDsaKey, mlKemKey, issuedAt, seq, expiresAt, libp2pSignature, mlDsaSignature],
      'the two public keys swapped': [peerId, mlKemKey, mlDsaKey, seq, issuedAt, expiresAt, libp2pSignature, mlDsaSignature],
      'signatures before the times': [peerId, mlDsaKey, mlKemKey, libp2pSignature, seq, issuedAt, expiresAt, mlDsaSignature],
      'the PeerId twice': [peerId, peerId, mlDsaKey, mlKemKey, seq, issuedAt, expiresAt, libp2pSignature, mlDsaSignature],
      'an empty ML-DSA-65 signature first': [peerId, mlDsaKey, mlKemKey, seq, issuedAt, expiresAt, libp2pSignature, Uint8Array.of(0x4a, 0x00), mlDsaSignature],
      'a zero issuedAt first': [peerId, mlDsaKey, mlKemKey, seq, Uint8Array.of(0x28, 0x00), issuedAt, expiresAt, libp2pSignature, mlDsaSignature],
      'seq as a non-minimal varint': [peerId, mlDsaKey, mlKemKey, widenVarint(seq), issuedAt, expiresAt, libp2pSignature, mlDsaSignature],
      'a non-minimal tag': [Buffer.concat([Uint8Array.of(0x8a, 0x00), peerId.subarray(1)]), mlDsaKey, mlKemKey, seq, issuedAt, expiresAt, libp2pSignature, mlDsaSignature],
      'a non-minimal length': [Buffer.concat([Uint8Array.of(0x0a, peerId[1] | 0x80, 0x00), peerId.subarray(2)]), mlDsaKey, mlKemKey, seq, issuedAt, expiresAt, libp2pSignature, mlDsaSignature]
    }
    assert.deepEqual(Buffer.concat(fields), Buffer.from(record.bytes))
    for (const [name, parts] of Object.entries(variants)) {
      const bytes = Buffer.concat(parts)
      assert.equal(KeyRecordMessage.decode(bytes).seq, BigInt(record.seq), `${name} still decodes to the record`)
      rejects(() => validator().validate(record.peerId, bytes), 'ERR_RECORD_NOT_CANONICAL')
    }
  })

  it('refuses a record fetched for another peer', async () => {
    const a = await makeRecord(await makePeer())
    const b = await makeRecord(await makePeer())
    rejects(() => validator().validate(b.peerId, a.bytes), 'ERR_PEER_ID_MISMATCH')
    rejects(() => validator().validateForRoutingKey(routingKeyFor(b.peerId), a.bytes), 'ERR_PEER_ID_MISMATCH')
  })

  it('refuses a routing key outside /pqk/', async () => {
    const record = await makeRecord(await makePeer())
    const ipnsKey = new TextEncoder().encode('/ipns/' + 'x')
    rejects(() => validator().validateForRoutingKey(ipnsKey, record.bytes), 'ERR_BAD_ROUTING_KEY')
  })

  it('refuses a PeerId that is not an Ed25519 identity multihash', async () => {
    const peer = await makePeer()
    const record = await makeRecord(peer)
    const secp = peerIdFromPrivateKey(await generateKeyPair('secp256k1'))
    const bytes = KeyRecordMessage.encode({ ...KeyRecordMessage.decode(record.bytes), peerId: secp.toMultihash().bytes })
    rejects(() => validator().validate(secp, bytes), 'ERR_BAD_PEER_ID')
    const garbage = KeyRecordMessage.encode({ ...KeyRecordMessage.decode(record.bytes), peerId: Uint8Array.of(1, 2, 3) })
    rejects(() => validator().validateForRoutingKey(Buffer.concat([Buffer.from('/pqk/'), Uint8Array.of(1, 2, 3)]), garbage), 'ERR_BAD_PEER_ID')
  })

  for (const [field, length, code] of [
    ['mlDsaPublicKey', 1951, 'ERR_BAD_KEY_LENGTH'],
    ['mlKemPublicKey', 1185, 'ERR_BAD_KEY_LENGTH'],
    ['libp2pSignature', 63, 'ERR_BAD_SIGNATURE_LENGTH'],
    ['mlDsaSignature', 3310, 'ERR_BAD_SIGNATURE_LENGTH']
  ] as const) {
    it(`refuses ${field} of ${length} bytes`, async () => {
      const record = await makeRecord(await makePeer())
      const bytes = KeyRecordMessage.encode({ ...KeyRecordMessage.decode(record.bytes), [field]: new Uint8Array(length) })
      rejects(() => validator().validate(record.peerId, bytes), code)
    })
  }

  it('refuses a missing key (empty field)', async () => {
    const record = await makeRecord(await makePeer())
    const bytes = KeyRecordMessage.encode({ ...KeyRecordMessage.decode(record.bytes), mlKemPublicKey: new Uint8Array(0) })
    rejects(() => validator().validate(record.peerId, bytes), 'ERR_BAD_KEY_LENGTH')
  })

  it('refuses a rotation proof of the wrong shape', async () => {
    const record = await makeRecord(await makePeer())
    const bytes = KeyRecordMessage.encode({
      ...KeyRecordMessage.decode(record.bytes),
      rotation: { previousFingerprint: new Uint8Array(31), signature: new Uint8Array(3309) }
    })
    rejects(() => validator().validate(record.peerId, bytes), 'ERR_BAD_ROTATION_PROOF')
  })

  it('refuses seq 0 and values past 2^53 - 1', async () => {
    const record = await makeRecord(await makePeer())
    const decoded = KeyRecordMessage.decode(record.bytes)
    rejects(() => validator().validate(record.peerId, KeyRecordMessage.encode({ ...decoded, seq: 0n })), 'ERR_FIELD_RANGE')
    rejects(() => validator().validate(record.peerId, KeyRecordMessage.encode({ ...decoded, expiresAt: 2n ** 60n })), 'ERR_FIELD_RANGE')
  })

  it('neither makes nor accepts uint64 values from 2^31 to 2^32 - 1 (protons-runtime writes them wrongly)', async () => {
    const peer = await makePeer()
    const record = await makeRecord(peer)
    for (const seq of [2 ** 31, 2 ** 31 + 5, 2 ** 32 - 1]) {
      await assert.rejects(makeRecord(peer, { seq }), (err: any) => err.code === 'ERR_FIELD_RANGE')
      // The same record with that seq, written correctly by hand
      const [peerId, mlDsaKey, mlKemKey, , ...rest] = fieldsOf(record.bytes)
      const bytes = Buffer.concat([peerId, mlDsaKey, mlKemKey, Uint8Array.of(0x20), varint(seq), ...rest])
      assert.equal(KeyRecordMessage.decode(bytes).seq, BigInt(seq))
      rejects(() => validator().validate(record.peerId, bytes), 'ERR_FIELD_RANGE')
    }
    for (const seq of [2 ** 31 - 1, 2 ** 32]) {
      assert.equal((await makeRecord(peer, { seq })).seq, seq)
    }
  })

  it('refuses a record that expires before it is issued', async () => {
    const peer = await makePeer()
    const record = await makeRecord(peer)
    const bytes = await signContent(peer, { ...record, issuedAt: now, expiresAt: now })
    rejects(() => validator().validate(record.peerId, bytes), 'ERR_BAD_TIMES')
  })

  it('refuses a lifetime over the limit', async () => {
    const peer = await makePeer()
    const record = await makeRecord(peer)
    const bytes = await signContent(peer, { ...record, issuedAt: now - minute, expiresAt: now + 8 * 24 * 60 * minute })
    rejects(() => validator().validate(record.peerId, bytes), 'ERR_LIFETIME_TOO_LONG')
  })

  it('refuses an expired record', async () => {
    const record = await makeRecord(await makePeer(), { issuedAt: now - 10 * minute, lifetimeMs: 5 * minute })
    rejects(() => validator().validate(record.peerId, record.bytes), 'ERR_RECORD_EXPIRED')
  })

  it('refuses an issue time more than 5 minutes ahead, accepts one within', async () => {
    const peer = await makePeer()
    const ahead = await makeRecord(peer, { issuedAt: now + 5 * minute + 1 })
    rejects(() => validator().validate(ahead.peerId, ahead.bytes), 'ERR_ISSUED_IN_FUTURE')
    const skewed = await makeRecord(peer, { issuedAt: now + 4 * minute })
    assert.equal(validator().validate(skewed.peerId, skewed.bytes).issuedAt, now + 4 * minute)
  })

  it('refuses options that would turn a time bound off or break its caches (NaN compares false)', () => {
    for (const init of [{ maxClockSkewMs: Number.NaN }, { maxLifetimeMs: -1 }, { verifiedCacheSize: 0 }, { refusedCacheSize: 1.5 }]) {
      const name = Object.keys(init)[0]
      assert.throws(() => new KeyRecordValidator({ crypto, now: () => now, ...init }), (err: any) => err.code === 'ERR_BAD_OPTION' && err.message.startsWith(`${name} must be`), name)
    }
  })

  it('refuses a forged libp2p signature', async () => {
    const record = await makeRecord(await makePeer())
    const decoded = KeyRecordMessage.decode(record.bytes)
    decoded.libp2pSignature[0] ^= 1
    rejects(() => validator().validate(record.peerId, KeyRecordMessage.encode(decoded)), 'ERR_BAD_LIBP2P_SIGNATURE')
  })

  it('refuses a forged ML-DSA-65 signature', async () => {
    const record = await makeRecord(await makePeer())
    const decoded = KeyRecordMessage.decode(record.bytes)
    decoded.mlDsaSignature[10] ^= 1
    rejects(() => validator().validate(record.peerId, KeyRecordMessage.encode(decoded)), 'ERR_BAD_ML_DSA_SIGNATURE')
  })

  it('refuses an ML-KEM-768 key swapped under valid-looking signatures', async () => {
    const record = await makeRecord(await makePeer())
    const other = await makeRecord(await makePeer())
    const bytes = KeyRecordMessage.encode({ ...KeyRecordMessage.decode(record.bytes), mlKemPublicKey: other.mlKemPublicKey as Uint8Array<ArrayBuffer> })
    rejects(() => validator().validate(record.peerId, bytes), 'ERR_BAD_LIBP2P_SIGNATURE')
  })

  it('refuses another ML-DSA-65 key signed only by the PeerId key', async () => {
    const peer = await makePeer()
    const record = await makeRecord(peer)
    const attacker = crypto.mlDsa65.createSigner(randomBytes(32))
    const content = { ...record, mlDsaPublicKey: attacker.publicKey }
    const signed = recordSignedBytes(content)
    // right libp2p signature, but the ML-DSA signature is the old key's over other bytes
    const bytes = marshalKeyRecord(content, await peer.privateKey.sign(signed), record.mlDsaSignature)
    rejects(() => validator().validate(record.peerId, bytes), 'ERR_BAD_ML_DSA_SIGNATURE')
  })

  it('keeps its own copy: a record read from a shared buffer survives the buffer being reused', async () => {
    const peer = await makePeer()
    const previous = crypto.mlDsa65.createSigner(peer.seed)
    const next = crypto.mlDsa65.createSigner(randomBytes(32))
    const rotated = await createKeyRecord({
      privateKey: peer.privateKey,
      mlDsaSigner: next,
      mlKemPublicKey: crypto.mlKem768.createDecapsulator(peer.kemSeed).publicKey,
      seq: 2,
      issuedAt: now - minute,
      rotation: createRotationProof(peerIdFromPrivateKey(peer.privateKey), previous, next.publicKey)
    })
    for (const original of [await makeRecord(peer), rotated]) {
      // As a network read hands it over: a Buffer at an offset into a larger one.
      const shared = Buffer.alloc(original.bytes.length + 100)
      shared.set(original.bytes, 37)
      const record = validator().validate(original.peerId, shared.subarray(37, 37 + original.bytes.length))
      shared.fill(0xff)
      assert.deepEqual(record.bytes, original.bytes)
      assert.equal(record.peerId.toString(), original.peerId.toString())
      for (const field of ['mlDsaPublicKey', 'mlKemPublicKey', 'libp2pSignature', 'mlDsaSignature'] as const) {
        assert.deepEqual(record[field], original[field], field)
      }
      assert.deepEqual(record.rotation, original.rotation)
      assert.deepEqual(recordSignedBytes(record), recordSignedBytes(original))
    }
  })

  it('checks times again for a record whose signatures were cached', async () => {
    const record = await makeRecord(await makePeer(), { issuedAt: now - minute, lifetimeMs: 2 * minute })
    let clock = now
    const v = new KeyRecordValidator({ crypto, now: () => clock })
    v.validate(record.peerId, record.bytes)
    clock = now + 5 * minute
    rejects(() => v.validate(record.peerId, record.bytes), 'ERR_RECORD_EXPIRED')
  })

  it('takes from the verified cache only the very bytes it verified', async () => {
    const record = await makeRecord(await makePeer())
    const v = validator()
    v.validate(record.peerId, record.bytes)
    // Each copy keeps the ML-DSA-65 signature's opening bytes (what the cache looks records up by) and changes
    // one byte elsewhere: in the PeerId's key, the ML-KEM key, the libp2p signature, the signature's tail.
    const signatureAt = record.bytes.length - 3309
    for (const [at, code] of [[10, 'ERR_PEER_ID_MISMATCH'], [2100, 'ERR_BAD_LIBP2P_SIGNATURE'], [signatureAt - 20, 'ERR_BAD_LIBP2P_SIGNATURE'], [record.bytes.length - 100, 'ERR_BAD_ML_DSA_SIGNATURE']] as const) {
      const bytes = record.bytes.slice()
      bytes[at] ^= 1
      const verify = crypto.mlDsa65.verify
      let verified = 0
      crypto.mlDsa65.verify = (...args) => { verified++; return verify(...args) }
      try {
        rejects(() => v.validate(record.peerId, bytes), code)
      } finally { crypto.mlDsa65.verify = verify }
      assert.equal(verified, code === 'ERR_BAD_ML_DSA_SIGNATURE' ? 1 : 0, `byte ${at}`)
    }
    // The record itself still comes from the cache.
    const verify = crypto.mlDsa65.verify
    crypto.mlDsa65.verify = () => { throw new Error('verified again') }
    try {
      assert.equal(v.validate(record.peerId, record.bytes).seq, 1)
    } finally { crypto.mlDsa65.verify = verify }
  })

  it('refuses bytes it refused for their ML-DSA-65 signature without verifying them again, and only those bytes', async () => {
    const record = await makeRecord(await makePeer())
    const v = validator()
    // A valid record with a signature byte flipped: its Ed25519 signature does not cover the ML-DSA-65 one, so only the verify refuses it.
    const forged = record.bytes.slice()
    forged[forged.length - 100] ^= 1
    const otherForgery = record.bytes.slice()
    otherForgery[otherForgery.length - 101] ^= 1
    const verify = crypto.mlDsa65.verify
    let verified = 0
    crypto.mlDsa65.verify = (...args) => { verified++; return verify(...args) }
    try {
      rejects(() => v.validate(record.peerId, forged), 'ERR_BAD_ML_DSA_SIGNATURE')
      rejects(() => v.validate(record.peerId, forged.slice()), 'ERR_BAD_ML_DSA_SIGNATURE')
      await assert.rejects(v.validateAsync(record.peerId, forged), (err: any) => err.code === 'ERR_BAD_ML_DSA_SIGNATURE')
      assert.equal(verified, 1, 'the same bytes, however often they come, are verified once')
      rejects(() => v.validate(record.peerId, otherForgery), 'ERR_BAD_ML_DSA_SIGNATURE')
      assert.equal(verified, 2, 'other bytes get their own verify')
      assert.equal(v.validate(record.peerId, record.bytes).seq, 1, 'the genuine record is not tainted by its forgeries')
      assert.equal(verified, 3)
    } finally { crypto.mlDsa65.verify = verify }
  })

  it('validateAsync gives the same answers: accepts, refuses with the same codes, shares the verified cache', async () => {
    for (const impl of [nativeCrypto, nobleCrypto]) {
      const v = new KeyRecordValidator({ crypto: impl, now: () => now })
      const record = await makeRecord(await makePeer())
      assert.equal((await v.validateAsync(record.peerId, record.bytes)).seq, 1)
      // decode() keeps views of its input: work on a copy so the good record stays good.
      const forged = KeyRecordMessage.decode(record.bytes.slice())
      forged.mlDsaSignature[10] ^= 1
      await assert.rejects(v.validateAsync(record.peerId, KeyRecordMessage.encode(forged)), (err: any) => err.code === 'ERR_BAD_ML_DSA_SIGNATURE')
      forged.mlDsaSignature[10] ^= 1
      forged.libp2pSignature[0] ^= 1
      await assert.rejects(v.validateAsync(record.peerId, KeyRecordMessage.encode(forged)), (err: any) => err.code === 'ERR_BAD_LIBP2P_SIGNATURE')
      const other = await makeRecord(await makePeer())
      await assert.rejects(v.validateAsync(other.peerId, record.bytes), (err: any) => err.code === 'ERR_PEER_ID_MISMATCH')
      await assert.rejects(v.validateAsync(record.peerId, new Uint8Array([1, 2, 3])), (err: any) => err.name === 'InvalidRecordError')
      // What validateAsync found good, validate() takes from the cache: the same object, no verify.
      const fresh = new KeyRecordValidator({ crypto: impl, now: () => now })
      const first = await fresh.validateAsync(record.peerId, record.bytes)
      const verify = impl.mlDsa65.verify
      impl.mlDsa65.verify = () => { throw new Error('verified again') }
      try {
        assert.equal(fresh.validate(record.peerId, record.bytes), first)
      } finally { impl.mlDsa65.verify = verify }
    }
  })
})
