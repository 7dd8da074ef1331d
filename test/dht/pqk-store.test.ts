import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { Libp2pRecord } from '@libp2p/record'
import { MemoryDatastore } from 'datastore-core'
import { Key } from 'interface-datastore'
import { dhtRecordKey, PqkRecordStore, REVOCATION_ROOM_MS } from '../../src/dht/index.js'
import { createRevocation, isRevocationBytes, mlDsaRoutingKey, routingKeyFor, unmarshalKeyRecord } from '../../src/record/index.js'
import { makeIdentity, makeRecord, rotateIdentity } from '../helpers/records.js'
import type { TestIdentity } from '../helpers/records.js'

/**
 * The DHT store's guard for `/pqk/` records (docs/security.md rows 30, 30b):
 * writes of one key one at a time, never a lower record over a higher one,
 * and a bound on the PeerIds held.
 */

/** A memory datastore whose puts take a turn of the event loop, as LevelDB's do. */
class SlowMemory extends MemoryDatastore {
  override async put (key: Key, value: Uint8Array): Promise<Key> {
    await new Promise(resolve => setImmediate(resolve))
    return super.put(key, value)
  }

  async close (): Promise<void> {}
}

async function dhtValue (id: TestIdentity, seq: number, options: { issuedAt?: number, lifetimeMs?: number } = {}): Promise<{ key: Key, value: Uint8Array }> {
  const record = await makeRecord(id, { seq, ...options })
  return { key: dhtRecordKey(routingKeyFor(id.peerId)), value: new Libp2pRecord(routingKeyFor(id.peerId), record.bytes, new Date()).serialize() }
}

function seqHeld (value: Uint8Array): number {
  return unmarshalKeyRecord(Libp2pRecord.deserialize(value).value).seq
}

describe('PqkRecordStore', () => {
  it('keeps the higher record when two PUTs of one key were validated before either landed', async () => {
    const self = await makeIdentity()
    const peer = await makeIdentity()
    const refused: string[] = []
    const inner = new SlowMemory()
    const store = new PqkRecordStore(inner, { self: self.peerId, onRefused: code => { refused.push(code) } })
    await store.open()
    const [newer, older] = await Promise.all([dhtValue(peer, 5), dhtValue(peer, 4)])
    await Promise.all([store.put(newer.key, newer.value), store.put(older.key, older.value)])
    assert.equal(seqHeld(await inner.get(newer.key)), 5)
    assert.deepEqual(refused, ['ERR_ROLLBACK'])
    // A later record still replaces it.
    const later = await dhtValue(peer, 6)
    await store.put(later.key, later.value)
    assert.equal(seqHeld(await inner.get(later.key)), 6)
  })

  it('holds records of at most maxRecords other PeerIds: ERR_DHT_STORE_FULL, its own always', async () => {
    const [self, a, b, c] = await Promise.all([makeIdentity(), makeIdentity(), makeIdentity(), makeIdentity()])
    const refused: string[] = []
    const store = new PqkRecordStore(new SlowMemory(), { self: self.peerId, maxRecords: 2, onRefused: code => { refused.push(code) } })
    await store.open()
    for (const id of [a, b]) {
      const { key, value } = await dhtValue(id, 1)
      await store.put(key, value)
    }
    const third = await dhtValue(c, 1)
    await assert.rejects(store.put(third.key, third.value), (err: any) => err.code === 'ERR_DHT_STORE_FULL')
    assert.equal(await store.has(third.key), false)
    const own = await dhtValue(self, 1)
    await store.put(own.key, own.value)
    assert.equal(await store.has(own.key), true)
    // A held PeerId's newer record is not new.
    const newer = await dhtValue(a, 2)
    await store.put(newer.key, newer.value)
    assert.equal(store.size, 3)
    assert.deepEqual(refused, ['ERR_DHT_STORE_FULL'])
  })

  it('stores its own record under its current ML-DSA PeerId\'s key whatever the bound, and a rotation moves that exemption', async () => {
    const self = await makeIdentity()
    const other = await makeIdentity()
    let ownKey = (await makeRecord(self)).mlDsaPublicKey
    const store = new PqkRecordStore(new SlowMemory(), { self: self.peerId, maxRecords: 1, selfKeys: () => [mlDsaRoutingKey(ownKey)] })
    await store.open()
    const put = async (routingKey: Uint8Array, bytes: Uint8Array): Promise<Key> => store.put(dhtRecordKey(routingKey), new Libp2pRecord(routingKey, bytes, new Date()).serialize())
    await put(routingKeyFor(other.peerId), (await makeRecord(other)).bytes)
    const own = await makeRecord(self)
    await put(routingKeyFor(self.peerId), own.bytes)
    await put(mlDsaRoutingKey(own.mlDsaPublicKey), own.bytes)
    assert.equal(store.size, 3)
    // After a rotation the new key is this node's; the old key's record is another's, and the full store refuses one more.
    const { identity: rotated, rotation } = rotateIdentity(self)
    const next = await makeRecord(rotated, { seq: 2, rotation })
    ownKey = next.mlDsaPublicKey
    await put(mlDsaRoutingKey(next.mlDsaPublicKey), next.bytes)
    const stranger = await makeIdentity()
    await assert.rejects(put(routingKeyFor(stranger.peerId), (await makeRecord(stranger)).bytes), { code: 'ERR_DHT_STORE_FULL' })
  })

  it('lets a record for a new PeerId take the place of an expired one, and counts what it holds at open', async () => {
    const [self, a, b, c] = await Promise.all([makeIdentity(), makeIdentity(), makeIdentity(), makeIdentity()])
    let now = Date.now()
    const inner = new SlowMemory()
    const store = new PqkRecordStore(inner, { self: self.peerId, maxRecords: 2, now: () => now })
    const short = await dhtValue(a, 1, { issuedAt: now, lifetimeMs: 60_000 })
    const long = await dhtValue(b, 1)
    await store.put(short.key, short.value)
    await store.put(long.key, long.value)
    const reopened = new PqkRecordStore(inner, { self: self.peerId, maxRecords: 2, now: () => now })
    await reopened.open()
    assert.equal(reopened.size, 2)
    now += 60_000
    const fresh = await dhtValue(c, 1)
    await reopened.put(fresh.key, fresh.value)
    assert.equal(await inner.has(short.key), false)
    assert.equal(await inner.has(fresh.key), true)
    assert.equal(reopened.size, 2)
  })

  it('keeps the bound under PUTs of new PeerIds at once, and lets them take the room of expired records only once each', async () => {
    const self = await makeIdentity()
    let now = Date.now()
    const refused: string[] = []
    const inner = new SlowMemory()
    const store = new PqkRecordStore(inner, { self: self.peerId, maxRecords: 2, now: () => now, onRefused: code => { refused.push(code) } })
    const olds = await Promise.all([makeIdentity(), makeIdentity()])
    for (const id of olds) {
      const { key, value } = await dhtValue(id, 1, { issuedAt: now, lifetimeMs: 60_000 })
      await store.put(key, value)
    }
    now += 60_000
    const news = await Promise.all(Array.from({ length: 5 }, async () => dhtValue(await makeIdentity(), 1)))
    const results = await Promise.allSettled(news.map(async ({ key, value }) => store.put(key, value)))
    assert.equal(results.filter(r => r.status === 'fulfilled').length, 2, 'two expired records gave way, once each')
    assert.equal(store.size, 2)
    assert.equal(refused.filter(code => code === 'ERR_DHT_STORE_FULL').length, 3)
    const onDisk: Key[] = []
    for await (const found of inner.queryKeys({ prefix: '/dht/record/' })) onDisk.push(found)
    assert.equal(onDisk.length, 2)
  })

  it('keeps a held revocation: a record of any seq is refused (ERR_REVOKED); at the bound it keeps its room for 48 hours, then gives way', async () => {
    const [self, peer, other, later] = await Promise.all([makeIdentity(), makeIdentity(), makeIdentity(), makeIdentity()])
    const refused: string[] = []
    const inner = new SlowMemory()
    let now = Date.now()
    const store = new PqkRecordStore(inner, { self: self.peerId, maxRecords: 1, now: () => now, onRefused: code => { refused.push(code) } })
    await store.open()
    const revocation = await createRevocation({ privateKey: peer.privateKey, mlDsaSigner: peer.mlDsaSigner })
    const key = dhtRecordKey(routingKeyFor(peer.peerId))
    await store.put(key, new Libp2pRecord(routingKeyFor(peer.peerId), revocation.bytes, new Date(now)).serialize())
    const record = await dhtValue(peer, Number.MAX_SAFE_INTEGER)
    await store.put(record.key, record.value)
    assert.ok(isRevocationBytes(Libp2pRecord.deserialize(await inner.get(key)).value), 'the revocation stays')
    assert.deepEqual(refused, ['ERR_REVOKED'])
    // Past every record's lifetime but within 48 hours of its receipt, it holds its room, across a reopen too.
    now += REVOCATION_ROOM_MS - 60_000
    const newcomer = await dhtValue(other, 1, { issuedAt: now - 1000 })
    await assert.rejects(store.put(newcomer.key, newcomer.value), (err: any) => err.code === 'ERR_DHT_STORE_FULL')
    const again = new PqkRecordStore(inner, { self: self.peerId, maxRecords: 1, now: () => now })
    await again.open()
    await assert.rejects(again.put(newcomer.key, newcomer.value), (err: any) => err.code === 'ERR_DHT_STORE_FULL')
    // After that, a new PeerId's record takes its room: free identities cannot fill the store for good with revocations.
    now += 120_000
    const last = await dhtValue(later, 1, { issuedAt: now - 1000 })
    await again.put(last.key, last.value)
    assert.equal(await inner.has(key), false, 'the revocation gave way')
  })

  it('passes every other key through untouched', async () => {
    const self = await makeIdentity()
    const inner = new SlowMemory()
    const store = new PqkRecordStore(inner, { self: self.peerId, maxRecords: 0 })
    const key = new Key('/peers/whatever')
    await store.put(key, Uint8Array.of(1, 2, 3))
    assert.deepEqual(await store.get(key), Uint8Array.of(1, 2, 3))
    await store.delete(key)
    assert.equal(await store.has(key), false)
  })
})
