import assert from 'node:assert/strict'
import { before, describe, it } from 'node:test'
import { fingerprint, nativeCrypto as crypto } from '../../src/crypto/index.js'
import {
  checkChainStructure, followHistory, KeyRecordValidator, MAX_HISTORY_LINKS, MAX_RECORD_BYTES, oldestFingerprint, recordHash, recordSignedBytes, replacesSameRecord, unmarshalKeyRecord
} from '../../src/record/index.js'
import { makeRecord, makeRotatedPeer, rotateIdentity, signRecordBytes } from '../helpers/records.js'
import type { KeyRecord, RotationLink } from '../../src/record/index.js'
import type { RotatedPeer, TestIdentity } from '../helpers/records.js'

const hasCode = (code: string) => (err: any): boolean => {
  assert.equal(err?.name, 'InvalidRecordError', String(err))
  assert.equal(err.code, code, String(err?.message))
  return true
}

const pinOf = (key: TestIdentity, superseded?: Uint8Array[]): { fingerprint: Uint8Array, mlDsaPublicKey: Uint8Array, superseded?: Uint8Array[] } =>
  ({ fingerprint: fingerprint(key.mlDsaSigner.publicKey), mlDsaPublicKey: key.mlDsaSigner.publicKey, superseded })

/** A copy of a link whose signature no longer verifies. */
function forged (link: RotationLink): RotationLink {
  const signature = link.signature.slice()
  signature[100] ^= 0x01
  return { ...link, signature }
}

describe('record history', () => {
  let peer: RotatedPeer
  let k3: KeyRecord
  const validator = new KeyRecordValidator({ crypto })

  before(async () => {
    peer = await makeRotatedPeer(4, crypto)
    k3 = await makeRecord(peer.keys[3], { seq: 4, ...peer.historyOf(3) })
  })

  describe('format', () => {
    it('carries the previous record hash and two links, signed, within the size cap', async () => {
      const previous = await makeRecord(peer.keys[2], { seq: 3, ...peer.historyOf(2) })
      const record = await makeRecord(peer.keys[3], { seq: 4, ...peer.historyOf(3), previousRecordHash: recordHash(previous.bytes) })
      const decoded = validator.validate(peer.keys[0].peerId, record.bytes)
      assert.deepEqual(decoded.previousRecordHash, recordHash(previous.bytes))
      assert.equal(decoded.history?.length, MAX_HISTORY_LINKS)
      assert.deepEqual(decoded.history?.[0].mlDsaPublicKey, peer.keys[2].mlDsaSigner.publicKey)
      assert.deepEqual(decoded.history?.[1].mlDsaPublicKey, peer.keys[1].mlDsaSigner.publicKey)
      // The sizes docs/record-format.md gives: a rotation proof adds 3,349 bytes, a link 5,304, the hash 34.
      const seq = Date.now()
      const plain = await makeRecord(peer.keys[0], { seq })
      const rotated = await makeRecord(peer.keys[1], { seq, ...peer.historyOf(1) })
      const full = await makeRecord(peer.keys[3], { seq, ...peer.historyOf(3), previousRecordHash: recordHash(previous.bytes) })
      assert.equal(plain.bytes.length, 6_581)
      assert.equal(rotated.bytes.length - plain.bytes.length, 3_349)
      assert.equal(full.bytes.length - rotated.bytes.length, 2 * 5_304 + 34)
      assert.equal(full.bytes.length, 20_572)
      assert.ok(full.bytes.length <= MAX_RECORD_BYTES)
    })

    it('keeps a record without history or hash as it was: no extension in the signed bytes', async () => {
      const plain = await makeRecord(peer.keys[1], { seq: 2, ...peer.historyOf(1) })
      assert.equal(plain.history, undefined)
      assert.equal(plain.previousRecordHash, undefined)
      const withEmpty = await makeRecord(peer.keys[1], { seq: 2, ...peer.historyOf(1), history: [] })
      assert.equal(recordSignedBytes(withEmpty).length, recordSignedBytes(plain).length)
      const withHash = await makeRecord(peer.keys[1], { seq: 2, ...peer.historyOf(1), previousRecordHash: new Uint8Array(32).fill(9) })
      // 0x01, lp(hash), u8(0)
      assert.equal(recordSignedBytes(withHash).length, recordSignedBytes(plain).length + 1 + 2 + 32 + 1)
    })

    it('signs an empty previous record hash as none (the protobuf cannot carry one), and makes none of another length', async () => {
      const bytes = await signRecordBytes(peer.keys[0], { seq: 1, issuedAt: Date.now(), expiresAt: Date.now() + 60_000, previousRecordHash: new Uint8Array(0) })
      assert.equal(validator.validate(peer.keys[0].peerId, bytes).previousRecordHash, undefined)
      await assert.rejects(makeRecord(peer.keys[0], { previousRecordHash: new Uint8Array(31) }), (err: any) => err.code === 'ERR_BAD_HASH_LENGTH')
    })

    it('both signatures cover the history: a changed link byte fails the Ed25519 check', () => {
      const bytes = k3.bytes.slice()
      bytes[bytes.length - 1_955 - 100] ^= 0x01 // inside the oldest link's signature
      assert.throws(() => validator.validate(k3.peerId, bytes), hasCode('ERR_BAD_LIBP2P_SIGNATURE'))
      const signatureByte = k3.bytes.slice()
      const at = k3.bytes.length - 2 * 5_304 - 100 // inside the record's own ML-DSA-65 signature, which comes before the history
      signatureByte[at] ^= 0x01
      assert.throws(() => validator.validate(k3.peerId, signatureByte), hasCode('ERR_BAD_ML_DSA_SIGNATURE'))
    })

    it('refuses links out of order, a missing link, history without a proof, a key twice', async () => {
      const { rotation, history } = peer.historyOf(3)
      const key3 = peer.keys[3]
      const reordered = await signRecordBytes(key3, { seq: 4, issuedAt: Date.now(), expiresAt: Date.now() + 60_000, rotation, history: [history![1], history![0]] })
      assert.throws(() => unmarshalKeyRecord(reordered), hasCode('ERR_BROKEN_CHAIN'))
      const missing = await signRecordBytes(key3, { seq: 4, issuedAt: Date.now(), expiresAt: Date.now() + 60_000, rotation, history: [history![1]] })
      assert.throws(() => unmarshalKeyRecord(missing), hasCode('ERR_BROKEN_CHAIN'))
      const noProof = await signRecordBytes(key3, { seq: 4, issuedAt: Date.now(), expiresAt: Date.now() + 60_000, history })
      assert.throws(() => unmarshalKeyRecord(noProof), hasCode('ERR_BROKEN_CHAIN'))
      // K1 -> K2 -> K1 again: a cycle no holder could follow.
      const back = rotateIdentity(peer.keys[2])
      const cycle = await signRecordBytes(peer.keys[1], {
        seq: 4,
        issuedAt: Date.now(),
        expiresAt: Date.now() + 60_000,
        rotation: { previousFingerprint: fingerprint(peer.keys[2].mlDsaSigner.publicKey), signature: back.rotation.signature },
        history: [peer.links[1]]
      })
      assert.throws(() => unmarshalKeyRecord(cycle), hasCode('ERR_BROKEN_CHAIN'))
      assert.doesNotThrow(() => { checkChainStructure(k3) })
    })

    it('refuses every other encoding of the new fields: order, duplicates, an explicit empty hash, a wrong wire type', async () => {
      const previous = await makeRecord(peer.keys[2], { seq: 3, ...peer.historyOf(2) })
      const record = await makeRecord(peer.keys[3], { seq: 4, ...peer.historyOf(3), previousRecordHash: recordHash(previous.bytes) })
      const linkBytes = 2 * 5_304
      const body = record.bytes.subarray(0, record.bytes.length - linkBytes - 34)
      const hash = record.bytes.subarray(body.length, body.length + 34)
      const links = record.bytes.subarray(body.length + 34)
      assert.deepEqual(Buffer.concat([body, hash, links]), Buffer.from(record.bytes))
      const variants: Record<string, Uint8Array> = {
        'history before the hash': Buffer.concat([body, links, hash]),
        'the hash twice': Buffer.concat([body, hash, hash, links]),
        'an empty hash first': Buffer.concat([body, Uint8Array.of(0x52, 0x00), hash, links]),
        'links swapped in the wire order only': Buffer.concat([body, hash, links.subarray(5_304), links.subarray(0, 5_304)])
      }
      for (const [name, bytes] of Object.entries(variants)) {
        assert.throws(() => unmarshalKeyRecord(bytes), (err: any) => ['ERR_RECORD_NOT_CANONICAL', 'ERR_BROKEN_CHAIN'].includes(err.code), name)
      }
      assert.throws(() => unmarshalKeyRecord(Buffer.concat([body, hash, links.subarray(5_304), links.subarray(0, 5_304)])), hasCode('ERR_BROKEN_CHAIN'))
      assert.throws(() => unmarshalKeyRecord(Buffer.concat([body, links, hash])), hasCode('ERR_RECORD_NOT_CANONICAL'))
      // Field 10 as a varint: protons reads it as bytes regardless and runs off the end.
      assert.throws(() => unmarshalKeyRecord(Buffer.concat([body, Uint8Array.of(0x50, 0x01)])), hasCode('ERR_RECORD_MALFORMED'))
    })

    it('refuses more links than the bound, and wrong lengths', async () => {
      const k4 = peer.keys[4]
      const { rotation, history } = peer.historyOf(4, 3)
      assert.equal(history?.length, 3)
      // Three full links do not fit in a record at all; three short ones meet the count first.
      const long = await signRecordBytes(k4, { seq: 5, issuedAt: Date.now(), expiresAt: Date.now() + 60_000, rotation, history })
      assert.throws(() => unmarshalKeyRecord(long), hasCode('ERR_RECORD_TOO_LARGE'))
      const short = history.map(link => ({ ...link, signature: link.signature.subarray(0, 8), mlDsaPublicKey: link.mlDsaPublicKey.subarray(0, 8) }))
      const many = await signRecordBytes(k4, { seq: 5, issuedAt: Date.now(), expiresAt: Date.now() + 60_000, rotation, history: short })
      assert.throws(() => unmarshalKeyRecord(many), hasCode('ERR_HISTORY_TOO_LONG'))
      await assert.rejects(makeRecord(k4, { seq: 5, rotation, history }), (err: any) => err.code === 'ERR_HISTORY_TOO_LONG')
      const shortHash = await signRecordBytes(k4, { seq: 5, issuedAt: Date.now(), expiresAt: Date.now() + 60_000, previousRecordHash: new Uint8Array(31) })
      assert.throws(() => unmarshalKeyRecord(shortHash), hasCode('ERR_BAD_HASH_LENGTH'))
      const shortKey = await signRecordBytes(k4, {
        seq: 5, issuedAt: Date.now(), expiresAt: Date.now() + 60_000, rotation, history: [{ ...history[0], mlDsaPublicKey: history[0].mlDsaPublicKey.subarray(1) }]
      })
      assert.throws(() => unmarshalKeyRecord(shortKey), hasCode('ERR_BAD_ROTATION_PROOF'))
    })
  })

  describe('followHistory', () => {
    it('follows one, two and three rotations from the pinned key, and none for the same key', () => {
      for (const [pinned, rotations] of [[0, 3], [1, 2], [2, 1], [3, 0]]) {
        const followed = followHistory(crypto, k3, pinOf(peer.keys[pinned]))
        assert.equal(followed.rotations, rotations)
        assert.deepEqual(followed.left, peer.keys.slice(pinned, 3).reverse().map(k => fingerprint(k.mlDsaSigner.publicKey)))
      }
    })

    it('refuses a chain whose later link does not verify: ERR_BROKEN_CHAIN; ERR_KEY_CHANGED when it is the pinned key\'s own hand-over', async () => {
      const { rotation, history } = peer.historyOf(3)
      const record = await makeRecord(peer.keys[3], { seq: 4, rotation, history: [forged(history![0]), history![1]] })
      assert.throws(() => followHistory(crypto, record, pinOf(peer.keys[0])), hasCode('ERR_BROKEN_CHAIN'))
      assert.throws(() => followHistory(crypto, record, pinOf(peer.keys[1])), hasCode('ERR_KEY_CHANGED'))
      assert.equal(followHistory(crypto, record, pinOf(peer.keys[2])).rotations, 1)
      const badProof = await makeRecord(peer.keys[3], { seq: 4, rotation: forged({ ...rotation!, mlDsaPublicKey: new Uint8Array(0) }), history })
      assert.throws(() => followHistory(crypto, badProof, pinOf(peer.keys[0])), hasCode('ERR_BROKEN_CHAIN'))
      assert.throws(() => followHistory(crypto, badProof, pinOf(peer.keys[2])), hasCode('ERR_KEY_CHANGED'))
    })

    it('refuses a record without a proof, or whose shorter history never names the pinned key: ERR_KEY_CHANGED', async () => {
      const noProof = await makeRecord(peer.keys[3], { seq: 4 })
      assert.throws(() => followHistory(crypto, noProof, pinOf(peer.keys[2])), hasCode('ERR_KEY_CHANGED'))
      const oneLink = await makeRecord(peer.keys[3], { seq: 4, ...peer.historyOf(3, 1) })
      assert.equal(followHistory(crypto, oneLink, pinOf(peer.keys[1])).rotations, 2)
      assert.throws(() => followHistory(crypto, oneLink, pinOf(peer.keys[0])), hasCode('ERR_KEY_CHANGED'))
    })

    it('says when the history goes beyond what a record carries, and follows it with the earlier links', async () => {
      const k4 = await makeRecord(peer.keys[4], { seq: 5, ...peer.historyOf(4) })
      assert.throws(() => followHistory(crypto, k4, pinOf(peer.keys[0])), hasCode('ERR_HISTORY_BEYOND_BOUND'))
      assert.equal(followHistory(crypto, k4, pinOf(peer.keys[1])).rotations, 3)
      assert.equal(followHistory(crypto, k4, pinOf(peer.keys[0]), { earlier: [peer.links[0]] }).rotations, 4)
      // Earlier links that do not join the record's history.
      assert.throws(() => followHistory(crypto, k4, pinOf(peer.keys[0]), { earlier: [peer.links[3]] }), hasCode('ERR_BROKEN_CHAIN'))
      assert.throws(() => followHistory(crypto, k4, pinOf(peer.keys[0]), { earlier: [forged(peer.links[0])] }), hasCode('ERR_KEY_CHANGED'))
    })

    it('names the key earlier links must reach, and refuses a fetched history that misses the pin: ERR_KEY_CHANGED', async () => {
      const k4 = await makeRecord(peer.keys[4], { seq: 5, ...peer.historyOf(4) })
      assert.deepEqual(oldestFingerprint(k4), fingerprint(peer.keys[1].mlDsaSigner.publicKey))
      assert.deepEqual(oldestFingerprint(k3), fingerprint(peer.keys[0].mlDsaSigner.publicKey))
      assert.equal(oldestFingerprint(await makeRecord(peer.keys[0])), undefined)
      // The peer had nothing to add: no longer "beyond the bound", but a key nothing from the pin vouches for.
      assert.throws(() => followHistory(crypto, k4, pinOf(peer.keys[0]), { earlier: [] }), hasCode('ERR_KEY_CHANGED'))
      const stranger = await makeRotatedPeer(1, crypto)
      assert.throws(() => followHistory(crypto, k4, pinOf(stranger.keys[0]), { earlier: [peer.links[0]] }), hasCode('ERR_KEY_CHANGED'))
    })

    it('refuses a fork: a chain through a key the pin left, missing the pinned key: ERR_FORKED_CHAIN', async () => {
      // The pin followed K0 -> K1 -> K2. Someone holding K1 hands it over to K2' and on to K3'.
      const superseded = [fingerprint(peer.keys[1].mlDsaSigner.publicKey), fingerprint(peer.keys[0].mlDsaSigner.publicKey)]
      const k2b = rotateIdentity(peer.keys[1])
      const k3b = rotateIdentity(k2b.identity)
      const fork = await makeRecord(k3b.identity, { seq: 10, rotation: k3b.rotation, history: [{ ...k2b.rotation, mlDsaPublicKey: k2b.identity.mlDsaSigner.publicKey }, peer.links[0]] })
      assert.throws(() => followHistory(crypto, fork, pinOf(peer.keys[2], superseded)), hasCode('ERR_FORKED_CHAIN'))
      // A pin that went the other way (to K2') refuses the honest chain the same way.
      assert.throws(() => followHistory(crypto, k3, pinOf(k2b.identity, superseded)), hasCode('ERR_FORKED_CHAIN'))
      // A record signed by a key the pin left behind.
      const old = await makeRecord(peer.keys[1], { seq: 11, ...peer.historyOf(1) })
      assert.throws(() => followHistory(crypto, old, pinOf(peer.keys[2], superseded)), hasCode('ERR_FORKED_CHAIN'))
      // Without the lineage nothing tells a fork from a history longer than the record holds.
      assert.throws(() => followHistory(crypto, fork, pinOf(peer.keys[2])), hasCode('ERR_HISTORY_BEYOND_BOUND'))
    })

    it('follows from a pin known by fingerprint only when the record carries the pinned key in full', () => {
      assert.equal(followHistory(crypto, k3, { fingerprint: fingerprint(peer.keys[1].mlDsaSigner.publicKey) }).rotations, 2)
      assert.throws(() => followHistory(crypto, k3, { fingerprint: fingerprint(peer.keys[0].mlDsaSigner.publicKey) }), hasCode('ERR_KEY_CHANGED'))
    })
  })

  it('replacesSameRecord: two different records naming one predecessor', async () => {
    const first = await makeRecord(peer.keys[3], { seq: 4, ...peer.historyOf(3) })
    const a = await makeRecord(peer.keys[3], { seq: 5, ...peer.historyOf(3), previousRecordHash: recordHash(first.bytes) })
    const b = await makeRecord(peer.keys[3], { seq: 6, ...peer.historyOf(3), previousRecordHash: recordHash(first.bytes) })
    const next = await makeRecord(peer.keys[3], { seq: 6, ...peer.historyOf(3), previousRecordHash: recordHash(a.bytes) })
    assert.equal(replacesSameRecord(a, b), true)
    assert.equal(replacesSameRecord(a, a), false)
    assert.equal(replacesSameRecord(a, next), false)
    assert.equal(replacesSameRecord(first, a), false, 'no claim without a hash on both')
  })
})
