import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { selectPqCrypto } from '../../src/crypto/index.js'
import { createEquivocationProof, marshalKeyRecord, recordContext, recordSignedBytes, unmarshalKeyRecord, unmarshalRevocation } from '../../src/record/index.js'
import { checkEquivocationProof, checkKeyRecord, checkRevocation, complete, holds, type Checklist } from '../../src/offline/index.js'
import { makeConflictingRecords } from '../helpers/evidence.js'
import { makeIdentity, makeRecord, makeRotatedPeer, signRecordBytes } from '../helpers/records.js'
import { makeRevocation, signRevocationWith } from '../helpers/revocations.js'
import type { KeyRecord } from '../../src/record/index.js'

const crypto = selectPqCrypto()
const hour = 60 * 60_000

/** name -> ok, or the failing code */
function outcomes (list: Checklist): Record<string, true | string> {
  return Object.fromEntries(list.checks.map(check => [check.name, check.ok ? true : check.code!]))
}

function flipped (bytes: Uint8Array, at: number): Uint8Array {
  const copy = Uint8Array.from(bytes)
  copy[at] ^= 0x01
  return copy
}

describe('checkKeyRecord', () => {
  test('a fresh record: every check holds; expired or issued ahead of --at, only the times fail', async () => {
    const record = await makeRecord(await makeIdentity(), { issuedAt: Date.now() - hour, lifetimeMs: 2 * hour })
    const now = await checkKeyRecord(record, { crypto, at: Date.now() })
    assert.deepEqual(outcomes(now), { structure: true, 'ed25519-signature': true, 'ml-dsa-signature': true, times: true })
    assert.ok(holds(now) && complete(now))
    assert.match(now.proves, /as strongly as Ed25519/)
    assert.match(now.doesNotProve, /newest record/)

    const later = await checkKeyRecord(record, { crypto, at: record.expiresAt })
    assert.deepEqual(outcomes(later), { structure: true, 'ed25519-signature': true, 'ml-dsa-signature': true, times: 'ERR_RECORD_EXPIRED' })
    assert.match(later.checks.at(-1)!.text, /^expired at .* \(record valid .* to .*; checked at/)
    const earlier = await checkKeyRecord(record, { crypto, at: record.issuedAt - hour })
    assert.equal(outcomes(earlier).times, 'ERR_ISSUED_IN_FUTURE')
  })

  test('each signature on its own: a flipped ML-DSA-65 byte, an Ed25519 signature by another key', async () => {
    const peer = await makeIdentity()
    const record = await makeRecord(peer)
    // A byte inside the ML-DSA-65 signature, found by its own bytes.
    const at = Buffer.from(record.bytes).indexOf(Buffer.from(record.mlDsaSignature)) + 100
    const mlDsaFlipped = unmarshalKeyRecord(flipped(record.bytes, at))
    assert.deepEqual(outcomes(await checkKeyRecord(mlDsaFlipped, { crypto, at: Date.now() })),
      { structure: true, 'ed25519-signature': true, 'ml-dsa-signature': 'ERR_BAD_ML_DSA_SIGNATURE', times: true })

    const other = await makeIdentity()
    const signed = recordSignedBytes(record)
    const wrongKey = unmarshalKeyRecord(marshalKeyRecord(record, await other.privateKey.sign(signed), peer.mlDsaSigner.sign(signed, recordContext(record))))
    assert.deepEqual(outcomes(await checkKeyRecord(wrongKey, { crypto, at: Date.now() })),
      { structure: true, 'ed25519-signature': 'ERR_BAD_LIBP2P_SIGNATURE', 'ml-dsa-signature': true, times: true })
  })

  test('rotation proofs: the hand-overs a record carries in full verify; the oldest, from a fingerprint, is listed as not checked', async () => {
    const peer = await makeRotatedPeer(3)
    const record = await makeRecord(peer.keys[3], { seq: 4, ...peer.historyOf(3) })
    const list = await checkKeyRecord(record, { crypto, at: Date.now() })
    assert.equal(outcomes(list)['rotation-proofs'], true)
    assert.match(list.checks.find(c => c.name === 'rotation-proofs')!.text, /^rotation proofs: 2 hand-overs verify \(keys \w{8}… -> \w{8}… -> \w{8}…\)$/)
    assert.deepEqual(list.unchecked.map(u => [u.name, u.needs]), [['oldest-hand-over', undefined]])
    assert.ok(complete(list), 'nothing the caller could pass is missing')

    // history[0]'s hand-over (K1 to K2, signed by K1) replaced by history[1]'s signature: the links still join up, and that hand-over does not verify.
    const { rotation, history } = peer.historyOf(3)
    const forged = [{ ...history![0], signature: history![1].signature }, history![1]]
    const bytes = await signRecordBytes(peer.keys[3], { seq: 4, issuedAt: Date.now(), expiresAt: Date.now() + hour, rotation, history: forged })
    const broken = await checkKeyRecord(unmarshalKeyRecord(bytes), { crypto, at: Date.now() })
    assert.equal(outcomes(broken)['rotation-proofs'], 'ERR_BROKEN_CHAIN')
    assert.match(broken.checks.find(c => c.name === 'rotation-proofs')!.text, /does not verify \(1 newer one does\)/)
    assert.equal(outcomes(broken)['ml-dsa-signature'], true, 'the record itself is validly signed')
  })
})

describe('checkRevocation', () => {
  test('valid; a signature by another ML-DSA-65 key; issued after --at', async () => {
    const peer = await makeIdentity()
    const certificate = await makeRevocation(peer, { reason: 'key-compromise' })
    const list = checkRevocation(certificate, { crypto, at: Date.now() })
    assert.deepEqual(outcomes(list), { structure: true, 'ed25519-signature': true, 'ml-dsa-signature': true, 'issue-time': true })
    assert.match(list.proves, /declared that identity dead \(reason: key-compromise\)/)

    const stranger = await makeIdentity()
    const forged = unmarshalRevocation(await signRevocationWith(certificate, peer.privateKey, stranger.mlDsaSigner))
    assert.equal(outcomes(checkRevocation(forged, { crypto, at: Date.now() }))['ml-dsa-signature'], 'ERR_REVOCATION_BAD_ML_DSA_SIGNATURE')
    assert.equal(outcomes(checkRevocation(certificate, { crypto, at: certificate.issuedAt - hour }))['issue-time'], 'ERR_REVOCATION_ISSUED_IN_FUTURE')
  })
})

describe('checkEquivocationProof', () => {
  test('valid whatever the records\' times; a record with a flipped signature byte fails, by name', async () => {
    const peer = await makeIdentity()
    const [a, b] = await makeConflictingRecords(peer, 7, Date.now() - 30 * 24 * hour)
    const list = checkEquivocationProof(createEquivocationProof(a, b), { crypto })
    assert.ok(holds(list), JSON.stringify(list.checks))
    assert.match(list.checks[0].text, /one seq, 7, and different signed content \(they differ in issuedAt, expiresAt\)/)

    const at = Buffer.from(b.bytes).indexOf(Buffer.from(b.mlDsaSignature)) + 5
    const damaged: KeyRecord = unmarshalKeyRecord(flipped(b.bytes, at))
    const proof = createEquivocationProof(a, damaged)
    const name = proof.records[0] === damaged ? 'record-a-ml-dsa-signature' : 'record-b-ml-dsa-signature'
    const refused = outcomes(checkEquivocationProof(proof, { crypto }))
    assert.equal(refused[name], 'ERR_EVIDENCE_BAD_SIGNATURE')
    assert.equal(Object.values(refused).filter(v => v !== true).length, 1, 'only that signature fails')
  })
})
