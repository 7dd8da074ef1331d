import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { Libp2pRecord } from '@libp2p/record'
import { MemoryDatastore } from 'datastore-core'
import { selectPqCrypto } from '../../src/crypto/index.js'
import { createPqkValidator, createPqkValueCheck, dhtRecordKey, pqkSelector, PqkRecordStore } from '../../src/dht/index.js'
import { createKeydirMetrics } from '../../src/metrics/index.js'
import { comparePqkValues, decodePqkValue, EquivocationValidator, isEquivocationBytes, KeyRecordValidator, mlDsaRoutingKey, RevocationValidator, routingKeyFor } from '../../src/record/index.js'
import { makeConflictingRecords, makeEquivocation } from '../helpers/evidence.js'
import { makeIdentity, makeRecord } from '../helpers/records.js'
import { makeRevocation } from '../helpers/revocations.js'
import type { KeyRecord } from '../../src/record/index.js'
import type { Key } from 'interface-datastore'

/**
 * Equivocation proofs under `/pqk/` (docs/security.md): the validator takes
 * a valid proof over any record and no record over a held proof; the store
 * under kad-dht turns a PUT of a record with the held seq and other signed
 * content into the proof, and hands the two records on.
 */

const crypto = selectPqCrypto()

class Memory extends MemoryDatastore {
  async close (): Promise<void> {}
}

function wrap (routingKey: Uint8Array, value: Uint8Array): Uint8Array {
  return new Libp2pRecord(routingKey, value, new Date()).serialize()
}

async function storeFor (): Promise<{ store: PqkRecordStore, inner: Memory, conflicts: Array<[KeyRecord, KeyRecord]>, refused: string[] }> {
  const inner = new Memory()
  const conflicts: Array<[KeyRecord, KeyRecord]> = []
  const refused: string[] = []
  const store = new PqkRecordStore(inner, { self: (await makeIdentity()).peerId, onEquivocation: (a, b) => { conflicts.push([a, b]) }, onRefused: code => { refused.push(code) } })
  await store.open()
  return { store, inner, conflicts, refused }
}

function valueHeld (bytes: Uint8Array): Uint8Array {
  return Libp2pRecord.deserialize(bytes).value
}

describe('PqkRecordStore: equivocation', () => {
  it('stores the proof in place of a PUT record with the held seq and other signed content, and hands both records on', async () => {
    const peer = await makeIdentity()
    const routingKey = routingKeyFor(peer.peerId)
    const key = dhtRecordKey(routingKey)
    const { store, conflicts } = await storeFor()
    const [a, b] = await makeConflictingRecords(peer, 4)
    await store.put(key, wrap(routingKey, a.bytes))
    await store.put(key, wrap(routingKey, b.bytes))
    const held = valueHeld(await store.get(key))
    assert.ok(isEquivocationBytes(held))
    const value = decodePqkValue(held)
    assert.equal(value.kind, 'equivocation')
    assert.equal(conflicts.length, 1)
    assert.deepEqual(conflicts[0].map(r => r.bytes), [a.bytes, b.bytes])
  })

  it('keeps a held proof over any later record, and a revocation over a proof', async () => {
    const peer = await makeIdentity()
    const routingKey = routingKeyFor(peer.peerId)
    const key = dhtRecordKey(routingKey)
    const { store, refused } = await storeFor()
    const proof = await makeEquivocation(peer, 2)
    await store.put(key, wrap(routingKey, proof.bytes))
    await store.put(key, wrap(routingKey, (await makeRecord(peer, { seq: 99 })).bytes))
    assert.deepEqual(valueHeld(await store.get(key)), proof.bytes)
    assert.deepEqual(refused, ['ERR_EQUIVOCATION'])
    const revocation = await makeRevocation(peer)
    await store.put(key, wrap(routingKey, revocation.bytes))
    assert.deepEqual(valueHeld(await store.get(key)), revocation.bytes)
    await store.put(key, wrap(routingKey, proof.bytes))
    assert.deepEqual(valueHeld(await store.get(key)), revocation.bytes)
  })

  it('under an ML-DSA PeerId\'s key keeps the held record, refuses the second and still hands both on: a proof there would name another key', async () => {
    const peer = await makeIdentity()
    const [a, b] = await makeConflictingRecords(peer, 3)
    const routingKey = mlDsaRoutingKey(a.mlDsaPublicKey)
    const key = dhtRecordKey(routingKey)
    const { store, conflicts, refused } = await storeFor()
    await store.put(key, wrap(routingKey, a.bytes))
    await store.put(key, wrap(routingKey, b.bytes))
    const held = valueHeld(await store.get(key))
    assert.deepEqual(held, a.bytes)
    assert.deepEqual(refused, ['ERR_EQUIVOCATION'])
    assert.deepEqual(conflicts.map(pair => pair.map(r => r.bytes)), [[a.bytes, b.bytes]])
    // What this node serves under the key still passes every node's validator: the lookup does not score it 'invalid'.
    const check = createPqkValueCheck({ validator: new KeyRecordValidator({ crypto }), revocationValidator: new RevocationValidator({ crypto }), equivocationValidator: new EquivocationValidator({ crypto }), datastore: new MemoryDatastore() })
    assert.equal((await check(routingKey, held)).kind, 'record')
  })

  it('keeps the held record for the same content signed again: no proof', async () => {
    const peer = await makeIdentity()
    const routingKey = routingKeyFor(peer.peerId)
    const key = dhtRecordKey(routingKey)
    const { store, conflicts } = await storeFor()
    const issuedAt = Date.now()
    const first = await makeRecord(peer, { seq: 3, issuedAt })
    await store.put(key, wrap(routingKey, first.bytes))
    await store.put(key, wrap(routingKey, (await makeRecord(peer, { seq: 3, issuedAt })).bytes))
    assert.ok(!isEquivocationBytes(valueHeld(await store.get(key))))
    assert.equal(conflicts.length, 0)
  })
})

describe('the /pqk/ validator and selector: equivocation', () => {
  function validatorHolding (): { hold: (key: Uint8Array, value: Uint8Array) => void, validate: ReturnType<typeof createPqkValidator>, failures: () => Promise<Array<{ source: string, reason: string }>> } {
    const held = new Map<string, Uint8Array>()
    const read = (key: Key): Uint8Array | undefined => held.get(key.toString())
    const metrics = createKeydirMetrics()
    const check = createPqkValueCheck({
      validator: new KeyRecordValidator({ crypto }),
      revocationValidator: new RevocationValidator({ crypto }),
      equivocationValidator: new EquivocationValidator({ crypto }),
      datastore: new MemoryDatastore(),
      readSync: read
    })
    return {
      hold: (routingKey, value) => { held.set(dhtRecordKey(routingKey).toString(), wrap(routingKey, value)) },
      validate: createPqkValidator({ check, metrics }),
      failures: async () => (await metrics.verificationFailures.get()).values.map(v => ({ source: String(v.labels.source), reason: String(v.labels.reason) }))
    }
  }

  it('takes a valid proof over a held record; refuses a record under a held proof (ERR_EQUIVOCATION)', async () => {
    const peer = await makeIdentity()
    const routingKey = routingKeyFor(peer.peerId)
    const { hold, validate } = validatorHolding()
    const proof = await makeEquivocation(peer, 5)
    hold(routingKey, (await makeRecord(peer, { seq: 50 })).bytes)
    await validate(routingKey, proof.bytes)
    hold(routingKey, proof.bytes)
    await assert.rejects(async () => validate(routingKey, (await makeRecord(peer, { seq: 60 })).bytes), (err: any) => err.code === 'ERR_EQUIVOCATION')
  })

  it('lets a conflicting record through to the store, which makes the proof', async () => {
    const peer = await makeIdentity()
    const routingKey = routingKeyFor(peer.peerId)
    const { hold, validate } = validatorHolding()
    const [a, b] = await makeConflictingRecords(peer, 5)
    hold(routingKey, a.bytes)
    await validate(routingKey, b.bytes)
  })

  it('under an ML-DSA PeerId\'s key ranks a conflicting record as any other: the store makes no proof there', async () => {
    const peer = await makeIdentity()
    const pair = await makeConflictingRecords(peer, 5)
    const routingKey = mlDsaRoutingKey(pair[0].mlDsaPublicKey)
    // Hold the one that ranks first: the other is then refused, not let through for a proof.
    const [better, worse] = comparePqkValues({ kind: 'record', record: pair[0] }, { kind: 'record', record: pair[1] }) < 0 ? pair : [pair[1], pair[0]]
    const { hold, validate } = validatorHolding()
    hold(routingKey, better.bytes)
    await assert.rejects(async () => validate(routingKey, worse.bytes), (err: any) => err.code === 'ERR_ROLLBACK')
    // Under the libp2p PeerId's key the same pair still goes through to the store.
    hold(routingKeyFor(peer.peerId), better.bytes)
    await validate(routingKeyFor(peer.peerId), worse.bytes)
  })

  it('refuses forged evidence, counted under source evidence', async () => {
    const peer = await makeIdentity()
    const other = await makeIdentity()
    const { validate, failures } = validatorHolding()
    const proof = await makeEquivocation(peer)
    await assert.rejects(async () => validate(routingKeyFor(other.peerId), proof.bytes), (err: any) => err.code === 'ERR_EVIDENCE_PEER_MISMATCH')
    const broken = proof.bytes.slice()
    broken[broken.length - 3] ^= 1
    await assert.rejects(async () => validate(routingKeyFor(peer.peerId), broken), (err: any) => err.name === 'EvidenceError')
    assert.deepEqual((await failures()).map(f => f.source), ['evidence', 'evidence'])
  })

  it('selects a proof over any record, and a revocation over a proof', async () => {
    const peer = await makeIdentity()
    const key = routingKeyFor(peer.peerId)
    const record = (await makeRecord(peer, { seq: 90 })).bytes
    const proof = (await makeEquivocation(peer, 1)).bytes
    const revocation = (await makeRevocation(peer)).bytes
    assert.equal(pqkSelector(key, [record, proof]), 1)
    assert.equal(pqkSelector(key, [proof, record]), 0)
    assert.equal(pqkSelector(key, [proof, revocation]), 1)
  })
})
