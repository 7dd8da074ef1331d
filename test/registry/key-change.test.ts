import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { makeIdentity, makeRecord, rotateIdentity, withForeignPqKeys } from '../helpers/records.js'
import { openFixture } from './fixture.js'
import type { Fixture } from './fixture.js'
import type { KeyChange } from '../../src/registry/index.js'

/**
 * The registry's onKeyChange hook: `new` for a peer it held nothing of,
 * `rotated` for another ML-DSA-65 key, nothing for a republish, a re-store
 * or a refused record, and only after the write has landed.
 */

async function withChanges (run: (f: Fixture, changes: KeyChange[]) => Promise<void>): Promise<void> {
  const changes: KeyChange[] = []
  const f = await openFixture({ onKeyChange: change => { changes.push(change) } })
  try {
    await run(f, changes)
  } finally { await f.cleanup() }
}

const summary = (changes: KeyChange[]): Array<[string, string, number]> => changes.map(c => [c.peerId.toString(), c.change, c.seq])

describe('PeerKeyRegistry: onKeyChange', () => {
  it('a first record is new; a republish and the same record again are no change', async () => {
    await withChanges(async (f, changes) => {
      const id = await makeIdentity()
      const first = await makeRecord(id, { seq: 1 })
      assert.equal(await f.registry.storePeerKeys(first, 'dht'), 'stored')
      assert.equal(await f.registry.storePeerKeys(first.bytes, 'direct', { verified: true }), 'unchanged')
      assert.equal(await f.registry.storePeerKeys(await makeRecord(id, { seq: 2 }), 'dht'), 'stored')
      assert.deepEqual(summary(changes), [[id.peerId.toString(), 'new', 1]])
      assert.ok(changes[0]?.peerId.equals(id.peerId), 'peerId is a PeerId')
    })
  })

  it('a rotation proven by the pinned key is rotated, with the new record\'s seq', async () => {
    await withChanges(async (f, changes) => {
      const id = await makeIdentity()
      await f.registry.storePeerKeys(await makeRecord(id, { seq: 1 }), 'dht')
      const { identity: next, rotation } = rotateIdentity(id)
      await f.registry.storePeerKeys(await makeRecord(next, { seq: 5, rotation }), 'direct')
      assert.deepEqual(summary(changes), [[id.peerId.toString(), 'new', 1], [id.peerId.toString(), 'rotated', 5]])
    })
  })

  it('against a pin without a record: the same key is no change, another (proven) key is rotated', async () => {
    await withChanges(async (f, changes) => {
      const id = await makeIdentity()
      await f.registry.storePeerKeys(await makeRecord(id, { seq: 1 }), 'dht')
      await f.registry.removePeerKeys(id.peerId)
      await f.registry.storePeerKeys(await makeRecord(id, { seq: 2 }), 'dht')
      await f.registry.removePeerKeys(id.peerId)
      const { identity: next, rotation } = rotateIdentity(id)
      await f.registry.storePeerKeys(await makeRecord(next, { seq: 3, rotation }), 'dht')
      assert.deepEqual(summary(changes).map(c => c[1]), ['new', 'rotated'])
    })
  })

  it('a configured anchor\'s first matching record is no change (the key was pinned); its rotation is', async () => {
    await withChanges(async (f, changes) => {
      const id = await makeIdentity()
      await f.registry.setAnchor(id.peerId, { mlDsaPublicKey: id.mlDsaSigner.publicKey })
      await f.registry.storePeerKeys(await makeRecord(id, { seq: 1 }), 'anchor')
      assert.deepEqual(changes, [])
      const { identity: next, rotation } = rotateIdentity(id)
      await f.registry.storePeerKeys(await makeRecord(next, { seq: 2, rotation }), 'anchor')
      assert.deepEqual(summary(changes), [[id.peerId.toString(), 'rotated', 2]])
    })
  })

  it('a refused record is no change', async () => {
    await withChanges(async (f, changes) => {
      const id = await makeIdentity()
      await f.registry.storePeerKeys(await makeRecord(id, { seq: 3 }), 'dht')
      await assert.rejects(f.registry.storePeerKeys(await makeRecord(id, { seq: 2 }), 'dht'))
      await assert.rejects(f.registry.storePeerKeys(await makeRecord(withForeignPqKeys(id, await makeIdentity()), { seq: 4 }), 'dht'))
      assert.equal(changes.length, 1)
    })
  })

  it('is reported after the write lands, and not at all when it fails', async () => {
    await withChanges(async (f, changes) => {
      const store = (f.registry as unknown as { state: { store: { write: (...args: unknown[]) => Promise<void> } } }).state.store
      const write = store.write.bind(store)
      let release!: () => void
      const gate = new Promise<void>(resolve => { release = resolve })
      store.write = async (...args) => { await gate; await write(...args) }

      const id = await makeIdentity()
      const admission = await f.registry.admitPeerKeys(await makeRecord(id), 'dht')
      assert.equal(admission.outcome, 'stored')
      assert.deepEqual(changes, [], 'admitted and served from memory, but not yet on disk')
      release()
      await admission.written
      assert.equal(changes.length, 1)

      store.write = async () => { throw new Error('disk full') }
      const other = await makeIdentity()
      await assert.rejects(f.registry.storePeerKeys(await makeRecord(other), 'dht'), /disk full/)
      assert.equal(changes.length, 1)
    })
  })
})
