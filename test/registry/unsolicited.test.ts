import assert from 'node:assert/strict'
import { readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { setTimeout } from 'node:timers/promises'
import { describe, it } from 'node:test'
import { Level } from 'level'
import { makeConflictingRecords } from '../helpers/evidence.js'
import { KeyRecordValidator } from '../../src/record/index.js'
import { PeerKeyRegistry } from '../../src/registry/index.js'
import { makeIdentity, makeRecord } from '../helpers/records.js'
import { makeTempDir } from '../helpers/temp-dir.js'
import { crypto, hour, isError, minute, openFixture } from './fixture.js'
import type { TestIdentity } from '../helpers/records.js'

/**
 * The registry against growth by free PeerIds (docs/security.md rows 29-29d):
 * counts kept as entries change, a bounded store of peers learned unasked
 * that can never push out a peer the node resolved, an anchor or a pinned
 * peer, a per-minute bound on new ones, and expired records collected.
 */

async function identities (n: number): Promise<TestIdentity[]> {
  return Promise.all(Array.from({ length: n }, async () => makeIdentity()))
}

describe('PeerKeyRegistry: counts kept as entries change', () => {
  it('counts records, verified and unsolicited ones without listing, and again after a reopen', async () => {
    const f = await openFixture()
    try {
      const [a, b, c] = await identities(3)
      await f.registry.storePeerKeys(await makeRecord(a), 'dht')
      await f.registry.storePeerKeys(await makeRecord(b), 'direct', { unsolicited: true })
      await f.registry.storePeerKeys(await makeRecord(c), 'dht')
      assert.deepEqual(f.registry.counts(), { records: 3, verified: 1, unsolicited: 1 })
      await f.registry.markVerified(a.peerId)
      assert.deepEqual(f.registry.counts(), { records: 3, verified: 2, unsolicited: 1 })
      await f.registry.removePeerKeys(c.peerId)
      assert.deepEqual(f.registry.counts(), { records: 2, verified: 2, unsolicited: 1 })
      await f.reopen()
      assert.deepEqual(f.registry.counts(), { records: 2, verified: 2, unsolicited: 1 })
    } finally { await f.cleanup() }
  })

  it('summarizes records stored before summaries existed, at open, as solicited', async () => {
    const f = await openFixture()
    try {
      const [a, b] = await identities(2)
      await f.registry.storePeerKeys(await makeRecord(a), 'direct', { unsolicited: true })
      await f.registry.storePeerKeys(await makeRecord(b), 'dht')
      await f.registry.close()
      const db = new Level<string, Uint8Array>(f.dir.path, { keyEncoding: 'utf8', valueEncoding: 'view' })
      await db.sublevel<string, Uint8Array>('index', { keyEncoding: 'utf8', valueEncoding: 'view' }).clear()
      await db.close()
      await f.reopen()
      assert.deepEqual(f.registry.counts(), { records: 2, verified: 1, unsolicited: 0 })
      assert.equal((await f.registry.get(a.peerId))?.trust, 'direct')
      assert.equal(f.corrupt.length, 0)
    } finally { await f.cleanup() }
  })
})

describe('PeerKeyRegistry: peers learned unasked', () => {
  it('keeps at most maxUnsolicitedPeers, the oldest out first with its pin and nonce', async () => {
    const evicted: string[] = []
    const f = await openFixture({ maxUnsolicitedPeers: 3, onUnsolicitedEvicted: key => { evicted.push(key) } })
    try {
      const ids = await identities(5)
      for (const id of ids) {
        await f.nonceBook().acceptInbound(id.peerId, 5n)
        await f.registry.storePeerKeys(await makeRecord(id), 'direct', { unsolicited: true })
      }
      // Evictions run in the background; a close waits for them.
      await f.reopen()
      assert.deepEqual(evicted, [ids[0].peerId.toString(), ids[1].peerId.toString()])
      assert.equal(f.registry.counts().unsolicited, 3)
      for (const gone of ids.slice(0, 2)) {
        assert.equal(await f.registry.get(gone.peerId), undefined)
        assert.equal(await f.registry.getPin(gone.peerId), undefined, 'the pin of an unsolicited peer goes with it')
        assert.equal(await f.nonceBook().acceptInbound(gone.peerId, 1n), true, 'and its nonce')
      }
      for (const kept of ids.slice(2)) assert.equal((await f.registry.get(kept.peerId))?.trust, 'direct')
    } finally { await f.cleanup() }
  })

  it('an evicted peer that equivocated takes its proof with it, so free PeerIds cannot grow the proofs; a resolved one keeps it', async () => {
    const f = await openFixture({ maxUnsolicitedPeers: 2 })
    try {
      const [liar, resolvedLiar, ...flood] = await identities(5)
      for (const id of [liar, resolvedLiar]) {
        const [a, b] = await makeConflictingRecords(id, 3, f.clock.ms)
        await f.registry.storePeerKeys(a, 'direct', { unsolicited: true })
        await assert.rejects(f.registry.storePeerKeys(b, 'direct', { unsolicited: true }), (err: any) => err.code === 'ERR_EQUIVOCATION')
        assert.ok(f.registry.getEquivocation(id.peerId))
      }
      f.registry.noteResolved(resolvedLiar.peerId)
      for (const id of flood) await f.registry.storePeerKeys(await makeRecord(id), 'direct', { unsolicited: true })
      await f.reopen()
      assert.equal(await f.registry.get(liar.peerId), undefined)
      assert.equal(f.registry.getEquivocation(liar.peerId), undefined, 'gone from disk too: the reopen read none')
      assert.equal(f.registry.listEquivocations().length, 1)
      assert.ok(f.registry.getEquivocation(resolvedLiar.peerId), 'a resolved peer\'s proof is kept for good')
    } finally { await f.cleanup() }
  })

  it('keeps the bound under a burst of new peers admitted at once', async () => {
    const f = await openFixture({ maxUnsolicitedPeers: 3 })
    try {
      const records = await Promise.all((await identities(10)).map(async id => makeRecord(id)))
      await Promise.all(records.map(async record => f.registry.storePeerKeys(record, 'direct', { unsolicited: true })))
      assert.equal(f.registry.counts().unsolicited, 3)
      await f.reopen()
      assert.deepEqual(f.registry.counts(), { records: 3, verified: 3, unsolicited: 3 })
    } finally { await f.cleanup() }
  })

  it('never pushes out a resolved peer, an anchor or a pinned peer', async () => {
    const f = await openFixture({ maxUnsolicitedPeers: 2 })
    try {
      const [resolved, anchor, pinned, found, ...flood] = await identities(8)
      await f.registry.storePeerKeys(await makeRecord(resolved), 'dht')
      await f.registry.setAnchor(anchor.peerId, { mlDsaPublicKey: anchor.mlDsaSigner.publicKey })
      await f.registry.storePeerKeys(await makeRecord(anchor), 'direct', { unsolicited: true })
      // A peer whose record was removed keeps its pin: it is known, not new.
      await f.registry.storePeerKeys(await makeRecord(pinned, { seq: 4 }), 'dht')
      await f.registry.removePeerKeys(pinned.peerId)
      await f.registry.storePeerKeys(await makeRecord(pinned, { seq: 5 }), 'direct', { unsolicited: true })
      // Learned unasked, then found by a resolve: out of the bounded store.
      await f.registry.storePeerKeys(await makeRecord(found), 'direct', { unsolicited: true })
      f.registry.noteResolved(found.peerId)
      for (const id of flood) await f.registry.storePeerKeys(await makeRecord(id), 'direct', { unsolicited: true })
      await f.reopen()

      for (const id of [resolved, anchor, pinned, found]) {
        assert.notEqual(await f.registry.get(id.peerId), undefined, `${id.peerId.toString()} stays`)
      }
      assert.equal((await f.registry.get(anchor.peerId))?.trust, 'anchor')
      assert.equal(f.registry.counts().unsolicited, 2)
      assert.equal(await f.registry.get(flood[0].peerId), undefined)
    } finally { await f.cleanup() }
  })

  it('takes at most maxNewUnsolicitedPerMinute new ones a minute: ERR_UNSOLICITED_LIMIT, nothing stored', async () => {
    const f = await openFixture({ maxNewUnsolicitedPerMinute: 2 })
    try {
      const [a, b, c, known] = await identities(4)
      await f.registry.storePeerKeys(await makeRecord(known), 'dht')
      await f.registry.storePeerKeys(await makeRecord(a), 'direct', { unsolicited: true })
      await f.registry.storePeerKeys(await makeRecord(b), 'direct', { unsolicited: true })
      await assert.rejects(f.registry.storePeerKeys(await makeRecord(c), 'direct', { unsolicited: true }), isError('RegistryError', 'ERR_UNSOLICITED_LIMIT'))
      assert.equal(await f.registry.get(c.peerId), undefined)
      assert.equal(await f.registry.getPin(c.peerId), undefined)
      // A peer the registry already holds is not new: its newer record is stored as usual.
      assert.equal(await f.registry.storePeerKeys(await makeRecord(known, { seq: 2 }), 'direct', { unsolicited: true }), 'stored')
      f.clock.advance(minute)
      assert.equal(await f.registry.storePeerKeys(await makeRecord(c, { issuedAt: f.clock.ms }), 'direct', { unsolicited: true }), 'stored')
      assert.equal(f.registry.counts().unsolicited, 3)
    } finally { await f.cleanup() }
  })
})

describe('PeerKeyRegistry: what stays when peers learned unasked go (review of issue 18)', () => {
  it('evicts the oldest stored first after a restart too, whatever the PeerIds\' order', async () => {
    const evicted: string[] = []
    const f = await openFixture({ maxUnsolicitedPeers: 3, onUnsolicitedEvicted: key => { evicted.push(key) } })
    try {
      // Stored in the reverse of PeerId order, so the oldest sorts last.
      const ids = (await identities(4)).sort((a, b) => a.peerId.toString() < b.peerId.toString() ? 1 : -1)
      for (const id of ids.slice(0, 3)) {
        await f.registry.storePeerKeys(await makeRecord(id, { issuedAt: f.clock.ms }), 'direct', { unsolicited: true })
        f.clock.advance(1000)
      }
      await f.reopen()
      await f.registry.storePeerKeys(await makeRecord(ids[3], { issuedAt: f.clock.ms }), 'direct', { unsolicited: true })
      await f.reopen()
      assert.deepEqual(evicted, [ids[0].peerId.toString()])
    } finally { await f.cleanup() }
  })

  it('keeps an anchor\'s pin when the unsolicited record it was configured over expires', async () => {
    const f = await openFixture()
    try {
      const id = await makeIdentity()
      await f.registry.storePeerKeys(await makeRecord(id, { issuedAt: f.clock.ms, lifetimeMs: minute }), 'direct', { unsolicited: true })
      f.clock.advance(minute)
      await f.registry.setAnchor(id.peerId, { mlDsaPublicKey: id.mlDsaSigner.publicKey })
      assert.equal(await f.registry.removeExpiredRecords(), 1)
      assert.equal((await f.registry.getPin(id.peerId))?.source, 'anchor')
      assert.equal(f.registry.counts().unsolicited, 0)
    } finally { await f.cleanup() }
  })

  it('removes an unsolicited peer with its pin, so its next record is unsolicited again', async () => {
    const f = await openFixture()
    try {
      const [unasked, asked] = await identities(2)
      await f.registry.storePeerKeys(await makeRecord(unasked), 'direct', { unsolicited: true })
      await f.registry.storePeerKeys(await makeRecord(asked), 'dht')
      await f.registry.removePeerKeys(unasked.peerId)
      await f.registry.removePeerKeys(asked.peerId)
      assert.equal(await f.registry.getPin(unasked.peerId), undefined)
      assert.notEqual(await f.registry.getPin(asked.peerId), undefined, 'a resolved peer keeps its pin')
      await f.registry.storePeerKeys(await makeRecord(unasked, { seq: 2 }), 'direct', { unsolicited: true })
      assert.equal(f.registry.counts().unsolicited, 1)
    } finally { await f.cleanup() }
  })

  it('keeps the nonces of requesters it does not hold in memory only, and still refuses their replays', async () => {
    const f = await openFixture()
    try {
      const [stranger, known] = await identities(2)
      await f.registry.storePeerKeys(await makeRecord(known), 'direct', { unsolicited: true })
      assert.equal(await f.nonceBook().acceptInbound(stranger.peerId, 10n), true)
      assert.equal(await f.nonceBook().acceptInbound(stranger.peerId, 10n), false, 'a replay in this process is refused')
      assert.equal(await f.nonceBook().acceptInbound(known.peerId, 10n), true)
      await f.reopen()
      assert.equal(await f.nonceBook().acceptInbound(known.peerId, 10n), false, 'a held peer\'s nonce is on disk')
      assert.equal(await f.nonceBook().acceptInbound(stranger.peerId, 5n), true, 'nothing of the stranger was written')
    } finally { await f.cleanup() }
  })
})

describe('PeerKeyRegistry: collecting expired records', () => {
  it('deletes expired records; pins of unsolicited peers go with them, the others stay', async () => {
    const collected: Array<{ records: number, pins: number }> = []
    const f = await openFixture({ onCollected: counts => { collected.push(counts) } })
    try {
      const [asked, unasked, anchor, fresh] = await identities(4)
      const short = { issuedAt: f.clock.ms, lifetimeMs: minute }
      await f.registry.storePeerKeys(await makeRecord(asked, { ...short, seq: 3 }), 'dht')
      await f.registry.storePeerKeys(await makeRecord(unasked, short), 'direct', { unsolicited: true })
      await f.registry.setAnchor(anchor.peerId, { mlDsaPublicKey: anchor.mlDsaSigner.publicKey })
      await f.registry.storePeerKeys(await makeRecord(anchor, short), 'anchor')
      await f.registry.storePeerKeys(await makeRecord(fresh, { issuedAt: f.clock.ms, lifetimeMs: hour }), 'direct', { unsolicited: true })
      f.clock.advance(minute)

      assert.equal(await f.registry.removeExpiredRecords(), 3)
      assert.deepEqual(collected, [{ records: 3, pins: 1 }])
      assert.deepEqual(f.registry.counts(), { records: 1, verified: 1, unsolicited: 1 })
      assert.equal((await f.registry.getPin(asked.peerId))?.highestSeq, 3, 'a resolved peer keeps its pin')
      assert.equal((await f.registry.getPin(anchor.peerId))?.source, 'anchor')
      assert.equal(await f.registry.getPin(unasked.peerId), undefined)
      assert.notEqual(await f.registry.get(fresh.peerId), undefined)
      await f.reopen()
      assert.deepEqual(f.registry.counts(), { records: 1, verified: 1, unsolicited: 1 })
    } finally { await f.cleanup() }
  })
})

describe('PeerKeyRegistry: listing', () => {
  it('lists in PeerId order, filtered and paged', async () => {
    const f = await openFixture({ cacheSize: 2 })
    try {
      const ids = await identities(6)
      for (const [i, id] of ids.entries()) await f.registry.storePeerKeys(await makeRecord(id), i % 2 === 0 ? 'direct' : 'dht')
      await f.reopen()
      const all = (await f.registry.listPeers()).map(e => e.record.peerId.toString())
      assert.deepEqual(all, ids.map(id => id.peerId.toString()).sort())
      const first = (await f.registry.listPeers({ limit: 4 })).map(e => e.record.peerId.toString())
      const rest = (await f.registry.listPeers({ after: first[3] })).map(e => e.record.peerId.toString())
      assert.deepEqual([...first, ...rest], all)
      const direct = await f.registry.listPeers({ trust: 'direct', limit: 2 })
      assert.equal(direct.length, 2)
      assert.ok(direct.every(e => e.trust === 'direct'))
      assert.equal(f.corrupt.length, 0)
    } finally { await f.cleanup() }
  })
})

describe('PeerKeyRegistry: its bounds are checked when it is made', () => {
  it('refuses a cache or bound that is not a whole number in range, before its database opens', async () => {
    const validator = new KeyRecordValidator({ crypto })
    const dir = await makeTempDir('keydir-registry-options-')
    try {
      for (const init of [{ cacheSize: 0 }, { cacheSize: Number.NaN }, { maxUnsolicitedPeers: 0 }, { maxNewUnsolicitedPerMinute: -1 }, { maxNewUnsolicitedPerMinute: 0.5 }]) {
        const name = Object.keys(init)[0]
        assert.throws(() => new PeerKeyRegistry({ path: join(dir.path, 'registry'), crypto, validator, ...init }), (err: any) => err.code === 'ERR_BAD_OPTION' && err.message.startsWith(`${name} must be`), name)
      }
      // LevelDB opens by itself once made: had one been made, its folder would be here.
      await setTimeout(50)
      assert.deepEqual(await readdir(dir.path), [])
    } finally {
      await dir.remove()
    }
  })
})
