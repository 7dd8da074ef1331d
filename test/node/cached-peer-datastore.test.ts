import assert from 'node:assert/strict'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, test } from 'node:test'
import { LevelDatastore } from 'datastore-level'
import { Key } from 'interface-datastore'
import { CachedPeerDatastore } from '../../src/node/cached-peer-datastore.js'
import { makeTempDir, type TempDir } from '../helpers/temp-dir.js'

const bytes = (...values: number[]): Uint8Array => Uint8Array.from(values)
/** LevelDB answers Buffers: compare contents. */
const contents = async (value: Uint8Array | Promise<Uint8Array>): Promise<number[]> => [...await value]
const peerKey = (name: string): Key => new Key(`/peers/${name}`)

/** A LevelDatastore that counts what reaches it. */
class CountingLevel extends LevelDatastore {
  gets = 0
  puts = 0
  batches = 0
  failNextBatch = false

  override async get (key: Key): Promise<Uint8Array> {
    this.gets++
    return super.get(key)
  }

  override async put (key: Key, value: Uint8Array): Promise<Key> {
    this.puts++
    return super.put(key, value)
  }

  override batch (): ReturnType<LevelDatastore['batch']> {
    const batch = super.batch()
    const commit = batch.commit.bind(batch)
    batch.commit = async () => {
      this.batches++
      if (this.failNextBatch) {
        this.failNextBatch = false
        throw new Error('disk full')
      }
      await commit()
    }
    return batch
  }
}

describe('CachedPeerDatastore', () => {
  let dir: TempDir
  let inner: CountingLevel
  let store: CachedPeerDatastore

  beforeEach(async () => {
    dir = await makeTempDir()
    inner = new CountingLevel(join(dir.path, 'libp2p'))
    await inner.open()
    // A long delay: the tests flush by hand.
    store = new CachedPeerDatastore(inner, { flushDelayMs: 60_000 })
  })

  afterEach(async () => {
    await store.close()
    await dir.remove()
  })

  test('a peer entry is read back from memory at once and reaches LevelDB on flush', async () => {
    await store.put(peerKey('a'), bytes(1))
    assert.deepEqual(await contents(store.get(peerKey('a'))), [1])
    assert.equal(await store.has(peerKey('a')), true)
    assert.equal(await inner.has(peerKey('a')), false)
    await store.flush()
    assert.deepEqual(await contents(inner.get(peerKey('a'))), [1])
  })

  test('many writes of one peer cost one LevelDB write of the last value', async () => {
    for (let i = 0; i < 50; i++) await store.put(peerKey('a'), bytes(i))
    await store.flush()
    assert.equal(inner.puts, 0)
    assert.equal(inner.batches, 1)
    assert.deepEqual(await contents(inner.get(peerKey('a'))), [49])
  })

  test('an entry read from LevelDB once is served from memory after', async () => {
    await inner.put(peerKey('b'), bytes(7))
    assert.deepEqual(await contents(store.get(peerKey('b'))), [7])
    assert.deepEqual(await contents(store.get(peerKey('b'))), [7])
    assert.equal(inner.gets, 1)
  })

  test('a deleted entry is gone at once, and from LevelDB after the flush', async () => {
    await inner.put(peerKey('c'), bytes(3))
    assert.deepEqual(await contents(store.get(peerKey('c'))), [3])
    await store.delete(peerKey('c'))
    await assert.rejects(store.get(peerKey('c')), { name: 'NotFoundError' })
    assert.equal(await store.has(peerKey('c')), false)
    await store.flush()
    assert.equal(await inner.has(peerKey('c')), false)
    await store.put(peerKey('c'), bytes(4))
    assert.deepEqual(await contents(store.get(peerKey('c'))), [4])
  })

  test('a missing peer entry is a NotFoundError, as from LevelDB', async () => {
    await assert.rejects(store.get(peerKey('nobody')), { name: 'NotFoundError' })
  })

  test('other keys (kad-dht records) go straight to LevelDB', async () => {
    const record = new Key('/dht/record/abc')
    await store.put(record, bytes(9))
    assert.deepEqual(await contents(inner.get(record)), [9])
    await store.delete(record)
    assert.equal(await inner.has(record), false)
  })

  test('a query over the peers sees writes not yet flushed', async () => {
    await store.put(peerKey('d'), bytes(1))
    await store.put(peerKey('e'), bytes(2))
    const found = []
    for await (const { key, value } of store.query({ prefix: '/peers/' })) found.push([key.toString(), [...value]])
    assert.deepEqual(found.sort(), [['/peers/d', [1]], ['/peers/e', [2]]])
  })

  test('a failed flush keeps the writes and the next flush lands them', async () => {
    await store.put(peerKey('f'), bytes(1))
    inner.failNextBatch = true
    await assert.rejects(store.flush(), /disk full/)
    assert.deepEqual(await contents(store.get(peerKey('f'))), [1])
    await store.flush()
    assert.deepEqual(await contents(inner.get(peerKey('f'))), [1])
  })

  test('a write after a failed flush is not overwritten by the retry', async () => {
    await store.put(peerKey('g'), bytes(1))
    inner.failNextBatch = true
    const failing = store.flush()
    await store.put(peerKey('g'), bytes(2))
    await assert.rejects(failing)
    await store.flush()
    assert.deepEqual(await contents(inner.get(peerKey('g'))), [2])
  })

  test('a deleted entry read while its flush is being written does not come back', async () => {
    await inner.put(peerKey('j'), bytes(1))
    await store.delete(peerKey('j'))
    const flushing = store.flush()
    await assert.rejects(store.get(peerKey('j')), { name: 'NotFoundError' })
    assert.equal(await store.has(peerKey('j')), false)
    await flushing
    await assert.rejects(store.get(peerKey('j')), { name: 'NotFoundError' })
  })

  test('unflushed writes stay readable when the read cache evicts them', async () => {
    const small = new CachedPeerDatastore(inner, { maxCached: 1, flushDelayMs: 60_000 })
    await small.put(peerKey('k'), bytes(1))
    await small.put(peerKey('l'), bytes(2))
    assert.deepEqual(await contents(small.get(peerKey('k'))), [1])
    assert.equal(await small.has(peerKey('l')), true)
    await small.flush()
  })

  test('close flushes before closing LevelDB', async () => {
    await store.put(peerKey('h'), bytes(5))
    await store.close()
    const reopened = new LevelDatastore(join(dir.path, 'libp2p'))
    await reopened.open()
    assert.deepEqual(await contents(reopened.get(peerKey('h'))), [5])
    await reopened.close()
    store = new CachedPeerDatastore(inner)
    await inner.open()
  })

  test('writes reach LevelDB by themselves after the flush delay', async () => {
    const quick = new CachedPeerDatastore(inner, { flushDelayMs: 10 })
    await quick.put(peerKey('i'), bytes(6))
    for (let i = 0; i < 200 && !(await inner.has(peerKey('i'))); i++) await new Promise(resolve => setTimeout(resolve, 10))
    assert.deepEqual(await contents(inner.get(peerKey('i'))), [6])
  })
})
