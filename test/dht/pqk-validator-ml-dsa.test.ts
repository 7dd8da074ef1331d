import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { Libp2pRecord } from '@libp2p/record'
import { selectPqCrypto } from '../../src/crypto/index.js'
import { createPqkCheck, createPqkValidator, createPqkValueCheck, dhtRecordKey, pqkSelector } from '../../src/dht/index.js'
import { createKeydirMetrics } from '../../src/metrics/index.js'
import { EquivocationValidator, KeyRecordValidator, mlDsaRoutingKey, RevocationValidator, createRevocation } from '../../src/record/index.js'
import { makeIdentity, makeRecord, rotateIdentity, withForeignPqKeys } from '../helpers/records.js'
import type { Datastore, Key } from 'interface-datastore'

const notFound = (): Error => Object.assign(new Error('Not Found'), { name: 'NotFoundError' })

function validatorOver (held: Map<string, Uint8Array>): { validate: ReturnType<typeof createPqkValidator>, refusals: () => Promise<Record<string, number>> } {
  const crypto = selectPqCrypto()
  const datastore = { get: async (key: Key) => held.get(key.toString()) ?? Promise.reject(notFound()) } as unknown as Datastore
  const metrics = createKeydirMetrics()
  const check = createPqkValueCheck({
    validator: new KeyRecordValidator({ crypto }),
    revocationValidator: new RevocationValidator({ crypto }),
    equivocationValidator: new EquivocationValidator({ crypto }),
    datastore
  })
  const validate = createPqkValidator({ check, metrics })
  const refusals = async (): Promise<Record<string, number>> => Object.fromEntries((await metrics.verificationFailures.get()).values.filter(v => v.labels.source === 'dht').map(v => [String(v.labels.reason), v.value]))
  return { validate, refusals }
}

describe('the /pqk/ DHT validator under an ML-DSA PeerId\'s key', () => {
  test('accepts a record under /pqk/ + the ML-DSA PeerId of its own ML-DSA-65 key', async () => {
    const identity = await makeIdentity()
    const record = await makeRecord(identity)
    await validatorOver(new Map()).validate(mlDsaRoutingKey(record.mlDsaPublicKey), record.bytes)
    // The record-only check takes it too.
    const crypto = selectPqCrypto()
    const check = createPqkCheck({ validator: new KeyRecordValidator({ crypto }), datastore: { get: async () => Promise.reject(notFound()) } as unknown as Datastore })
    assert.equal((await check(mlDsaRoutingKey(record.mlDsaPublicKey), record.bytes)).seq, record.seq)
  })

  test('refuses another peer\'s valid record under the key: ERR_PEER_ID_MISMATCH, counted', async () => {
    const a = await makeIdentity()
    const c = await makeIdentity()
    const recordOfC = await makeRecord(c)
    const keyOfA = mlDsaRoutingKey((await makeRecord(a)).mlDsaPublicKey)
    const { validate, refusals } = validatorOver(new Map())
    await assert.rejects(async () => validate(keyOfA, recordOfC.bytes), { code: 'ERR_PEER_ID_MISMATCH' })
    assert.equal((await refusals()).ERR_PEER_ID_MISMATCH, 1)
  })

  test('refuses the same peer\'s record of its earlier key under the new key\'s PeerId, and the reverse', async () => {
    const k0 = await makeIdentity()
    const { identity: k1, rotation } = rotateIdentity(k0)
    const old = await makeRecord(k0, { seq: 1 })
    const current = await makeRecord(k1, { seq: 2, rotation })
    const { validate } = validatorOver(new Map())
    await assert.rejects(async () => validate(mlDsaRoutingKey(current.mlDsaPublicKey), old.bytes), { code: 'ERR_PEER_ID_MISMATCH' })
    await assert.rejects(async () => validate(mlDsaRoutingKey(old.mlDsaPublicKey), current.bytes), { code: 'ERR_PEER_ID_MISMATCH' })
  })

  test('the key\'s own signature is still checked under its ML-DSA PeerId: a flipped signature byte is refused', async () => {
    const a = await makeIdentity()
    const other = await makeIdentity()
    // Whoever's PeerId a record names, only its ML-DSA key's holder can sign it: a record of `a` with `other`'s keys passes under `other`'s key.
    const borrowed = await makeRecord(withForeignPqKeys(a, other))
    const key = mlDsaRoutingKey(other.mlDsaSigner.publicKey)
    await validatorOver(new Map()).validate(key, borrowed.bytes)
    const tampered = Uint8Array.from(borrowed.bytes)
    tampered[tampered.length - 1] ^= 1
    await assert.rejects(async () => validatorOver(new Map()).validate(key, tampered), { code: 'ERR_BAD_ML_DSA_SIGNATURE' })
  })

  test('refuses an older record of the same key than the one held under it: ERR_ROLLBACK', async () => {
    const identity = await makeIdentity()
    const older = await makeRecord(identity, { seq: 1 })
    const newer = await makeRecord(identity, { seq: 2 })
    const key = mlDsaRoutingKey(newer.mlDsaPublicKey)
    const held = new Map([[dhtRecordKey(key).toString(), new Libp2pRecord(key, newer.bytes, new Date()).serialize()]])
    const { validate, refusals } = validatorOver(held)
    await assert.rejects(async () => validate(key, older.bytes), { code: 'ERR_ROLLBACK' })
    assert.equal((await refusals()).ERR_ROLLBACK, 1)
    // The selector under the key is the same: the higher seq, in either order.
    assert.equal(pqkSelector(key, [older.bytes, newer.bytes]), 1)
    assert.equal(pqkSelector(key, [newer.bytes, older.bytes]), 0)
  })

  test('refuses a revocation certificate under the key: only records live there', async () => {
    const identity = await makeIdentity()
    const record = await makeRecord(identity)
    const revocation = await createRevocation({ privateKey: identity.privateKey, mlDsaSigner: identity.mlDsaSigner })
    await assert.rejects(async () => validatorOver(new Map()).validate(mlDsaRoutingKey(record.mlDsaPublicKey), revocation.bytes), { name: 'RevocationError' })
  })
})
