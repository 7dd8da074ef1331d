import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { fingerprint } from '../../src/crypto/index.js'
import { mlDsaPeerIdString } from '../../src/record/index.js'
import { Level } from 'level'
import { MAX_SUPERSEDED, ML_DSA_IDS } from '../../src/registry/constants.js'
import { makeIdentity, makeRecord, makeRotatedPeer, withForeignPqKeys } from '../helpers/records.js'
import { openFixture } from './fixture.js'
import type { Fixture } from './fixture.js'

/**
 * The registry's index from ML-DSA PeerId to libp2p PeerId (issue 24, the
 * bridge): a lookup by ML-DSA PeerId finds a known peer without the
 * network, follows its rotations, and is never bent by hostile input.
 */
/** The index rows on disk. */
async function countRows (f: Fixture): Promise<number> {
  await f.registry.close()
  const db = new Level<string, Uint8Array>(f.dir.path, { keyEncoding: 'utf8', valueEncoding: 'view' })
  const rows = (await db.sublevel<string, Uint8Array>(ML_DSA_IDS, { keyEncoding: 'utf8', valueEncoding: 'view' }).keys().all()).length
  await db.close()
  await f.reopen()
  return rows
}

describe('PeerKeyRegistry: the ML-DSA PeerId index', () => {
  it('stays bounded: an unsolicited peer keeps the row of its current key only, a resolved one those its pin remembers; a dropped peer none', async () => {
    const f = await openFixture()
    try {
      const rotations = MAX_SUPERSEDED + 4
      const peer = await makeRotatedPeer(rotations)
      for (let i = 0; i <= rotations; i++) {
        const record = await makeRecord(peer.keys[i], { seq: i + 1, ...peer.historyOf(i) })
        await (await f.registry.admitPeerKeys(record, 'direct', { verified: true, unsolicited: true, checked: true })).written
      }
      assert.equal(await countRows(f), 1)
      assert.equal((await f.registry.findByMlDsaPeerId(mlDsaPeerIdString(peer.keys[rotations].mlDsaSigner.publicKey)))?.link, 'current')
      await f.registry.removePeerKeys(peer.keys[0].peerId)
      assert.equal(await countRows(f), 0)

      const resolved = await makeRotatedPeer(rotations)
      for (let i = 0; i <= rotations; i++) {
        const record = await makeRecord(resolved.keys[i], { seq: i + 1, ...resolved.historyOf(i) })
        await (await f.registry.admitPeerKeys(record, 'direct', { verified: true, checked: true })).written
      }
      assert.equal(await countRows(f), MAX_SUPERSEDED + 1)
      // The oldest keys fell off the pin's memory, and their rows with them; the newest left-behind one still links.
      assert.equal(f.registry.mlDsaIndexRow(mlDsaPeerIdString(resolved.keys[0].mlDsaSigner.publicKey)), undefined)
      assert.equal((await f.registry.findByMlDsaPeerId(mlDsaPeerIdString(resolved.keys[rotations - 1].mlDsaSigner.publicKey)))?.link, 'previous')
    } finally { await f.cleanup() }
  })

  it('finds a stored peer by the ML-DSA PeerId of its key, after a restart too', async () => {
    const f = await openFixture()
    try {
      const identity = await makeIdentity()
      const record = await makeRecord(identity)
      await f.registry.storePeerKeys(record, 'dht')
      const id = mlDsaPeerIdString(record.mlDsaPublicKey)
      const found = await f.registry.findByMlDsaPeerId(id)
      assert.equal(found?.peerId.toString(), identity.peerId.toString())
      assert.equal(found?.link, 'current')
      const reopened = await f.reopen()
      assert.equal((await reopened.findByMlDsaPeerId(id))?.peerId.toString(), identity.peerId.toString())
      assert.equal(await reopened.findByMlDsaPeerId(mlDsaPeerIdString((await makeIdentity()).mlDsaSigner.publicKey)), undefined)
    } finally {
      await f.cleanup()
    }
  })

  it('keeps step with rotations: the earlier keys\' ML-DSA PeerIds name the peer as "previous", the new one as "current"', async () => {
    const f = await openFixture()
    try {
      const peer = await makeRotatedPeer(3)
      await f.registry.storePeerKeys(await makeRecord(peer.keys[0], { seq: 1 }), 'dht')
      // K0 -> K3 at once: K1 and K2 come in the record's history, K0 from the pin.
      await f.registry.storePeerKeys(await makeRecord(peer.keys[3], { seq: 4, ...peer.historyOf(3) }), 'dht')
      const peerId = peer.keys[0].peerId.toString()
      for (const [i, link] of [[0, 'previous'], [1, 'previous'], [2, 'previous'], [3, 'current']] as const) {
        const found = await f.registry.findByMlDsaPeerId(mlDsaPeerIdString(peer.keys[i].mlDsaSigner.publicKey))
        assert.equal(found?.peerId.toString(), peerId, `K${i}`)
        assert.equal(found?.link, link, `K${i}`)
      }
    } finally {
      await f.cleanup()
    }
  })

  it('a refused record writes no row: a key change without a proof does not point the new key at the peer', async () => {
    const f = await openFixture()
    try {
      const identity = await makeIdentity()
      await f.registry.storePeerKeys(await makeRecord(identity, { seq: 1 }), 'dht')
      const other = await makeIdentity()
      const swapped = await makeRecord(withForeignPqKeys(identity, other), { seq: 2 })
      await assert.rejects(async () => f.registry.storePeerKeys(swapped, 'dht'), { code: 'ERR_KEY_CHANGED' })
      assert.equal(await f.registry.findByMlDsaPeerId(mlDsaPeerIdString(other.mlDsaSigner.publicKey)), undefined)
    } finally {
      await f.cleanup()
    }
  })

  it('a second peer whose record carries the same key does not take the row of the first', async () => {
    const f = await openFixture()
    try {
      const first = await makeIdentity()
      const second = withForeignPqKeys(await makeIdentity(), first)
      await f.registry.storePeerKeys(await makeRecord(first), 'dht')
      await f.registry.storePeerKeys(await makeRecord(second), 'dht')
      const found = await f.registry.findByMlDsaPeerId(mlDsaPeerIdString(first.mlDsaSigner.publicKey))
      assert.equal(found?.peerId.toString(), first.peerId.toString())
    } finally {
      await f.cleanup()
    }
  })

  it('a row whose key is no longer linked to the peer\'s pin (an anchor configured over it) finds nothing', async () => {
    const f = await openFixture()
    try {
      const identity = await makeIdentity()
      const record = await makeRecord(identity)
      await f.registry.storePeerKeys(record, 'dht')
      const anchorKey = (await makeIdentity()).mlDsaSigner.publicKey
      await f.registry.setAnchor(identity.peerId, { mlDsaPublicKey: anchorKey })
      assert.equal(await f.registry.findByMlDsaPeerId(mlDsaPeerIdString(record.mlDsaPublicKey)), undefined)
    } finally {
      await f.cleanup()
    }
  })

  it('a corrupt row is reported and reads as absent; the next admission writes it again', async () => {
    const f = await openFixture()
    try {
      const identity = await makeIdentity()
      const record = await makeRecord(identity, { seq: 1 })
      const id = mlDsaPeerIdString(record.mlDsaPublicKey)
      await f.writeRaw(ML_DSA_IDS, id, Uint8Array.of(1, 2, 3))
      const registry = await f.reopen()
      assert.equal(await registry.findByMlDsaPeerId(id), undefined)
      assert.equal(f.corrupt.filter(c => c.key === `${ML_DSA_IDS}/${id}`).length, 1)
      await registry.storePeerKeys(record, 'dht')
      const found = await registry.findByMlDsaPeerId(id)
      assert.deepEqual(found?.fingerprint, fingerprint(record.mlDsaPublicKey))
    } finally {
      await f.cleanup()
    }
  })
})
