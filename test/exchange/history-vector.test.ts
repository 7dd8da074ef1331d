import assert from 'node:assert/strict'
import { readFile } from 'node:fs/promises'
import { describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'
import { selectPqCrypto } from '../../src/crypto/index.js'
import { checkHistoryRequest, checkHistoryResponse, decodeHistoryRequest, decodeHistoryResponse, handOversBetween, HISTORY_PROTOCOL } from '../../src/exchange/index.js'
import { followHistory, oldestFingerprint, unmarshalKeyRecord } from '../../src/record/index.js'
import { peerIdOf } from '../../src/util/peer-id.js'
import { hasCode } from '../helpers/attacks.js'

interface HistoryVectors {
  inputs: { validAt: number, protocol: string, maxLinks: number }
  valid: {
    responder: string
    record: string
    pinnedMlDsaPublicKeyHex: string
    fromFingerprintHex: string
    toFingerprintHex: string
    requestHex: string
    responseHex: string
    rotations: number
    keptHandOversHex: string
  }
  invalidRequests: Array<{ name: string, requestHex: string, error: string }>
  invalid: Array<{ name: string, responseHex: string, remote?: string, error: string }>
}

const file = (name: string): string => fileURLToPath(new URL(`../../../test/vectors/${name}`, import.meta.url))
const vectors = JSON.parse(await readFile(file('key-history.json'), 'utf8')) as HistoryVectors
const records = JSON.parse(await readFile(file('key-record.json'), 'utf8')) as { valid: Array<{ name: string, recordHex: string }> }
const crypto = selectPqCrypto()
const bytes = (hexString: string): Uint8Array => new Uint8Array(Buffer.from(hexString, 'hex'))
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex')

describe('key history golden vectors (test/vectors/key-history.json)', () => {
  const { valid } = vectors
  const responder = peerIdOf(valid.responder)
  const record = unmarshalKeyRecord(bytes(records.valid.find(v => v.name === valid.record)!.recordHex))
  const pinned = bytes(valid.pinnedMlDsaPublicKeyHex)
  const span = { from: bytes(valid.fromFingerprintHex), to: bytes(valid.toFingerprintHex) }
  const check = { ...span, crypto, asked: responder, remote: responder, fromKey: pinned }

  it('asks, on the documented protocol, from the pinned key to the oldest key the record names', () => {
    assert.equal(vectors.inputs.protocol, HISTORY_PROTOCOL)
    assert.equal(hex(oldestFingerprint(record)!), valid.toFingerprintHex)
    const request = decodeHistoryRequest(bytes(valid.requestHex))
    assert.deepEqual(request.peerId, responder.toMultihash().bytes)
    const asked = checkHistoryRequest(request, responder)
    assert.equal(hex(asked.from), valid.fromFingerprintHex)
    assert.equal(hex(asked.to), valid.toFingerprintHex)
  })

  it('the responder answers with exactly the vector\'s response, which takes the pinned holder across every rotation', async () => {
    const kept = decodeHistoryResponse(bytes(valid.keptHandOversHex)).links
    const answer = decodeHistoryResponse(bytes(valid.responseHex))
    assert.deepEqual(handOversBetween(kept, span).map(link => hex(link.signature)), answer.links.map(link => hex(link.signature)))
    const links = await checkHistoryResponse(answer, check)
    assert.throws(() => followHistory(crypto, record, { fingerprint: span.from, mlDsaPublicKey: pinned }), hasCode('ERR_HISTORY_BEYOND_BOUND'))
    assert.equal(followHistory(crypto, record, { fingerprint: span.from, mlDsaPublicKey: pinned }, { earlier: links }).rotations, valid.rotations)
  })

  for (const vector of vectors.invalidRequests) {
    it(`the responder refuses the request: ${vector.name} (${vector.error})`, () => {
      assert.throws(() => checkHistoryRequest(decodeHistoryRequest(bytes(vector.requestHex)), responder), hasCode(vector.error, 'ExchangeError'))
    })
  }

  for (const vector of vectors.invalid) {
    it(`refuses: ${vector.name} (${vector.error})`, async () => {
      const remote = vector.remote === undefined ? responder : peerIdOf(vector.remote)
      await assert.rejects(async () => checkHistoryResponse(decodeHistoryResponse(bytes(vector.responseHex)), { ...check, remote }), hasCode(vector.error, 'ExchangeError'))
    })
  }
})
