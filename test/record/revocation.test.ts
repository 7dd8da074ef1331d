import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { fingerprint, selectPqCrypto } from '../../src/crypto/index.js'
import {
  checkRevocationAgainstPin, comparePqkValues, compareRevocations, createRevocation, decodePqkValue, isRevocationBytes, MAX_REVOCATION_BYTES,
  RECORD_CONTEXT, recordSignedBytes, REVOCATION_CONTEXT, REVOCATION_REASONS, REVOCATION_TAG, revocationSignedBytes, RevocationValidator, routingKeyFor,
  selectPqkValue, unmarshalKeyRecord, unmarshalRevocation
} from '../../src/record/index.js'
import { concat, encodeField, encodeFields, encodeVarint, parseFields } from '../helpers/protobuf-wire.js'
import { makeIdentity, makeRecord, rotateIdentity, withForeignPqKeys } from '../helpers/records.js'
import { makeRevocation, signRevocationWith } from '../helpers/revocations.js'
import type { PqCrypto } from '../../src/crypto/index.js'
import type { PqkValue, RevocationCertificate } from '../../src/record/index.js'
import type { WireField } from '../helpers/protobuf-wire.js'

const crypto = selectPqCrypto()
const now = Date.now()
const minute = 60_000
const validator = new RevocationValidator({ crypto })

/** For assert.throws: a RevocationError with this code. */
const revocationError = (code: string) => (err: any) => err.name === 'RevocationError' && err.code === code

/** The certificate's fields with `edit` applied, encoded again (minimal varints). */
function editFields (bytes: Uint8Array, edit: (fields: WireField[]) => WireField[]): Uint8Array {
  return encodeFields(edit(parseFields(bytes)!))
}

describe('revocation certificates: make and validate', () => {
  it('makes a certificate both keys signed, which validates for its PeerId and under its routing key', async () => {
    const identity = await makeIdentity()
    const cert = await makeRevocation(identity, { reason: 'key-compromise', issuedAt: now - minute })
    assert.equal(cert.reason, 'key-compromise')
    assert.equal(cert.issuedAt, now - minute)
    assert.ok(cert.peerId.equals(identity.peerId))
    assert.deepEqual(cert.mlDsaPublicKey, identity.mlDsaSigner.publicKey)
    assert.equal(cert.rotation, undefined)
    assert.deepEqual([...cert.bytes.subarray(0, 2)], [...REVOCATION_TAG])
    assert.ok(isRevocationBytes(cert.bytes))

    const signed = revocationSignedBytes(cert)
    assert.ok(await identity.privateKey.publicKey.verify(signed, cert.libp2pSignature))
    assert.ok(crypto.mlDsa65.verify(identity.mlDsaSigner.publicKey, signed, cert.mlDsaSignature, REVOCATION_CONTEXT))

    assert.deepEqual(validator.validate(identity.peerId, cert.bytes).bytes, cert.bytes)
    assert.deepEqual(validator.validateForRoutingKey(routingKeyFor(identity.peerId), cert.bytes).bytes, cert.bytes)
    assert.deepEqual((await new RevocationValidator({ crypto }).validateAsync(identity.peerId, cert.bytes)).bytes, cert.bytes)
  })

  it('defaults to reason unspecified, omitted on the wire; every reason round-trips', async () => {
    const identity = await makeIdentity()
    const plain = await makeRevocation(identity)
    assert.equal(plain.reason, 'unspecified')
    assert.equal(parseFields(plain.bytes)!.some(f => f.field === 19), false)
    for (const reason of REVOCATION_REASONS) {
      const cert = await makeRevocation(identity, { reason })
      assert.equal(unmarshalRevocation(cert.bytes).reason, reason)
      assert.equal(validator.validate(identity.peerId, cert.bytes).reason, reason)
    }
    await assert.rejects(makeRevocation(identity, { reason: 'bored' as any }), revocationError('ERR_REVOCATION_FIELD_RANGE'))
  })

  it('carries the rotation proof of a rotated identity, covered by both signatures', async () => {
    const identity = await makeIdentity()
    const { identity: rotated, rotation } = rotateIdentity(identity)
    const cert = await makeRevocation(rotated, { rotation })
    assert.deepEqual(cert.rotation, rotation)
    validator.validate(identity.peerId, cert.bytes)
    // The proof is part of the signed bytes: dropping it breaks the signatures.
    const dropped = editFields(cert.bytes, f => f.filter(x => x.field !== 20))
    assert.throws(() => validator.validate(identity.peerId, dropped), revocationError('ERR_REVOCATION_BAD_LIBP2P_SIGNATURE'))
  })

  it('accepts a certificate issued long ago (a revocation does not expire) and one within the clock skew ahead', async () => {
    const identity = await makeIdentity()
    validator.validate(identity.peerId, (await makeRevocation(identity, { issuedAt: now - 10 * 365 * 24 * 60 * minute })).bytes)
    validator.validate(identity.peerId, (await makeRevocation(identity, { issuedAt: Date.now() + 4 * minute })).bytes)
  })

  it('refuses a certificate issued beyond the clock skew ahead: ERR_REVOCATION_ISSUED_IN_FUTURE, also once its signatures were verified', async () => {
    const identity = await makeIdentity()
    const cert = await makeRevocation(identity, { issuedAt: now + 10 * minute })
    assert.throws(() => validator.validate(identity.peerId, cert.bytes), revocationError('ERR_REVOCATION_ISSUED_IN_FUTURE'))
    // Past the last time Date can hold (8.64e15 ms), up to 2^53 - 1: still the typed refusal (found by the fuzzer).
    for (const issuedAt of [8.64e15 + 1, Number.MAX_SAFE_INTEGER]) {
      const far = await makeRevocation(identity, { issuedAt })
      assert.throws(() => validator.validate(identity.peerId, far.bytes), revocationError('ERR_REVOCATION_ISSUED_IN_FUTURE'))
    }
    let clock = now + 6 * minute
    const later = new RevocationValidator({ crypto, now: () => clock })
    later.validate(identity.peerId, cert.bytes)
    clock = now
    assert.throws(() => later.validate(identity.peerId, cert.bytes), revocationError('ERR_REVOCATION_ISSUED_IN_FUTURE'))
  })

  it('refuses a non-Ed25519 libp2p key to sign with', async () => {
    const identity = await makeIdentity()
    await assert.rejects(createRevocation({ privateKey: await generateKeyPair('secp256k1'), mlDsaSigner: identity.mlDsaSigner }), { code: 'ERR_UNSUPPORTED_KEY_TYPE' })
  })
})

describe('revocation certificates: bad input', () => {
  it('refuses one for another PeerId: ERR_REVOCATION_PEER_MISMATCH, by PeerId and by routing key', async () => {
    const [a, b] = await Promise.all([makeIdentity(), makeIdentity()])
    const cert = await makeRevocation(a)
    assert.throws(() => validator.validate(b.peerId, cert.bytes), revocationError('ERR_REVOCATION_PEER_MISMATCH'))
    assert.throws(() => validator.validateForRoutingKey(routingKeyFor(b.peerId), cert.bytes), revocationError('ERR_REVOCATION_PEER_MISMATCH'))
    // Also once its signatures are known good.
    validator.validate(a.peerId, cert.bytes)
    assert.throws(() => validator.validate(b.peerId, cert.bytes), revocationError('ERR_REVOCATION_PEER_MISMATCH'))
  })

  it('refuses bytes without their peer_id: ERR_REVOCATION_MALFORMED', async () => {
    const cert = await makeRevocation(await makeIdentity())
    assert.throws(() => unmarshalRevocation(editFields(cert.bytes, f => f.filter(x => x.field !== 16))), revocationError('ERR_REVOCATION_MALFORMED'))
  })

  it('refuses one signed by the wrong keys', async () => {
    const [a, b] = await Promise.all([makeIdentity(), makeIdentity()])
    const content = { peerId: a.peerId, mlDsaPublicKey: a.mlDsaSigner.publicKey, issuedAt: now, reason: 'unspecified' as const }
    // another peer's libp2p key
    const byOtherLibp2pKey = await signRevocationWith(content, b.privateKey, a.mlDsaSigner)
    assert.throws(() => validator.validate(a.peerId, byOtherLibp2pKey), revocationError('ERR_REVOCATION_BAD_LIBP2P_SIGNATURE'))
    // an ML-DSA-65 key other than the one the certificate names
    const byOtherMlDsaKey = await signRevocationWith(content, a.privateKey, b.mlDsaSigner)
    assert.throws(() => validator.validate(a.peerId, byOtherMlDsaKey), revocationError('ERR_REVOCATION_BAD_ML_DSA_SIGNATURE'))
    // the named key swapped after signing: the Ed25519 signature covers it
    const cert = await makeRevocation(a)
    const swapped = editFields(cert.bytes, f => f.map(x => x.field === 17 ? { ...x, value: b.mlDsaSigner.publicKey } : x))
    assert.throws(() => validator.validate(a.peerId, swapped), revocationError('ERR_REVOCATION_BAD_LIBP2P_SIGNATURE'))
  })

  it('refuses a flipped bit in either signature, and the same bytes again without a second verify', async () => {
    const identity = await makeIdentity()
    const cert = await makeRevocation(identity)
    const ed = cert.bytes.slice()
    ed[cert.bytes.length - 3309 - 10] ^= 1 // inside the libp2p signature, which comes just before the ML-DSA-65 field
    assert.throws(() => validator.validate(identity.peerId, ed), revocationError('ERR_REVOCATION_BAD_LIBP2P_SIGNATURE'))
    const ml = cert.bytes.slice()
    ml[ml.length - 1] ^= 1
    assert.throws(() => validator.validate(identity.peerId, ml), revocationError('ERR_REVOCATION_BAD_ML_DSA_SIGNATURE'))
  })

  it('verifies the signatures of the same bytes once', async () => {
    const identity = await makeIdentity()
    const cert = await makeRevocation(identity)
    let verifies = 0
    const counting: PqCrypto = { ...crypto, mlDsa65: { ...crypto.mlDsa65, verify: (...args) => { verifies++; return crypto.mlDsa65.verify(...args) } } }
    const cached = new RevocationValidator({ crypto: counting })
    cached.validate(identity.peerId, cert.bytes)
    cached.validate(identity.peerId, Uint8Array.from(cert.bytes))
    assert.equal(verifies, 1)
  })

  it('refuses an oversized certificate before decoding it: ERR_REVOCATION_TOO_LARGE', async () => {
    const identity = await makeIdentity()
    const cert = await makeRevocation(identity)
    const oversized = concat([cert.bytes, new Uint8Array(MAX_REVOCATION_BYTES + 1 - cert.bytes.length)])
    assert.throws(() => unmarshalRevocation(oversized), revocationError('ERR_REVOCATION_TOO_LARGE'))
    assert.throws(() => validator.validate(identity.peerId, oversized), revocationError('ERR_REVOCATION_TOO_LARGE'))
  })

  it('the largest valid certificate fits the cap', async () => {
    const identity = await makeIdentity()
    const { identity: rotated, rotation } = rotateIdentity(identity)
    const cert = await makeRevocation(rotated, { rotation, reason: 'retired', issuedAt: Number.MAX_SAFE_INTEGER })
    assert.equal(cert.bytes.length, 8740)
    assert.ok(cert.bytes.length <= MAX_REVOCATION_BYTES)
  })

  it('refuses truncated bytes, noise and a key record: ERR_REVOCATION_MALFORMED', async () => {
    const identity = await makeIdentity()
    const cert = await makeRevocation(identity)
    for (const bytes of [cert.bytes.subarray(0, 200), cert.bytes.subarray(0, 1), new Uint8Array(0), Uint8Array.from([0x82, 0x01, 0xff]), (await makeRecord(identity)).bytes]) {
      assert.throws(() => unmarshalRevocation(bytes), revocationError('ERR_REVOCATION_MALFORMED'))
    }
  })

  it('refuses wrong lengths and a PeerId that is not Ed25519', async () => {
    const identity = await makeIdentity()
    const { identity: rotated, rotation } = rotateIdentity(identity)
    const cert = await makeRevocation(rotated, { rotation })
    const resize = (number: number, delta: number): Uint8Array => editFields(cert.bytes, f => f.map(x => x.field === number ? { ...x, value: new Uint8Array(x.value.length + delta) } : x))
    assert.throws(() => unmarshalRevocation(resize(17, -1)), revocationError('ERR_REVOCATION_BAD_KEY_LENGTH'))
    assert.throws(() => unmarshalRevocation(resize(17, 1)), revocationError('ERR_REVOCATION_BAD_KEY_LENGTH'))
    assert.throws(() => unmarshalRevocation(resize(21, -1)), revocationError('ERR_REVOCATION_BAD_SIGNATURE_LENGTH'))
    assert.throws(() => unmarshalRevocation(resize(22, 1)), revocationError('ERR_REVOCATION_BAD_SIGNATURE_LENGTH'))
    const shortProof = editFields(cert.bytes, f => f.map(x => x.field === 20 ? { ...x, value: editFields(x.value, p => p.map(y => y.field === 1 ? { ...y, value: new Uint8Array(31) } : y)) } : x))
    assert.throws(() => unmarshalRevocation(shortProof), revocationError('ERR_REVOCATION_BAD_ROTATION_PROOF'))
    const emptyProof = editFields(cert.bytes, f => f.map(x => x.field === 20 ? { ...x, value: new Uint8Array(0) } : x))
    assert.throws(() => unmarshalRevocation(emptyProof), revocationError('ERR_REVOCATION_BAD_ROTATION_PROOF'))
    const secp = (await generateKeyPair('secp256k1')).publicKey.toMultihash().bytes
    for (const peerId of [secp, new Uint8Array(65), Uint8Array.from([0x00, 0x24, 0x08, 0x01])]) {
      const bytes = editFields(cert.bytes, f => f.map(x => x.field === 16 ? { ...x, value: peerId } : x))
      assert.throws(() => unmarshalRevocation(bytes), revocationError('ERR_REVOCATION_BAD_PEER_ID'))
    }
    // An empty peer_id written out is a default written out: the wire form's rule comes first.
    const emptyPeerId = editFields(cert.bytes, f => f.map(x => x.field === 16 ? { ...x, value: new Uint8Array(0) } : x))
    assert.throws(() => unmarshalRevocation(emptyPeerId), revocationError('ERR_REVOCATION_NOT_CANONICAL'))
  })

  it('refuses issue times and reasons out of range: ERR_REVOCATION_FIELD_RANGE', async () => {
    const identity = await makeIdentity()
    const cert = await makeRevocation(identity)
    const withVarint = (number: number, value: bigint): Uint8Array => {
      const fields = parseFields(cert.bytes)!.filter(x => x.field !== number)
      fields.push({ field: number, wireType: 0, value: encodeVarint(value) })
      return encodeFields(fields.sort((x, y) => x.field - y.field))
    }
    for (const issuedAt of [2n ** 31n, 2n ** 32n - 1n, 2n ** 53n, 2n ** 64n - 1n]) {
      assert.throws(() => unmarshalRevocation(withVarint(18, issuedAt)), revocationError('ERR_REVOCATION_FIELD_RANGE'), String(issuedAt))
    }
    assert.throws(() => unmarshalRevocation(editFields(cert.bytes, f => f.filter(x => x.field !== 18))), revocationError('ERR_REVOCATION_FIELD_RANGE'))
    for (const reason of [4n, 255n, 2n ** 31n]) {
      assert.throws(() => unmarshalRevocation(withVarint(19, reason)), revocationError('ERR_REVOCATION_FIELD_RANGE'), String(reason))
    }
    // And none is made either.
    await assert.rejects(makeRevocation(identity, { issuedAt: 2 ** 31 }), revocationError('ERR_REVOCATION_FIELD_RANGE'))
    await assert.rejects(makeRevocation(identity, { issuedAt: 0 }), revocationError('ERR_REVOCATION_FIELD_RANGE'))
  })

  it('refuses every non-canonical encoding: ERR_REVOCATION_NOT_CANONICAL', async () => {
    const identity = await makeIdentity()
    const cert = await makeRevocation(identity, { reason: 'superseded' })
    const fields = parseFields(cert.bytes)!
    const variants: Record<string, Uint8Array> = {
      'unknown field appended': concat([cert.bytes, encodeField({ field: 23, wireType: 0, value: encodeVarint(1) })]),
      'a KeyRecord field appended': concat([cert.bytes, encodeField({ field: 1, wireType: 2, value: cert.peerId.toMultihash().bytes })]),
      'field repeated': encodeFields([...fields, fields[fields.length - 1]]),
      'fields out of order': encodeFields([fields[0], fields[2], fields[1], ...fields.slice(3)]),
      'non-minimal issued_at': encodeFields(fields.map(x => x.field === 18 ? { ...x, value: encodeVarint(BigInt(cert.issuedAt), 8) } : x)),
      'non-minimal lengths': concat([encodeField(fields[0]), ...fields.slice(1).map(x => encodeField(x, { minVarintBytes: 3 }))]),
      'reason 0 written out': encodeFields([...fields.filter(x => x.field < 19), { field: 19, wireType: 0, value: encodeVarint(0) }, ...fields.filter(x => x.field > 19)])
    }
    for (const [name, bytes] of Object.entries(variants)) {
      assert.throws(() => unmarshalRevocation(bytes), revocationError('ERR_REVOCATION_NOT_CANONICAL'), name)
    }
  })

  it('signed bytes are domain-separated from a key record\'s: neither signature carries over', async () => {
    const identity = await makeIdentity()
    const record = await makeRecord(identity)
    const cert = await makeRevocation(identity)
    assert.ok(Buffer.from(revocationSignedBytes(cert)).toString('latin1').startsWith('keydir/revocation/v1\0'))
    assert.notDeepEqual(REVOCATION_CONTEXT, RECORD_CONTEXT)
    // A record's signatures put into a certificate do not verify.
    const transplanted = editFields(cert.bytes, f => f.map(x => x.field === 21 ? { ...x, value: record.libp2pSignature } : x.field === 22 ? { ...x, value: record.mlDsaSignature } : x))
    assert.throws(() => validator.validate(identity.peerId, transplanted), revocationError('ERR_REVOCATION_BAD_LIBP2P_SIGNATURE'))
    assert.ok(!crypto.mlDsa65.verify(identity.mlDsaSigner.publicKey, recordSignedBytes(record), cert.mlDsaSignature, RECORD_CONTEXT))
  })
})

describe('a /pqk/ value: record or revocation', () => {
  it('decodePqkValue tells them apart by their first bytes; the KeyRecord decoder refuses a certificate', async () => {
    const identity = await makeIdentity()
    const record = await makeRecord(identity)
    const cert = await makeRevocation(identity)
    assert.equal(record.bytes[0], 0x0a)
    assert.equal(decodePqkValue(record.bytes).kind, 'record')
    const value = decodePqkValue(cert.bytes)
    assert.equal(value.kind, 'revocation')
    assert.throws(() => unmarshalKeyRecord(cert.bytes), { name: 'InvalidRecordError' })
    assert.throws(() => decodePqkValue(Uint8Array.from([1, 2, 3])), { name: 'InvalidRecordError' })
    assert.throws(() => decodePqkValue(concat([REVOCATION_TAG, Uint8Array.from([5])])), revocationError('ERR_REVOCATION_MALFORMED'))
  })

  it('a revocation beats every record whatever its seq, in either order; the later revocation beats the earlier', async () => {
    const identity = await makeIdentity()
    const record: PqkValue = { kind: 'record', record: await makeRecord(identity, { seq: Number.MAX_SAFE_INTEGER }) }
    const lower: PqkValue = { kind: 'record', record: await makeRecord(identity, { seq: 1 }) }
    const early = await makeRevocation(identity, { issuedAt: now - 2 * minute })
    const late = await makeRevocation(identity, { issuedAt: now - minute })
    const revocation = (cert: RevocationCertificate): PqkValue => ({ kind: 'revocation', revocation: cert })
    assert.ok(comparePqkValues(revocation(early), record) < 0)
    assert.ok(comparePqkValues(record, revocation(early)) > 0)
    assert.equal(selectPqkValue([record, lower, revocation(early)]), 2)
    assert.equal(selectPqkValue([revocation(early), record, lower]), 0)
    assert.equal(selectPqkValue([revocation(early), revocation(late)]), 1)
    assert.equal(selectPqkValue([revocation(late), revocation(early)]), 0)
    assert.ok(comparePqkValues(lower, record) > 0)
    assert.equal(comparePqkValues(revocation(late), revocation(late)), 0)
  })

  it('two revocations issued at the same time: the smaller bytes, whatever the order', async () => {
    const identity = await makeIdentity()
    const a = await makeRevocation(identity, { issuedAt: now })
    const b = await makeRevocation(identity, { issuedAt: now })
    assert.ok(compareRevocations(a, b) !== 0)
    assert.equal(Math.sign(compareRevocations(a, b)), -Math.sign(compareRevocations(b, a)))
    assert.equal(Math.sign(compareRevocations(a, b)), Math.sign(Buffer.compare(a.bytes, b.bytes)))
  })
})

describe('checkRevocationAgainstPin: a node that pinned the peer', () => {
  it('takes a certificate by the pinned key', async () => {
    const identity = await makeIdentity()
    const cert = await makeRevocation(identity)
    assert.equal(checkRevocationAgainstPin(crypto, cert, { fingerprint: fingerprint(identity.mlDsaSigner.publicKey) }), 'pinned-key')
  })

  it('takes a certificate pre-signed by a key the peer held before the pinned one', async () => {
    const identity = await makeIdentity()
    const preSigned = await makeRevocation(identity)
    const { identity: second } = rotateIdentity(identity)
    const { identity: third } = rotateIdentity(second)
    const known = {
      fingerprint: fingerprint(third.mlDsaSigner.publicKey),
      mlDsaPublicKey: third.mlDsaSigner.publicKey,
      earlierFingerprints: [fingerprint(second.mlDsaSigner.publicKey), fingerprint(identity.mlDsaSigner.publicKey)]
    }
    assert.equal(checkRevocationAgainstPin(crypto, preSigned, known), 'earlier-key')
  })

  it('takes a certificate by a later key that carries the pinned key\'s hand-over (a rotation this node missed)', async () => {
    const identity = await makeIdentity()
    const { identity: rotated, rotation } = rotateIdentity(identity)
    const cert = await makeRevocation(rotated, { rotation })
    assert.equal(checkRevocationAgainstPin(crypto, cert, { fingerprint: fingerprint(identity.mlDsaSigner.publicKey), mlDsaPublicKey: identity.mlDsaSigner.publicKey }), 'handed-over-from-pinned-key')
    // A pin known by fingerprint only (an anchor) cannot check the hand-over.
    assert.throws(() => checkRevocationAgainstPin(crypto, cert, { fingerprint: fingerprint(identity.mlDsaSigner.publicKey) }), revocationError('ERR_REVOCATION_KEY_UNKNOWN'))
  })

  it('refuses a certificate by the libp2p key and an ML-DSA-65 key never linked to the pin (Ed25519 thief, quantum forger): ERR_REVOCATION_KEY_UNKNOWN', async () => {
    const [owner, stranger] = await Promise.all([makeIdentity(), makeIdentity()])
    const thief = withForeignPqKeys(owner, stranger)
    const forged = await makeRevocation(thief)
    // Valid on its own: a node that never pinned the owner takes it, as it would a first sighting.
    validator.validate(owner.peerId, forged.bytes)
    const known = { fingerprint: fingerprint(owner.mlDsaSigner.publicKey), mlDsaPublicKey: owner.mlDsaSigner.publicKey }
    assert.throws(() => checkRevocationAgainstPin(crypto, forged, known), revocationError('ERR_REVOCATION_KEY_UNKNOWN'))
    // A hand-over the thief signs with its own key, claiming the pinned key's fingerprint, does not link either.
    const { identity: next } = rotateIdentity(thief)
    const fakeProof = { previousFingerprint: fingerprint(owner.mlDsaSigner.publicKey), signature: rotateIdentity(thief).rotation.signature }
    const withFakeProof = await makeRevocation(next, { rotation: fakeProof })
    assert.throws(() => checkRevocationAgainstPin(crypto, withFakeProof, known), revocationError('ERR_REVOCATION_KEY_UNKNOWN'))
  })
})
