import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { fingerprint, selectPqCrypto } from '../../src/crypto/index.js'
import {
  checkEquivocationAgainstPin, comparePqkValues, createEquivocationProof, decodePqkValue, EQUIVOCATION_TAG, EquivocationValidator, isEquivocationBytes,
  isRevocationBytes, KeyRecordValidator, MAX_EVIDENCE_BYTES, MAX_RECORD_BYTES, pqkValueBytes, recordDigest, RevocationValidator, routingKeyFor, validatePqkValue
} from '../../src/record/index.js'
import { makeConflictingRecords, makeEquivocation } from '../helpers/evidence.js'
import { concat, encodeField, encodeFields, parseFields } from '../helpers/protobuf-wire.js'
import { makeIdentity, makeRecord, rotateIdentity, withForeignPqKeys } from '../helpers/records.js'
import { makeRevocation } from '../helpers/revocations.js'
import type { PqkValue } from '../../src/record/index.js'

const crypto = selectPqCrypto()
const validator = new EquivocationValidator({ crypto })
const day = 24 * 60 * 60_000

/** For assert.throws: an EvidenceError with this code. */
const evidenceError = (code: string) => (err: any) => err.name === 'EvidenceError' && err.code === code

/** A proof's two fields as given, in this order: for encodings createEquivocationProof never makes. */
function proofBytes (a: Uint8Array, b: Uint8Array): Uint8Array {
  return encodeFields([{ field: 17, wireType: 2, value: a }, { field: 18, wireType: 2, value: b }])
}

/** Flip one byte of a record's ML-DSA-65 signature (field 9): its Ed25519 signature does not cover it. */
function withBadMlDsaSignature (bytes: Uint8Array): Uint8Array {
  return encodeFields(parseFields(bytes)!.map(f => f.field === 9 ? { ...f, value: Uint8Array.from(f.value, (v, i) => i === 100 ? v ^ 1 : v) } : f))
}

describe('equivocation proofs: make and validate', () => {
  it('makes a proof of two records with one seq that anyone validates, in either order', async () => {
    const identity = await makeIdentity()
    const [a, b] = await makeConflictingRecords(identity, 7)
    const proof = createEquivocationProof(a, b)
    assert.deepEqual(createEquivocationProof(b, a).bytes, proof.bytes)
    assert.deepEqual([...proof.bytes.subarray(0, 2)], [...EQUIVOCATION_TAG])
    assert.ok(isEquivocationBytes(proof.bytes))
    assert.ok(!isRevocationBytes(proof.bytes))
    assert.ok(Buffer.compare(recordDigest(proof.records[0]), recordDigest(proof.records[1])) < 0)
    const checked = validator.validate(proof.bytes, identity.peerId)
    assert.ok(checked.peerId.equals(identity.peerId))
    assert.equal(checked.seq, 7)
    assert.deepEqual(checked.bytes, proof.bytes)
    assert.deepEqual(new EquivocationValidator({ crypto }).validateForRoutingKey(routingKeyFor(identity.peerId), proof.bytes).bytes, proof.bytes)
  })

  it('stays valid after its records expired, and for a record issued ahead of this clock', async () => {
    const identity = await makeIdentity()
    const old = await makeEquivocation(identity, 3, Date.now() - 30 * day)
    assert.equal(validator.validate(old.bytes).seq, 3)
    const ahead = await makeEquivocation(identity, 4, Date.now() + day)
    assert.equal(validator.validate(ahead.bytes).seq, 4)
  })

  it('refuses a pair that only differs in its randomized ML-DSA-65 signature: ERR_EVIDENCE_NOT_CONFLICTING', async () => {
    const identity = await makeIdentity()
    const issuedAt = Date.now()
    const a = await makeRecord(identity, { seq: 2, issuedAt })
    const b = await makeRecord(identity, { seq: 2, issuedAt })
    assert.notDeepEqual(a.bytes, b.bytes)
    assert.throws(() => createEquivocationProof(a, b), evidenceError('ERR_EVIDENCE_NOT_CONFLICTING'))
    const [first, second] = Buffer.compare(recordDigest(a), recordDigest(b)) < 0 ? [a, b] : [b, a]
    assert.throws(() => validator.validate(proofBytes(first.bytes, second.bytes)), evidenceError('ERR_EVIDENCE_NOT_CONFLICTING'))
  })

  it('refuses two seqs (ERR_EVIDENCE_NOT_CONFLICTING) and two peers (ERR_EVIDENCE_PEER_MISMATCH)', async () => {
    const identity = await makeIdentity()
    const other = await makeIdentity()
    const one = await makeRecord(identity, { seq: 1 })
    const two = await makeRecord(identity, { seq: 2 })
    assert.throws(() => createEquivocationProof(one, two), evidenceError('ERR_EVIDENCE_NOT_CONFLICTING'))
    const foreign = await makeRecord(other, { seq: 1 })
    assert.throws(() => createEquivocationProof(one, foreign), evidenceError('ERR_EVIDENCE_PEER_MISMATCH'))
    const ordered = (x: Uint8Array, y: Uint8Array): Uint8Array => Buffer.compare(recordDigest(x), recordDigest(y)) < 0 ? proofBytes(x, y) : proofBytes(y, x)
    assert.throws(() => validator.validate(ordered(one.bytes, two.bytes)), evidenceError('ERR_EVIDENCE_NOT_CONFLICTING'))
    assert.throws(() => validator.validate(ordered(one.bytes, foreign.bytes)), evidenceError('ERR_EVIDENCE_PEER_MISMATCH'))
  })

  it('refuses a valid proof given for another peer: ERR_EVIDENCE_PEER_MISMATCH', async () => {
    const proof = await makeEquivocation(await makeIdentity())
    const other = await makeIdentity()
    assert.throws(() => validator.validate(proof.bytes, other.peerId), evidenceError('ERR_EVIDENCE_PEER_MISMATCH'))
    assert.throws(() => validator.validateForRoutingKey(routingKeyFor(other.peerId), proof.bytes), evidenceError('ERR_EVIDENCE_PEER_MISMATCH'))
  })

  it('refuses a record whose signature does not verify: ERR_EVIDENCE_BAD_SIGNATURE, the record code as the cause', async () => {
    const identity = await makeIdentity()
    const [a, b] = await makeConflictingRecords(identity)
    const broken = withBadMlDsaSignature(b.bytes)
    const bytes = Buffer.compare(recordDigest(a), recordDigest(broken)) < 0 ? proofBytes(a.bytes, broken) : proofBytes(broken, a.bytes)
    assert.throws(() => validator.validate(bytes), (err: any) => evidenceError('ERR_EVIDENCE_BAD_SIGNATURE')(err) && err.cause.code === 'ERR_BAD_ML_DSA_SIGNATURE')
  })

  it('refuses oversized bytes (ERR_EVIDENCE_TOO_LARGE) before decoding; the cap fits two records at theirs', async () => {
    assert.equal(MAX_EVIDENCE_BYTES, 2 * MAX_RECORD_BYTES + 10)
    const big = new Uint8Array(MAX_EVIDENCE_BYTES + 1)
    big.set(EQUIVOCATION_TAG)
    assert.throws(() => validator.validate(big), evidenceError('ERR_EVIDENCE_TOO_LARGE'))
    const largest = proofBytes(new Uint8Array(MAX_RECORD_BYTES).fill(1), new Uint8Array(MAX_RECORD_BYTES).fill(2))
    assert.equal(largest.length, MAX_EVIDENCE_BYTES)
  })

  it('refuses malformed bytes: ERR_EVIDENCE_MALFORMED', async () => {
    const identity = await makeIdentity()
    const record = await makeRecord(identity)
    assert.throws(() => validator.validate(record.bytes), evidenceError('ERR_EVIDENCE_MALFORMED'))
    assert.throws(() => validator.validate(Uint8Array.from([0x8a, 0x01, 0xff])), evidenceError('ERR_EVIDENCE_MALFORMED'))
    assert.throws(() => validator.validate(encodeFields([{ field: 17, wireType: 2, value: record.bytes }])), evidenceError('ERR_EVIDENCE_MALFORMED'))
    // An empty record_b written out is a default written out: the wire form's rule, before the records are looked at.
    assert.throws(() => validator.validate(proofBytes(record.bytes, new Uint8Array(0))), evidenceError('ERR_EVIDENCE_NOT_CANONICAL'))
    const junk = Uint8Array.from([1, 2, 3])
    const bytes = Buffer.compare(recordDigest(record), recordDigest(junk)) < 0 ? proofBytes(record.bytes, junk) : proofBytes(junk, record.bytes)
    assert.throws(() => validator.validate(bytes), (err: any) => evidenceError('ERR_EVIDENCE_MALFORMED')(err) && err.cause.name === 'InvalidRecordError')
  })

  it('refuses every other encoding of a pair: ERR_EVIDENCE_NOT_CANONICAL', async () => {
    const proof = await makeEquivocation(await makeIdentity())
    const [a, b] = proof.records
    assert.throws(() => validator.validate(proofBytes(b.bytes, a.bytes)), evidenceError('ERR_EVIDENCE_NOT_CANONICAL'))
    assert.throws(() => validator.validate(proofBytes(a.bytes, a.bytes)), evidenceError('ERR_EVIDENCE_NOT_CANONICAL'))
    assert.throws(() => validator.validate(concat([proof.bytes, encodeField({ field: 19, wireType: 2, value: Uint8Array.of(1) })])), evidenceError('ERR_EVIDENCE_NOT_CANONICAL'))
    assert.throws(() => validator.validate(concat([proof.bytes, encodeField({ field: 18, wireType: 2, value: b.bytes })])), evidenceError('ERR_EVIDENCE_NOT_CANONICAL'))
  })
})

describe('equivocation proofs: against a pin', () => {
  it('takes a proof whose records are both signed by the pinned key, or one it handed over to', async () => {
    const identity = await makeIdentity()
    const proof = await makeEquivocation(identity)
    checkEquivocationAgainstPin(crypto, proof, { fingerprint: fingerprint(identity.mlDsaSigner.publicKey), mlDsaPublicKey: identity.mlDsaSigner.publicKey })
    const { identity: next, rotation } = rotateIdentity(identity)
    const issuedAt = Date.now()
    const rotated = createEquivocationProof(await makeRecord(next, { seq: 5, issuedAt, rotation }), await makeRecord(next, { seq: 5, issuedAt: issuedAt + 1, rotation }))
    checkEquivocationAgainstPin(crypto, rotated, { fingerprint: fingerprint(identity.mlDsaSigner.publicKey), mlDsaPublicKey: identity.mlDsaSigner.publicKey })
  })

  it('refuses a proof made with the Ed25519 key alone, even paired with a genuine record: ERR_EVIDENCE_KEY_UNKNOWN', async () => {
    const identity = await makeIdentity()
    const thief = withForeignPqKeys(identity, await makeIdentity())
    const genuine = await makeRecord(identity, { seq: 9 })
    const forged = await makeRecord(thief, { seq: 9 })
    const proof = createEquivocationProof(genuine, forged)
    // Valid to anyone who has not pinned the peer: both records are signed by their own keys.
    validator.validate(proof.bytes)
    const pin = { fingerprint: fingerprint(identity.mlDsaSigner.publicKey), mlDsaPublicKey: identity.mlDsaSigner.publicKey }
    assert.throws(() => { checkEquivocationAgainstPin(crypto, proof, pin) }, evidenceError('ERR_EVIDENCE_KEY_UNKNOWN'))
    const bothForged = createEquivocationProof(forged, await makeRecord(thief, { seq: 9, issuedAt: Date.now() + 5 }))
    assert.throws(() => { checkEquivocationAgainstPin(crypto, bothForged, pin) }, evidenceError('ERR_EVIDENCE_KEY_UNKNOWN'))
  })
})

describe('equivocation proofs as /pqk/ values', () => {
  it('decodes and validates as kind equivocation, ranked between a revocation and any record', async () => {
    const identity = await makeIdentity()
    const proof = await makeEquivocation(identity, 3)
    const validators = { records: new KeyRecordValidator({ crypto }), revocations: new RevocationValidator({ crypto }), equivocations: validator }
    const value = validatePqkValue(validators, routingKeyFor(identity.peerId), proof.bytes)
    assert.equal(value.kind, 'equivocation')
    assert.deepEqual(pqkValueBytes(value), proof.bytes)
    assert.equal(decodePqkValue(proof.bytes).kind, 'equivocation')
    const record: PqkValue = { kind: 'record', record: await makeRecord(identity, { seq: 100 }) }
    const revocation: PqkValue = { kind: 'revocation', revocation: await makeRevocation(identity) }
    assert.ok(comparePqkValues(value, record) < 0)
    assert.ok(comparePqkValues(record, value) > 0)
    assert.ok(comparePqkValues(revocation, value) < 0)
    assert.equal(comparePqkValues(value, value), 0)
  })
})
