import assert from 'node:assert/strict'
import { before, describe, it } from 'node:test'
import { fingerprint } from '../../src/crypto/index.js'
import { recordHash } from '../../src/record/index.js'
import { admitRecord } from '../../src/registry/admission.js'
import { decodePin, encodePin } from '../../src/registry/store-entry.js'
import { makeRecord, makeRotatedPeer, rotateIdentity, signRecordBytes } from '../helpers/records.js'
import { crypto, isError, openFixture } from './fixture.js'
import type { KeyRecord, RotationLink } from '../../src/record/index.js'
import type { Fixture } from './fixture.js'
import type { RotatedPeer, TestIdentity } from '../helpers/records.js'

/**
 * Registry admission following a peer's history (issue 20, item 2;
 * docs/record-format.md, "History"): a node pinned at K0 takes K1, K2 or K3
 * through the record's chain, and refuses a broken, reordered, missing or
 * forked one with its code, keeping what it stored.
 */

const fp = (key: TestIdentity): Uint8Array => fingerprint(key.mlDsaSigner.publicKey)

function forged (link: RotationLink): RotationLink {
  const signature = link.signature.slice()
  signature[7] ^= 0x80
  return { ...link, signature }
}

/** The stored record and pin are exactly what they were. */
async function assertKept (f: Fixture, record: KeyRecord): Promise<void> {
  const entry = await f.registry.get(record.peerId)
  assert.deepEqual(entry?.record.bytes, record.bytes, 'the stored record changed')
  const pin = await f.registry.getPin(record.peerId)
  assert.deepEqual(pin?.fingerprint, fingerprint(record.mlDsaPublicKey), 'the pin moved')
  assert.equal(pin?.highestSeq, record.seq)
}

describe('PeerKeyRegistry: following a peer\'s history', () => {
  let peer: RotatedPeer
  const records: KeyRecord[] = []

  before(async () => {
    peer = await makeRotatedPeer(4, crypto)
    for (let i = 0; i <= 4; i++) {
      records.push(await makeRecord(peer.keys[i], { seq: 10 + i, ...peer.historyOf(i), previousRecordHash: i === 0 ? undefined : recordHash((records[i - 1]).bytes) }))
    }
  })

  for (const rotations of [1, 2, 3]) {
    it(`a node pinned at K0 follows ${rotations} rotation${rotations > 1 ? 's' : ''} from one record, and the pin remembers the keys it left`, async () => {
      const f = await openFixture()
      try {
        await f.registry.storePeerKeys(records[0], 'dht')
        assert.equal(await f.registry.storePeerKeys(records[rotations].bytes, 'dht'), 'stored')
        const pin = await f.registry.getPin(records[0].peerId)
        assert.deepEqual(pin?.mlDsaPublicKey, peer.keys[rotations].mlDsaSigner.publicKey)
        assert.deepEqual(pin?.superseded, peer.keys.slice(0, rotations).reverse().map(fp))
        assert.equal(pin?.source, 'seen')
        assert.deepEqual((await f.registry.get(records[0].peerId))?.record.bytes, records[rotations].bytes)
      } finally { await f.cleanup() }
    })
  }

  it('refuses a chain whose later hand-over does not verify (ERR_BROKEN_CHAIN), and keeps the stored record and pin', async () => {
    const f = await openFixture()
    try {
      await f.registry.storePeerKeys(records[0], 'dht')
      const { rotation, history } = peer.historyOf(3)
      const broken = await makeRecord(peer.keys[3], { seq: 20, rotation, history: [forged(history![0]), history![1]] })
      await assert.rejects(f.registry.storePeerKeys(broken.bytes, 'dht'), isError('RegistryError', 'ERR_BROKEN_CHAIN'))
      await assertKept(f, records[0])
      // Its first hand-over, the pinned key's own, is forged: nothing from the pinned key vouches.
      const unvouched = await makeRecord(peer.keys[3], { seq: 21, rotation, history: [history![0], forged(history![1])] })
      await assert.rejects(f.registry.storePeerKeys(unvouched.bytes, 'dht'), isError('RegistryError', 'ERR_KEY_CHANGED'))
      await assertKept(f, records[0])
      assert.equal(await f.registry.storePeerKeys(records[3], 'dht'), 'stored')
    } finally { await f.cleanup() }
  })

  it('refuses reordered and missing links when the record is decoded (InvalidRecordError ERR_BROKEN_CHAIN)', async () => {
    const f = await openFixture()
    try {
      await f.registry.storePeerKeys(records[0], 'dht')
      const { rotation, history } = peer.historyOf(3)
      const times = { issuedAt: f.clock.ms, expiresAt: f.clock.ms + 60_000 }
      const reordered = await signRecordBytes(peer.keys[3], { seq: 20, ...times, rotation, history: [history![1], history![0]] })
      await assert.rejects(f.registry.storePeerKeys(reordered, 'dht'), isError('InvalidRecordError', 'ERR_BROKEN_CHAIN'))
      const missing = await signRecordBytes(peer.keys[3], { seq: 20, ...times, rotation, history: [history![1]] })
      await assert.rejects(f.registry.storePeerKeys(missing, 'dht'), isError('InvalidRecordError', 'ERR_BROKEN_CHAIN'))
      await assertKept(f, records[0])
    } finally { await f.cleanup() }
  })

  it('refuses a fork: a chain from a key the pin left that misses the pinned key, also after a restart (ERR_FORKED_CHAIN)', async () => {
    const f = await openFixture()
    try {
      await f.registry.storePeerKeys(records[0], 'dht')
      await f.registry.storePeerKeys(records[2], 'dht')
      // Someone holding K1 hands it over to K2', then K3'.
      const k2b = rotateIdentity(peer.keys[1])
      const k3b = rotateIdentity(k2b.identity)
      const fork = await makeRecord(k3b.identity, { seq: 30, rotation: k3b.rotation, history: [{ ...k2b.rotation, mlDsaPublicKey: k2b.identity.mlDsaSigner.publicKey }, peer.links[0]] })
      await assert.rejects(f.registry.storePeerKeys(fork.bytes, 'dht'), isError('RegistryError', 'ERR_FORKED_CHAIN'))
      await f.reopen()
      await assert.rejects(f.registry.storePeerKeys(fork.bytes, 'dht'), isError('RegistryError', 'ERR_FORKED_CHAIN'))
      // K1 itself signing again, after it handed the peer over.
      await assert.rejects(f.registry.storePeerKeys(await makeRecord(peer.keys[1], { seq: 31, ...peer.historyOf(1) }), 'dht'), isError('RegistryError', 'ERR_FORKED_CHAIN'))
      await assertKept(f, records[2])
      // The real chain goes on.
      assert.equal(await f.registry.storePeerKeys(records[3], 'dht'), 'stored')
    } finally { await f.cleanup() }
  })

  it('refuses a record that replaces the same record as the stored one (ERR_FORKED_CHAIN); its successor is taken', async () => {
    const f = await openFixture()
    try {
      await f.registry.storePeerKeys(records[1], 'dht')
      const twin = await makeRecord(peer.keys[1], { seq: 15, ...peer.historyOf(1), previousRecordHash: records[1].previousRecordHash })
      await assert.rejects(f.registry.storePeerKeys(twin, 'dht'), isError('RegistryError', 'ERR_FORKED_CHAIN'))
      await assertKept(f, records[1])
      const next = await makeRecord(peer.keys[1], { seq: 16, ...peer.historyOf(1), previousRecordHash: recordHash(records[1].bytes) })
      assert.equal(await f.registry.storePeerKeys(next, 'dht'), 'stored')
      // A record that names no predecessor makes no claim.
      assert.equal(await f.registry.storePeerKeys(await makeRecord(peer.keys[1], { seq: 17, ...peer.historyOf(1) }), 'dht'), 'stored')
    } finally { await f.cleanup() }
  })

  it('says when the history must be fetched (ERR_HISTORY_BEYOND_BOUND), and follows it with the earlier hand-overs', async () => {
    const f = await openFixture()
    try {
      await f.registry.storePeerKeys(records[0], 'dht')
      await assert.rejects(f.registry.storePeerKeys(records[4], 'dht'), isError('RegistryError', 'ERR_HISTORY_BEYOND_BOUND'))
      await assertKept(f, records[0])
      const pin = await f.registry.getPin(records[0].peerId)
      const current = await f.registry.get(records[0].peerId)
      const admitted = admitRecord({ crypto, record: records[4], trust: 'dht', verified: false, pin, current, now: f.clock.ms, earlierHistory: [peer.links[0]] })
      assert.equal(admitted.outcome, 'stored')
      assert.ok(admitted.outcome === 'stored' && admitted.pin.superseded?.length === 4)
    } finally { await f.cleanup() }
  })

  it('takes the earlier hand-overs through storePeerKeys (earlierHistory), and refuses ones that miss the pin, keeping what it holds', async () => {
    const f = await openFixture()
    try {
      await f.registry.storePeerKeys(records[0], 'dht')
      await assert.rejects(f.registry.storePeerKeys(records[4], 'dht', { earlierHistory: [] }), isError('RegistryError', 'ERR_KEY_CHANGED'))
      await assert.rejects(f.registry.storePeerKeys(records[4], 'dht', { earlierHistory: [forged(peer.links[0])] }), isError('RegistryError', 'ERR_KEY_CHANGED'))
      await assert.rejects(f.registry.storePeerKeys(records[4], 'dht', { earlierHistory: [peer.links[1]] }), isError('RegistryError', 'ERR_BROKEN_CHAIN'))
      await assertKept(f, records[0])
      assert.equal(await f.registry.storePeerKeys(records[4], 'dht', { earlierHistory: [peer.links[0]] }), 'stored')
      const pin = await f.registry.getPin(records[0].peerId)
      assert.deepEqual(pin?.fingerprint, fp(peer.keys[4]))
      assert.deepEqual(pin?.superseded, peer.keys.slice(0, 4).reverse().map(fp))
    } finally { await f.cleanup() }
  })

  it('anchors follow too: by full key, and by fingerprint when the record carries the pinned key in full', async () => {
    const f = await openFixture()
    try {
      const id = peer.keys[0].peerId
      await f.registry.setAnchor(id, { mlDsaPublicKey: peer.keys[0].mlDsaSigner.publicKey })
      assert.equal(await f.registry.storePeerKeys(records[3], 'dht'), 'stored')
      const pin = await f.registry.getPin(id)
      assert.equal(pin?.source, 'anchor')
      assert.deepEqual(pin?.anchorFingerprint, fp(peer.keys[0]))
      assert.equal((await f.registry.get(id))?.trust, 'anchor')

      const g = await openFixture()
      try {
        await g.registry.setAnchor(id, { mlDsaFingerprint: fp(peer.keys[1]) })
        assert.equal(await g.registry.storePeerKeys(records[3], 'dht'), 'stored')
        await g.registry.setAnchor(id, { mlDsaFingerprint: fp(peer.keys[0]) })
        // K0 is named in K3's record by fingerprint only: a hand-over from it cannot be checked.
        await assert.rejects(g.registry.storePeerKeys(records[3], 'dht'), isError('RegistryError', 'ERR_ANCHOR_CONFLICT'))
      } finally { await g.cleanup() }
    } finally { await f.cleanup() }
  })

  it('stores the pin\'s superseded keys, and treats a damaged list as a corrupt pin', () => {
    const pin = { mlDsaPublicKey: peer.keys[2].mlDsaSigner.publicKey, fingerprint: fp(peer.keys[2]), highestSeq: 12, source: 'seen' as const, superseded: [fp(peer.keys[1]), fp(peer.keys[0])] }
    assert.deepEqual(decodePin(encodePin(pin)), { ...pin, anchorFingerprint: undefined })
    const { superseded: _, ...old } = pin
    assert.equal(decodePin(encodePin(old)).superseded, undefined)
    assert.throws(() => decodePin(encodePin({ ...pin, superseded: [new Uint8Array(31)] })), isError('RegistryError', 'ERR_CORRUPT_VALUE'))
    assert.throws(() => decodePin(encodePin({ ...pin, superseded: Array.from({ length: 17 }, () => fp(peer.keys[0])) })), isError('RegistryError', 'ERR_CORRUPT_VALUE'))
  })
})
