import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { makeIdentity, makeRecord } from '../helpers/records.js'
import { isError, openFixture } from './fixture.js'
import type { Fixture } from './fixture.js'
import type { StoreAdmission } from '../../src/registry/types.js'
import type { TestIdentity } from '../helpers/records.js'

/**
 * admitPeerKeys: the same rules as storePeerKeys, settled once the record is
 * admitted and served from memory; `written` once it is on disk.
 */

/** Make the registry's LevelDB writes wait for `release()`, or fail. */
function holdWrites (f: Fixture): { release: () => void, fail: (err: Error) => void } {
  const store = (f.registry as unknown as { state: { store: { write: (...args: unknown[]) => Promise<void> } } }).state.store
  const write = store.write.bind(store)
  let release!: () => void
  let fail!: (err: Error) => void
  const gate = new Promise<void>((resolve, reject) => { release = resolve; fail = reject })
  store.write = async (...args) => {
    await gate
    await write(...args)
  }
  return { release, fail }
}

/** A peer stored at seq 1, then seq 2 admitted while the registry's writes are held. */
async function admitSeq2WhileHeld (f: Fixture): Promise<{ id: TestIdentity, held: ReturnType<typeof holdWrites>, admission: StoreAdmission }> {
  const id = await makeIdentity()
  await f.registry.storePeerKeys(await makeRecord(id), 'dht')
  const held = holdWrites(f)
  const admission = await f.registry.admitPeerKeys(await makeRecord(id, { seq: 2 }), 'dht')
  return { id, held, admission }
}

describe('PeerKeyRegistry: admitPeerKeys', () => {
  it('serves the record from memory before the write lands, and holds the peer until it does', async () => {
    const f = await openFixture()
    try {
      const id = await makeIdentity()
      const held = holdWrites(f)
      const admission = await f.registry.admitPeerKeys(await makeRecord(id), 'dht')
      assert.equal(admission.outcome, 'stored')
      assert.equal(admission.entry?.record.seq, 1)
      assert.equal(f.registry.getCached(id.peerId)?.record.seq, 1, 'served from memory while the write waits')

      // The next store for the same peer waits for the first write.
      let secondDone = false
      const second = f.registry.storePeerKeys(await makeRecord(id, { seq: 2 }), 'dht').then(outcome => { secondDone = true; return outcome })
      await new Promise(resolve => setTimeout(resolve, 20))
      assert.equal(secondDone, false)

      held.release()
      await admission.written
      assert.equal(await second, 'stored')
      const registry = await f.reopen()
      assert.equal((await registry.get(id.peerId))?.record.seq, 2, 'both writes are on disk')
      assert.equal((await registry.getPin(id.peerId))?.highestSeq, 2)
    } finally { await f.cleanup() }
  })

  it('a pin read while the write is held waits for it: it never sees the pin from before the admitted record', async () => {
    const f = await openFixture()
    try {
      const { id, held, admission } = await admitSeq2WhileHeld(f)
      const pin = f.registry.getPin(id.peerId)
      held.release()
      await admission.written
      assert.equal((await pin)?.highestSeq, 2)
    } finally { await f.cleanup() }
  })

  it('a failed write takes the record out of memory again and rejects `written`; what is on disk is served', async () => {
    const f = await openFixture()
    try {
      const { id, held, admission } = await admitSeq2WhileHeld(f)
      assert.equal(f.registry.getCached(id.peerId)?.record.seq, 2)
      held.fail(new Error('disk full'))
      await assert.rejects(admission.written, /disk full/)
      assert.equal(f.registry.getCached(id.peerId), undefined, 'the unwritten entry left memory')
      assert.equal((await f.registry.get(id.peerId))?.record.seq, 1, 'the stored record is read back from disk')
      assert.equal((await f.registry.getPin(id.peerId))?.highestSeq, 1, 'the pin did not move')
      assert.equal(f.registry.size(), 1)
    } finally { await f.cleanup() }
  })

  it('a failed first write leaves no trace: the peer is unknown again', async () => {
    const f = await openFixture()
    try {
      const id = await makeIdentity()
      const held = holdWrites(f)
      const admission = await f.registry.admitPeerKeys(await makeRecord(id), 'direct', { verified: true })
      held.fail(new Error('disk full'))
      await assert.rejects(admission.written, /disk full/)
      assert.equal(await f.registry.get(id.peerId), undefined)
      assert.equal(f.registry.size(), 0)
    } finally { await f.cleanup() }
  })

  it('refusals reject the admission itself, and a record that stays answers with the stored entry', async () => {
    const f = await openFixture()
    try {
      const id = await makeIdentity()
      await f.registry.storePeerKeys(await makeRecord(id, { seq: 3 }), 'direct', { verified: true })
      await assert.rejects(f.registry.admitPeerKeys(await makeRecord(id, { seq: 2 }), 'dht'), isError('RegistryError', 'ERR_ROLLBACK'))
      const stored = await f.registry.get(id.peerId)
      const again = await f.registry.admitPeerKeys(stored!.record, 'dht')
      assert.equal(again.outcome, 'unchanged')
      assert.equal(again.entry, stored, 'the stored entry, with its stronger trust')
      await again.written
    } finally { await f.cleanup() }
  })

  it('close waits for admitted writes', async () => {
    const f = await openFixture()
    try {
      const id = await makeIdentity()
      const held = holdWrites(f)
      const admission = await f.registry.admitPeerKeys(await makeRecord(id), 'dht')
      setTimeout(held.release, 20)
      const registry = await f.reopen()
      await admission.written
      assert.equal((await registry.get(id.peerId))?.record.seq, 1)
    } finally { await f.cleanup() }
  })
})
