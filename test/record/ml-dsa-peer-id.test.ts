import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'
import { peerIdFromString } from '@libp2p/peer-id'
import { selectPqCrypto } from '../../src/crypto/index.js'
import { decodePqkValue, EquivocationValidator, KeyRecordValidator, mlDsaLibp2pPublicKey, mlDsaPeerIdBytes, mlDsaPeerIdString, mlDsaRoutingKey, RevocationValidator, validatePqkValue } from '../../src/record/index.js'
import { parseFields } from '../helpers/protobuf-wire.js'
import { makeMlDsaPeerIdVectors } from '../vectors/generate-ml-dsa-peer-id.js'

const file = fileURLToPath(new URL('../../../test/vectors/ml-dsa-peer-id.json', import.meta.url))

describe('ML-DSA PeerId (RFC 0004 draft)', () => {
  const key = selectPqCrypto().mlDsa65.createSigner(new Uint8Array(32).fill(9)).publicKey

  it('is the SHA-256 multihash of the PublicKey protobuf { Type: 4, Data: 0x02 || key }', () => {
    const encoded = mlDsaLibp2pPublicKey(key)
    const fields = parseFields(encoded)!
    assert.deepEqual(fields.map(f => [f.field, f.wireType]), [[1, 0], [2, 2]])
    assert.deepEqual(fields[0].value, Uint8Array.of(4))
    assert.equal(fields[1].value[0], 0x02)
    assert.deepEqual(fields[1].value.subarray(1), key)
    const multihash = mlDsaPeerIdBytes(key)
    assert.deepEqual(multihash.subarray(0, 2), Uint8Array.of(0x12, 0x20))
    assert.deepEqual(multihash.subarray(2), Uint8Array.from(createHash('sha256').update(encoded).digest()))
  })

  it('reads back as a libp2p PeerId with that multihash, and differs per key', () => {
    const text = mlDsaPeerIdString(key)
    assert.match(text, /^Qm/)
    assert.deepEqual(peerIdFromString(text).toMultihash().bytes, mlDsaPeerIdBytes(key))
    const other = selectPqCrypto().mlDsa65.createSigner(new Uint8Array(32).fill(10)).publicKey
    assert.notEqual(mlDsaPeerIdString(other), text)
  })

  it('refuses a key of the wrong length', () => {
    assert.throws(() => mlDsaPeerIdBytes(key.subarray(1)), (err: any) => err.code === 'ERR_BAD_KEY_LENGTH')
  })

  it('the vectors under an ML-DSA PeerId\'s DHT key: each valid one taken, each invalid one refused with its code', async () => {
    const { underRoutingKey } = JSON.parse(await readFile(file, 'utf8'))
    const validator = new KeyRecordValidator({ crypto: selectPqCrypto(), now: () => underRoutingKey.validAt })
    const h = (text: string): Uint8Array => Uint8Array.from(Buffer.from(text, 'hex'))
    for (const v of underRoutingKey.valid) {
      const record = validator.validateForRoutingKey(h(v.routingKeyHex), h(v.recordHex))
      assert.deepEqual(mlDsaRoutingKey(record.mlDsaPublicKey), h(v.routingKeyHex), v.name)
    }
    assert.equal(underRoutingKey.invalid.length, 4)
    for (const v of underRoutingKey.invalid) {
      assert.throws(() => validator.validateForRoutingKey(h(v.routingKeyHex), h(v.recordHex)), (err: any) => err.code === v.error, v.name)
    }
    // A revocation and an equivocation proof under the key: the /pqk/ validator for every kind of value refuses both.
    const now = (): number => underRoutingKey.validAt
    const crypto = selectPqCrypto()
    const validators = { records: validator, revocations: new RevocationValidator({ crypto, now }), equivocations: new EquivocationValidator({ crypto }) }
    assert.deepEqual(underRoutingKey.notRecords.map((v: any) => v.kind), ['revocation', 'equivocation'])
    for (const v of underRoutingKey.notRecords) {
      assert.equal(decodePqkValue(h(v.valueHex)).kind, v.kind, v.name)
      assert.throws(() => validatePqkValue(validators, h(v.routingKeyHex), h(v.valueHex)), (err: any) => err.code === v.error, v.name)
    }
  })

  it('matches test/vectors/ml-dsa-peer-id.json, which the generator rebuilds byte for byte', async () => {
    assert.deepEqual(JSON.parse(await readFile(file, 'utf8')), JSON.parse(JSON.stringify(makeMlDsaPeerIdVectors())))
  })
})
