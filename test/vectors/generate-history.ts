/**
 * Writes test/vectors/key-history.json: a golden HistoryRequest and
 * HistoryResponse (docs/record-format.md, "Beyond the bound"). The golden
 * peer (key-record.json) at K4 is asked by a holder pinned at K0: the
 * `history-4` record names K1 as its oldest key, so the answer is the one
 * hand-over K0 -> K1. Its signature is the one already in key-record.json
 * (ML-DSA-65 signing is hedged): this file is made from those records and
 * never signs anything, so writing it again gives the same bytes.
 * test/exchange/history-vector.test.ts checks it.
 */
import { readFile, writeFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { generateKeyPairFromSeed } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { HistoryRequest, HistoryResponse } from '../../protobuf/key-history.js'
import { fingerprint } from '../../src/crypto/index.js'
import { createHistoryRequest, createHistoryResponse, HISTORY_PROTOCOL, MAX_HISTORY_RESPONSE_LINKS } from '../../src/exchange/index.js'
import { oldestFingerprint, unmarshalKeyRecord } from '../../src/record/index.js'
import { GOLDEN } from './golden.js'
import { encodeFields, parseFields } from '../helpers/protobuf-wire.js'
import type { KeyRecord, RotationLink } from '../../src/record/index.js'

/** Another peer's Ed25519 seed (32 bytes of 0x0d), for the answer that comes over the wrong connection. */
export const HISTORY_STRANGER_SEED = new Uint8Array(32).fill(13)

const bytesOf = (hexString: string): Uint8Array => Uint8Array.from(Buffer.from(hexString, 'hex'))
const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex')
const recordsFile = fileURLToPath(new URL('../../../test/vectors/key-record.json', import.meta.url))
const out = fileURLToPath(new URL('../../../test/vectors/key-history.json', import.meta.url))

/** The golden records by vector name, as key-record.json holds them. */
async function goldenRecords (): Promise<Map<string, KeyRecord>> {
  const file = JSON.parse(await readFile(recordsFile, 'utf8')) as { valid: Array<{ name: string, recordHex: string }> }
  return new Map(file.valid.map(v => [v.name, unmarshalKeyRecord(Uint8Array.from(Buffer.from(v.recordHex, 'hex')))]))
}

/** The golden peer's hand-overs at K4, newest first, as its identity keeps them: each record's proof with its key. */
export function goldenHandOvers (records: Map<string, KeyRecord>): RotationLink[] {
  return ['history-4', 'history-3', 'history-2', 'rotated'].map(name => {
    const record = records.get(name)
    if (record?.rotation == null) throw new Error(`key-record.json lacks the rotated record "${name}": run npm run vectors for it first`)
    return { ...record.rotation, mlDsaPublicKey: record.mlDsaPublicKey }
  })
}

export async function writeHistoryVectors (): Promise<string> {
  const records = await goldenRecords()
  const [intoK4, intoK3, intoK2, intoK1] = goldenHandOvers(records)
  const k0 = records.get('plain')!.mlDsaPublicKey
  const k4 = records.get('history-4')!
  const responder = k4.peerId
  const span = { from: fingerprint(k0), to: oldestFingerprint(k4)! }
  const response = (links: RotationLink[]): string => hex(HistoryResponse.encode(createHistoryResponse(links)))
  const flipped = { ...intoK1, signature: Uint8Array.from(intoK1.signature, (b, i) => i === 0 ? b ^ 1 : b) }
  const stranger = peerIdFromPrivateKey(await generateKeyPairFromSeed('Ed25519', HISTORY_STRANGER_SEED))
  const vectors = {
    description: `keydir key history golden vectors (${HISTORY_PROTOCOL}); format: docs/record-format.md, "Beyond the bound". ` +
      'Bytes are the messages without their length prefix. The record and keys are key-record.json\'s.',
    inputs: { validAt: GOLDEN.validAt, protocol: HISTORY_PROTOCOL, maxLinks: MAX_HISTORY_RESPONSE_LINKS, strangerEd25519SeedHex: hex(HISTORY_STRANGER_SEED) },
    // A holder pinned at K0 holds `history-4` (K4, reaching back to K1) and asks the peer for the rest.
    valid: {
      responder: responder.toString(),
      record: 'history-4',
      pinnedMlDsaPublicKeyHex: hex(k0),
      fromFingerprintHex: hex(span.from),
      toFingerprintHex: hex(span.to),
      requestHex: hex(HistoryRequest.encode(createHistoryRequest(responder, span))),
      // The one hand-over K0 -> K1 (key K1): with it the holder follows four rotations.
      responseHex: response([intoK1]),
      rotations: 4,
      // Every hand-over the responder keeps at K4, newest first, encoded as a HistoryResponse: it answers with the run from `to` back to `from`.
      keptHandOversHex: response([intoK4, intoK3, intoK2, intoK1])
    },
    // Requests the responder (valid.responder) refuses.
    invalidRequests: [
      { name: 'to_fingerprint of 31 bytes', rule: 'both fingerprints are 32 bytes', requestHex: hex(HistoryRequest.encode(createHistoryRequest(responder, { ...span, to: span.to.subarray(1) }))), error: 'ERR_BAD_FINGERPRINT' },
      { name: 'naming another peer', rule: 'the request names the responder', requestHex: hex(HistoryRequest.encode(createHistoryRequest(stranger, span))), error: 'ERR_WRONG_RESPONDER' }
    ],
    // Answers to the same request that the holder refuses; `remote` is the peer the answer came from when it is not the responder.
    invalid: [
      { name: 'the hand-over\'s signature flipped', rule: 'each hand-over\'s signature verifies', responseHex: response([flipped]), error: 'ERR_BAD_HISTORY_SIGNATURE' },
      { name: 'a hand-over too many (K1 -> K2 before it)', rule: 'the answer is exactly the run asked for, joining the pin to the record\'s oldest link', responseHex: response([intoK2, intoK1]), error: 'ERR_BROKEN_CHAIN' },
      { name: 'another run than asked (K1 -> K2 alone)', rule: 'the answer is exactly the run asked for, joining the pin to the record\'s oldest link', responseHex: response([intoK2]), error: 'ERR_BROKEN_CHAIN' },
      { name: 'answered over another peer\'s connection', rule: 'the answer comes over the connection to the peer asked', responseHex: response([intoK1]), remote: stranger.toString(), error: 'ERR_WRONG_RESPONDER' },
      { name: 'a signature of 3308 bytes', rule: 'each link\'s signature is 3309 bytes', responseHex: response([{ ...intoK1, signature: intoK1.signature.subarray(1) }]), error: 'ERR_BAD_ROTATION_PROOF' },
      { name: 'a length that runs past the end (0a 05)', rule: 'wire form: a length past the end is malformed', responseHex: '0a05', error: 'ERR_MESSAGE_MALFORMED' },
      { name: 'a length varint cut off (0a ff)', rule: 'wire form: a truncated varint is malformed', responseHex: '0aff', error: 'ERR_MESSAGE_MALFORMED' },
      { name: 'unknown field 2 appended', rule: 'wire form: an unknown field is not canonical', responseHex: response([intoK1]) + '1000', error: 'ERR_MESSAGE_NOT_CANONICAL' },
      { name: 'an empty previous_fingerprint written out inside the link', rule: 'wire form: an empty bytes field is left out', responseHex: hex(encodeFields([{ field: 1, wireType: 2, value: encodeFields([{ field: 1, wireType: 2, value: new Uint8Array(0) }, { field: 2, wireType: 2, value: intoK1.signature }, { field: 3, wireType: 2, value: intoK1.mlDsaPublicKey }]) }])), error: 'ERR_MESSAGE_NOT_CANONICAL' },
      { name: 'link fields in reverse order', rule: 'wire form: fields in increasing order', responseHex: hex(encodeFields([{ field: 1, wireType: 2, value: encodeFields(parseFields(parseFields(bytesOf(response([intoK1])))![0].value)!.reverse()) }])), error: 'ERR_MESSAGE_NOT_CANONICAL' }
    ]
  }
  await writeFile(out, JSON.stringify(vectors, null, 2) + '\n')
  return out
}
