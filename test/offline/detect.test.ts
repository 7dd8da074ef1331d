import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { evidenceJson, ownRecordJson, revocationJson } from '../../src/api/index.js'
import { selectPqCrypto } from '../../src/crypto/index.js'
import { MAX_ENVELOPE_BYTES } from '../../src/envelope/index.js'
import { UnverifiableFileError } from '../../src/errors.js'
import { detectFile, maxFileBytes, MAX_KIND_BYTES, strictBase64, VERIFIABLE_KINDS } from '../../src/offline/index.js'
import { makeEquivocation } from '../helpers/evidence.js'
import { makeIdentity, makeRecord } from '../helpers/records.js'
import { makeRevocation } from '../helpers/revocations.js'
import { makeRecipient, seal } from '../helpers/sealed.js'
import { tempDir } from '../helpers-daemon/cli.js'

const crypto = selectPqCrypto()
const text = (value: string): Uint8Array => new TextEncoder().encode(value)
/** Base64 wrapped at 76 characters with CRLF, as some tools write it. */
const wrapped = (bytes: Uint8Array): Uint8Array => text(Buffer.from(bytes).toString('base64').replace(/.{76}/g, '$&\r\n') + '\r\n')

async function samples (): Promise<{ record: Awaited<ReturnType<typeof makeRecord>>, revocation: Awaited<ReturnType<typeof makeRevocation>>, proof: Awaited<ReturnType<typeof makeEquivocation>>, envelope: Uint8Array }> {
  const peer = await makeIdentity()
  const recipient = await makeRecipient(await tempDir(), crypto)
  return {
    record: await makeRecord(peer),
    revocation: await makeRevocation(peer),
    proof: await makeEquivocation(peer, 3),
    envelope: await seal(crypto, { signer: peer.mlDsaSigner, record: await makeRecord(peer) }, recipient.record, text('hello'))
  }
}

describe('detectFile', () => {
  test('finds each kind in its bytes, their base64 (wrapped or not) and the API\'s JSON, never by a name', async () => {
    const s = await samples()
    const cases: Array<[string, Uint8Array, string, string]> = [
      ['record bytes', s.record.bytes, 'key-record', 'bytes'],
      ['record base64', wrapped(s.record.bytes), 'key-record', 'base64'],
      ['POST /v1/rotate JSON', text(JSON.stringify(ownRecordJson(s.record))), 'key-record', 'json'],
      ['revocation.cert', s.revocation.bytes, 'revocation', 'bytes'],
      ['keydir revoke --json', text(JSON.stringify(revocationJson(s.revocation), null, 2)), 'revocation', 'json'],
      ['GET /v1/revocations with one', text(JSON.stringify({ revocations: [revocationJson(s.revocation)] })), 'revocation', 'json'],
      ['proof bytes', s.proof.bytes, 'equivocation-proof', 'bytes'],
      ['GET /v1/evidence/{peerId} JSON', text(JSON.stringify(evidenceJson(s.proof))), 'equivocation-proof', 'json'],
      ['GET /v1/evidence with one', text(JSON.stringify({ evidence: [evidenceJson(s.proof)] })), 'equivocation-proof', 'json'],
      ['proof base64', text(Buffer.from(s.proof.bytes).toString('base64')), 'equivocation-proof', 'base64'],
      ['keydir seal output', s.envelope, 'envelope', 'bytes'],
      ['envelope base64', wrapped(s.envelope), 'envelope', 'base64']
    ]
    for (const [name, bytes, kind, form] of cases) {
      const file = detectFile(bytes)
      assert.equal(file.kind, kind, name)
      assert.equal(file.form, form, name)
    }
    const json = detectFile(text(JSON.stringify(ownRecordJson(s.record))))
    assert.equal(json.claimedPeerId, s.record.peerId.toString())
    assert.equal(json.field, 'record')
  })

  test('a file that is none of the kinds: ERR_NOT_VERIFIABLE naming every kind tried and its code', async () => {
    const s = await samples()
    const refusal = (bytes: Uint8Array, kinds?: Parameters<typeof detectFile>[1]): UnverifiableFileError => {
      try {
        detectFile(bytes, kinds)
      } catch (err) {
        assert.ok(err instanceof UnverifiableFileError, String(err))
        assert.equal(err.code, 'ERR_NOT_VERIFIABLE')
        return err
      }
      assert.fail('detected')
    }
    const garbage = refusal(Uint8Array.of(0xff, 0x00, 0x13, 0x37), { name: 'junk.bin' })
    assert.deepEqual(garbage.tried.map(t => t.kind), [...VERIFIABLE_KINDS])
    assert.deepEqual(garbage.tried.map(t => t.code), ['ERR_RECORD_MALFORMED', 'ERR_REVOCATION_MALFORMED', 'ERR_EVIDENCE_MALFORMED', 'ERR_ENVELOPE_MALFORMED'])
    assert.match(garbage.message, /^junk\.bin is not a key record, a revocation certificate, an equivocation proof or a sealed envelope: .*Tried as raw bytes: not a key record \(ERR_RECORD_MALFORMED/)

    const inBase64 = refusal(wrapped(s.record.bytes.subarray(0, 100)))
    assert.ok(inBase64.tried.every(t => t.form === 'base64'), 'the bytes the base64 holds were tried')
    assert.match(refusal(text('{"peerId":"12D3KooW","mlDsaPublicKey":"AAAA","trust":"dht"}')).message, /keys without their signatures.*Accept: application\/vnd\.keydir\.key-record/)
    assert.match(refusal(text(JSON.stringify({ revocations: [revocationJson(s.revocation), revocationJson(s.revocation)] }))).message, /holds 2 entries.*jq '\.revocations\[0\]'/)
    assert.match(refusal(text('{"record": "not base64!"}')).message, /"record" field is not base64/)
    assert.match(refusal(text('{"record": 1')).message, /does not parse/)
    // --evidence: only a proof counts, so a valid record is refused rather than passed.
    assert.match(refusal(s.record.bytes, { kinds: ['equivocation-proof'] }).message, /is not an equivocation proof.*ERR_EVIDENCE_MALFORMED/)
    assert.match(refusal(text(JSON.stringify(ownRecordJson(s.record))), { kinds: ['equivocation-proof'] }).message, /holds a key record, and only an equivocation proof is checked here/)
  })

  test('base64 is read strictly: standard alphabet, padded, its one canonical form', () => {
    assert.deepEqual(strictBase64('AAEC\n'), Uint8Array.of(0, 1, 2))
    for (const bad of ['AAE', 'AA-_', 'AAF=', '', '====', 'AA==AA==']) assert.equal(strictBase64(bad), undefined, bad)
  })

  test('the file size cap holds the largest kind\'s base64 with line breaks, and JSON room beside it', () => {
    for (const kind of VERIFIABLE_KINDS) {
      const base64 = Math.ceil(MAX_KIND_BYTES[kind] / 3) * 4
      assert.ok(maxFileBytes([kind]) >= base64 + 2 * Math.ceil(base64 / 64), kind)
    }
    assert.equal(maxFileBytes(), maxFileBytes(['envelope']))
    assert.ok(maxFileBytes() < 2 * MAX_ENVELOPE_BYTES)
  })
})
