import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { describe, it } from 'node:test'
import { KeyRecord as KeyRecordMessage } from '../../protobuf/key-record.js'
import { expandXWingSeed, nativeCrypto } from '../../src/crypto/index.js'
import {
  createKeyRecord, KeyRecordValidator, MAX_HISTORY_LINKS, MAX_RECORD_BYTES, RECORD_CONTEXT, RECORD_V2_CONTEXT, recordContext, recordHash,
  recordSignedBytes, unmarshalKeyRecord
} from '../../src/record/index.js'
import { makeIdentity, makeRecord, makeRotatedPeer, signRecordBytes, type TestIdentity } from '../helpers/records.js'

const crypto = nativeCrypto

function rejects (fn: () => unknown, code: string): void {
  assert.throws(fn, (err: any) => err.name === 'InvalidRecordError' && err.code === code, `expected ${code}`)
}

function x25519Key (): Uint8Array {
  return expandXWingSeed(randomBytes(32)).x25519PublicKey
}

/** A record's protobuf with some fields changed, re-encoded (signatures left as they were). */
function edited (bytes: Uint8Array, change: (message: KeyRecordMessage) => void): Uint8Array {
  const message = KeyRecordMessage.decode(bytes)
  change(message)
  return KeyRecordMessage.encode(message)
}

const smallOrder = [
  '0000000000000000000000000000000000000000000000000000000000000000',
  '0100000000000000000000000000000000000000000000000000000000000000',
  'e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800',
  '5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157',
  'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f'
]
const notCanonical = [
  'edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f', // p
  'ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f', // p + 18
  '0900000000000000000000000000000000000000000000000000000000000080' // 9 with the top bit set
]

describe('version-2 key records', () => {
  let identity: TestIdentity
  it('setup', async () => { identity = await makeIdentity(crypto) })

  it('carry the X25519 key, round trip, and validate', async () => {
    const key = x25519Key()
    const record = await makeRecord(identity, { x25519PublicKey: key })
    assert.deepEqual(record.x25519PublicKey, key)
    const decoded = unmarshalKeyRecord(record.bytes)
    assert.deepEqual(decoded.x25519PublicKey, key)
    assert.equal(KeyRecordMessage.decode(record.bytes).version, 2)
    const validated = new KeyRecordValidator({ crypto }).validate(identity.peerId, record.bytes)
    assert.deepEqual(validated.x25519PublicKey, key)
    // Two more fields: version (2 bytes) and the key (34 bytes).
    const plain = await makeRecord(identity)
    assert.equal(record.bytes.length, plain.bytes.length + 36)
  })

  it('a version-1 record has neither field, and its bytes are as before', async () => {
    const record = await makeRecord(identity)
    assert.equal(record.x25519PublicKey, undefined)
    assert.ok(!('x25519PublicKey' in unmarshalKeyRecord(record.bytes)))
    const message = KeyRecordMessage.decode(record.bytes)
    assert.equal(message.version, 0)
    assert.equal(message.x25519PublicKey.length, 0)
    assert.deepEqual(recordContext(record), RECORD_CONTEXT)
  })

  it('sign under their own domain and context, with every field in a fixed place', async () => {
    const record = await makeRecord(identity, { x25519PublicKey: x25519Key(), seq: 5 })
    assert.deepEqual(recordContext(record), RECORD_V2_CONTEXT)
    const signed = recordSignedBytes(record)
    assert.deepEqual(new Uint8Array(signed.subarray(0, RECORD_V2_CONTEXT.length + 1)), new Uint8Array([...RECORD_V2_CONTEXT, 0]))
    const withHash = { ...record, previousRecordHash: recordHash(record.bytes) }
    // No hash and no history are written as an empty field and a zero count.
    assert.equal(recordSignedBytes(withHash).length, signed.length + 32)
    assert.deepEqual(new Uint8Array(recordSignedBytes({ ...record, previousRecordHash: new Uint8Array(0), history: [] })), new Uint8Array(signed))
    // The ML-DSA-65 signature is under the v2 context, not the v1 one.
    assert.ok(crypto.mlDsa65.verify(record.mlDsaPublicKey, signed, record.mlDsaSignature, RECORD_V2_CONTEXT))
    assert.ok(!crypto.mlDsa65.verify(record.mlDsaPublicKey, signed, record.mlDsaSignature, RECORD_CONTEXT))
  })

  it('stripped of the X25519 key and version, is a version-1 record whose signatures fail', async () => {
    const record = await makeRecord(identity, { x25519PublicKey: x25519Key() })
    const stripped = edited(record.bytes, message => { message.version = 0; message.x25519PublicKey = new Uint8Array(0) })
    assert.equal(unmarshalKeyRecord(stripped).x25519PublicKey, undefined)
    rejects(() => new KeyRecordValidator({ crypto }).validate(identity.peerId, stripped), 'ERR_BAD_LIBP2P_SIGNATURE')
  })

  it('with another X25519 key fails its signatures', async () => {
    const record = await makeRecord(identity, { x25519PublicKey: x25519Key() })
    const swapped = edited(record.bytes, message => { message.x25519PublicKey = x25519Key() as Uint8Array<ArrayBuffer> })
    rejects(() => new KeyRecordValidator({ crypto }).validate(identity.peerId, swapped), 'ERR_BAD_LIBP2P_SIGNATURE')
  })

  it('a rotated v2 record with full history fits MAX_RECORD_BYTES', async () => {
    const peer = await makeRotatedPeer(MAX_HISTORY_LINKS + 1, crypto)
    const last = peer.keys[MAX_HISTORY_LINKS + 1]
    const plain = await makeRecord(last, { ...peer.historyOf(MAX_HISTORY_LINKS + 1), previousRecordHash: new Uint8Array(32).fill(7), seq: 1_800_000_000_000, issuedAt: Date.now() })
    const full = await makeRecord(last, { ...peer.historyOf(MAX_HISTORY_LINKS + 1), previousRecordHash: new Uint8Array(32).fill(7), seq: 1_800_000_000_000, issuedAt: Date.now(), x25519PublicKey: x25519Key() })
    assert.equal(full.history?.length, MAX_HISTORY_LINKS)
    assert.equal(full.bytes.length, plain.bytes.length + 36)
    assert.ok(full.bytes.length <= MAX_RECORD_BYTES)
    assert.equal(full.bytes.length, 20_608)
    new KeyRecordValidator({ crypto }).validate(last.peerId, full.bytes)
  })

  describe('decoding refuses', () => {
    it('an unknown version (ERR_UNKNOWN_RECORD_VERSION)', async () => {
      const record = await makeRecord(identity, { x25519PublicKey: x25519Key() })
      for (const version of [3, 255, 2 ** 32 - 1]) {
        rejects(() => unmarshalKeyRecord(edited(record.bytes, message => { message.version = version })), 'ERR_UNKNOWN_RECORD_VERSION')
      }
    })

    it('version 1 written out, a second encoding of a version-1 record (ERR_RECORD_NOT_CANONICAL)', async () => {
      const plain = await makeRecord(identity)
      rejects(() => unmarshalKeyRecord(edited(plain.bytes, message => { message.version = 1 })), 'ERR_RECORD_NOT_CANONICAL')
    })

    it('version 2 without the key, or the key without version 2 (ERR_RECORD_VERSION_MISMATCH)', async () => {
      const record = await makeRecord(identity, { x25519PublicKey: x25519Key() })
      rejects(() => unmarshalKeyRecord(edited(record.bytes, message => { message.x25519PublicKey = new Uint8Array(0) })), 'ERR_RECORD_VERSION_MISMATCH')
      rejects(() => unmarshalKeyRecord(edited(record.bytes, message => { message.version = 0 })), 'ERR_RECORD_VERSION_MISMATCH')
    })

    it('a key of the wrong length (ERR_BAD_KEY_LENGTH)', async () => {
      const record = await makeRecord(identity, { x25519PublicKey: x25519Key() })
      for (const length of [1, 31, 33, 64]) {
        rejects(() => unmarshalKeyRecord(edited(record.bytes, message => { message.x25519PublicKey = randomBytes(length) })), 'ERR_BAD_KEY_LENGTH')
      }
    })

    it('a key not in canonical form (ERR_X25519_NOT_CANONICAL), even signed', async () => {
      for (const hex of notCanonical) {
        const bytes = await signRecordBytes(identity, { seq: 1, issuedAt: Date.now(), expiresAt: Date.now() + 60_000, x25519PublicKey: Buffer.from(hex, 'hex') })
        rejects(() => unmarshalKeyRecord(bytes), 'ERR_X25519_NOT_CANONICAL')
      }
    })

    it('a key of small order (ERR_X25519_SMALL_ORDER), even signed', async () => {
      for (const hex of smallOrder) {
        const bytes = await signRecordBytes(identity, { seq: 1, issuedAt: Date.now(), expiresAt: Date.now() + 60_000, x25519PublicKey: Buffer.from(hex, 'hex') })
        rejects(() => unmarshalKeyRecord(bytes), 'ERR_X25519_SMALL_ORDER')
      }
    })

    it('the fields out of order (ERR_RECORD_NOT_CANONICAL)', async () => {
      const record = await makeRecord(identity, { x25519PublicKey: x25519Key() })
      // Field 13 moved before field 12: the last 36 bytes are version (2) then key (34).
      const n = record.bytes.length
      const reordered = new Uint8Array([...record.bytes.subarray(0, n - 36), ...record.bytes.subarray(n - 34), ...record.bytes.subarray(n - 36, n - 34)])
      rejects(() => unmarshalKeyRecord(reordered), 'ERR_RECORD_NOT_CANONICAL')
    })
  })

  it('createKeyRecord refuses a bad X25519 key before signing', async () => {
    for (const [hex, code] of [[smallOrder[2], 'ERR_X25519_SMALL_ORDER'], [notCanonical[0], 'ERR_X25519_NOT_CANONICAL'], ['00', 'ERR_BAD_KEY_LENGTH']]) {
      await assert.rejects(createKeyRecord({
        privateKey: identity.privateKey, mlDsaSigner: identity.mlDsaSigner, mlKemPublicKey: identity.mlKem.publicKey, seq: 1, x25519PublicKey: Buffer.from(hex, 'hex')
      }), (err: any) => err.code === code)
    }
  })
})
