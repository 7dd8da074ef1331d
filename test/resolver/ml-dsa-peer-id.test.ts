import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { describe, it } from 'node:test'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey, peerIdFromString } from '@libp2p/peer-id'
import { ResolveError } from '../../src/errors.js'
import { fingerprint } from '../../src/crypto/index.js'
import { ML_DSA_IDS } from '../../src/registry/constants.js'
import { encodeIndexRow } from '../../src/registry/ml-dsa-index.js'
import { createKeydirMetrics } from '../../src/metrics/index.js'
import { createRevocation, mlDsaPeerIdString } from '../../src/record/index.js'
import { Resolver } from '../../src/resolver/index.js'
import { makeEquivocation } from '../helpers/evidence.js'
import { makeIdentity, makeRecord, makeRotatedPeer, rotateIdentity } from '../helpers/records.js'
import { openFixture } from '../registry/fixture.js'
import type { DhtLookup } from '../../src/dht/index.js'
import type { KeydirMetrics } from '../../src/metrics/index.js'
import type { KeyRecord } from '../../src/record/index.js'
import type { Fixture } from '../registry/fixture.js'
import type { PeerId } from '@libp2p/interface'

/**
 * Resolving by ML-DSA PeerId (issue 24, the bridge): a real registry and a
 * scripted DHT that answers by the PeerId asked (its `/pqk/` key) and does
 * not validate, so the resolver's own checks are what is tested.
 */

interface Setup {
  f: Fixture
  metrics: KeydirMetrics
  calls: string[]
  resolver: Resolver
  selfRecord: KeyRecord
}

async function setup (dht: Map<string, KeyRecord> | undefined, prepare?: (f: Fixture) => Promise<void>): Promise<Setup> {
  const f = await openFixture()
  await prepare?.(f)
  const self = await makeIdentity()
  const selfRecord = await makeRecord(self)
  const metrics = createKeydirMetrics()
  const calls: string[] = []
  const lookup = dht === undefined
    ? undefined
    : {
        findValue: async (peerId: PeerId) => {
          calls.push(peerId.toString())
          const record = dht.get(peerId.toString())
          if (record === undefined) throw new ResolveError('ERR_NOT_FOUND', 'nothing here')
          return { kind: 'record', record }
        }
      } as unknown as DhtLookup
  const resolver = new Resolver({ registry: f.registry, metrics, selfPeerId: self.peerId, selfRecord: () => selfRecord, dht: lookup, isAnchor: () => false })
  return { f, metrics, calls, resolver, selfRecord }
}

const idOf = (record: KeyRecord): string => mlDsaPeerIdString(record.mlDsaPublicKey)

describe('Resolver: by ML-DSA PeerId', () => {
  it('a peer never seen: the record under the ML-DSA PeerId names it, its current keys come from its own lookup; next time from the index', async () => {
    const peer = await makeIdentity()
    const record = await makeRecord(peer)
    const s = await setup(new Map([[idOf(record), record], [peer.peerId.toString(), record]]))
    try {
      const first = await s.resolver.resolve(idOf(record))
      assert.equal(first.record.peerId.toString(), peer.peerId.toString())
      assert.equal(first.asked, 'mlDsaPeerId')
      assert.deepEqual(s.calls, [idOf(record), peer.peerId.toString()])
      const second = await s.resolver.resolve(idOf(record))
      assert.equal(second.source, 'registry')
      assert.equal(second.asked, 'mlDsaPeerId')
      assert.equal(s.calls.length, 2, 'no network the second time: the index names the peer')
    } finally { await s.f.cleanup() }
  })

  it('an earlier key\'s ML-DSA PeerId: the current keys, when the current record descends from that key through verified hand-overs', async () => {
    const peer = await makeRotatedPeer(2)
    const old = await makeRecord(peer.keys[0], { seq: 1 })
    const current = await makeRecord(peer.keys[2], { seq: 3, ...peer.historyOf(2) })
    const s = await setup(new Map([[idOf(old), old], [peer.keys[0].peerId.toString(), current]]))
    try {
      const keys = await s.resolver.resolve(idOf(old))
      assert.deepEqual(keys.record.mlDsaPublicKey, current.mlDsaPublicKey)
      assert.equal(keys.asked, 'previousMlDsaPeerId')
      assert.equal(keys.previousMlDsaPeerId, idOf(old))
    } finally { await s.f.cleanup() }
  })

  it('a key the peer signed a record with but its pinned key does not descend from: ERR_ML_DSA_PEER_ID_UNLINKED, the pin unchanged', async () => {
    const peer = await makeIdentity()
    const stray = { ...await makeIdentity(), privateKey: peer.privateKey, peerId: peer.peerId }
    const strayRecord = await makeRecord(stray, { seq: 1 })
    const current = await makeRecord(peer, { seq: 2 })
    const s = await setup(new Map([[idOf(strayRecord), strayRecord], [peer.peerId.toString(), current]]), async f => { await f.registry.storePeerKeys(current, 'dht') })
    try {
      await assert.rejects(s.resolver.resolve(idOf(strayRecord)), { code: 'ERR_ML_DSA_PEER_ID_UNLINKED' })
      assert.deepEqual((await s.f.registry.getPin(peer.peerId))?.mlDsaPublicKey, current.mlDsaPublicKey)
    } finally { await s.f.cleanup() }
  })

  it('first contact by ML-DSA PeerId pins the key asked by, not the highest seq under the libp2p PeerId (a thief of the Ed25519 key alone)', async () => {
    const victim = await makeIdentity()
    const genuine = await makeRecord(victim, { seq: 5 })
    const thief = { ...await makeIdentity(), privateKey: victim.privateKey, peerId: victim.peerId }
    const forged = await makeRecord(thief, { seq: 9 })
    const s = await setup(new Map([[idOf(genuine), genuine], [victim.peerId.toString(), forged]]))
    try {
      const keys = await s.resolver.resolve(idOf(genuine))
      assert.deepEqual(keys.record.mlDsaPublicKey, genuine.mlDsaPublicKey)
      assert.equal(keys.asked, 'mlDsaPeerId')
      assert.deepEqual((await s.f.registry.getPin(victim.peerId))?.mlDsaPublicKey, genuine.mlDsaPublicKey)
      assert.deepEqual((await s.resolver.resolve(victim.peerId)).record.mlDsaPublicKey, genuine.mlDsaPublicKey)
      // The genuine peer's next record is taken; the thief's key is refused by the pin.
      await s.f.registry.storePeerKeys(await makeRecord(victim, { seq: 10 }), 'direct')
      await assert.rejects(s.f.registry.storePeerKeys(await makeRecord(thief, { seq: 11 }), 'direct'), { code: 'ERR_KEY_CHANGED' })
    } finally { await s.f.cleanup() }
  })

  it('first contact by an earlier key\'s ML-DSA PeerId follows the peer\'s real rotations from it', async () => {
    const peer = await makeRotatedPeer(1)
    const old = await makeRecord(peer.keys[0], { seq: 1 })
    const current = await makeRecord(peer.keys[1], { seq: 2, ...peer.historyOf(1) })
    const s = await setup(new Map([[idOf(old), old], [peer.keys[0].peerId.toString(), current]]))
    try {
      const keys = await s.resolver.resolve(idOf(old))
      assert.deepEqual(keys.record.mlDsaPublicKey, current.mlDsaPublicKey)
      assert.equal(keys.asked, 'previousMlDsaPeerId')
      assert.deepEqual((await s.f.registry.getPin(peer.keys[0].peerId))?.mlDsaPublicKey, current.mlDsaPublicKey)
    } finally { await s.f.cleanup() }
  })

  it('a newer record of the same key under its ML-DSA PeerId than the peer\'s own lookup found is admitted and answered', async () => {
    const peer = await makeRotatedPeer(1)
    const old = await makeRecord(peer.keys[0], { seq: 1 })
    const lagging = await makeRecord(peer.keys[1], { seq: 2, ...peer.historyOf(1) })
    const newer = await makeRecord(peer.keys[1], { seq: 3, ...peer.historyOf(1) })
    const s = await setup(new Map([[idOf(newer), newer], [peer.keys[0].peerId.toString(), lagging]]), async f => { await f.registry.storePeerKeys(old, 'dht') })
    try {
      const keys = await s.resolver.resolve(idOf(newer), { refresh: true })
      assert.equal(keys.record.seq, 3)
      assert.equal(keys.asked, 'mlDsaPeerId')
      assert.equal((await s.f.registry.get(peer.keys[0].peerId))?.record.seq, 3)
    } finally { await s.f.cleanup() }
  })

  it('concurrent resolves of one ML-DSA PeerId share one run: one lookup under it', async () => {
    const peer = await makeIdentity()
    const record = await makeRecord(peer)
    const s = await setup(new Map([[idOf(record), record], [peer.peerId.toString(), record]]))
    try {
      const answers = await Promise.all(Array.from({ length: 10 }, async () => s.resolver.resolve(idOf(record))))
      assert.ok(answers.every(a => a.record.seq === record.seq))
      assert.equal(s.calls.filter(c => c === idOf(record)).length, 1)
      const unknown = mlDsaPeerIdString((await makeIdentity()).mlDsaSigner.publicKey)
      s.calls.length = 0
      await Promise.allSettled(Array.from({ length: 10 }, async () => s.resolver.resolve(unknown)))
      assert.equal(s.calls.length, 1)
    } finally { await s.f.cleanup() }
  })

  it('one deadline for the whole resolve: a lookup that never answers ends it, ERR_RESOLVE_TIMEOUT', async () => {
    const f = await openFixture()
    const self = await makeIdentity()
    const selfRecord = await makeRecord(self)
    const peer = await makeIdentity()
    const record = await makeRecord(peer)
    const lookup = {
      findValue: async (peerId: PeerId, options: { signal: AbortSignal }) => {
        if (peerId.toString() === idOf(record)) return { kind: 'record', record }
        // The libp2p PeerId's lookup hangs until its own signal ends it.
        return await new Promise((_resolve, reject) => { options.signal.addEventListener('abort', () => { reject(new ResolveError('ERR_RESOLVE_TIMEOUT', 'hung')) }) })
      }
    } as unknown as DhtLookup
    const resolver = new Resolver({ registry: f.registry, metrics: createKeydirMetrics(), selfPeerId: self.peerId, selfRecord: () => selfRecord, dht: lookup, isAnchor: () => false }, { timeoutMs: 300 })
    try {
      // First contact: the record found under the ML-DSA PeerId answers when the refresh runs out of time.
      assert.equal((await resolver.resolve(idOf(record))).record.seq, record.seq)
      // Asked with refresh: the libp2p PeerId's lookup must answer, and the one deadline ends the wait.
      await assert.rejects(resolver.resolve(idOf(record), { refresh: true }), { code: 'ERR_RESOLVE_TIMEOUT' })
    } finally { await f.cleanup() }
  })

  it('an index row whose key the peer\'s pin never held or left does not answer with that peer', async () => {
    const b = await makeIdentity()
    const recordOfB = await makeRecord(b)
    const strangerKey = (await makeIdentity()).mlDsaSigner.publicKey
    const stranger = mlDsaPeerIdString(strangerKey)
    const s = await setup(new Map(), async f => {
      await f.registry.storePeerKeys(recordOfB, 'dht')
      await f.writeRaw(ML_DSA_IDS, stranger, encodeIndexRow(b.peerId, fingerprint(strangerKey)))
      await f.reopen()
    })
    try {
      await assert.rejects(s.resolver.resolve(stranger), { code: 'ERR_UNKNOWN_ML_DSA_PEER_ID' })
    } finally { await s.f.cleanup() }
  })

  it('a forged hand-over in an older history link does not let a peer squat another key\'s ML-DSA PeerId', async () => {
    const s = await setup(undefined)
    try {
      const victim = await makeIdentity()
      const victimRecord = await makeRecord(victim, { seq: 1 })
      const a = await makeIdentity()
      await (await s.f.registry.admitPeerKeys(await makeRecord(a, { seq: 1 }), 'direct', { verified: true })).written
      const { identity: b, rotation } = rotateIdentity(a)
      // Ka claims to come from the victim's key: a hand-over the victim never signed.
      const history = [
        { mlDsaPublicKey: a.mlDsaSigner.publicKey, previousFingerprint: fingerprint(victim.mlDsaSigner.publicKey), signature: randomBytes(3309) },
        { mlDsaPublicKey: victim.mlDsaSigner.publicKey, previousFingerprint: randomBytes(32), signature: randomBytes(3309) }
      ]
      await (await s.f.registry.admitPeerKeys(await makeRecord(b, { seq: 2, rotation, history }), 'direct', { verified: true })).written
      assert.equal(s.f.registry.mlDsaIndexRow(idOf(victimRecord)), undefined)
      const dht = new Map([[idOf(victimRecord), victimRecord], [victim.peerId.toString(), victimRecord]])
      const lookup = { findValue: async (p: PeerId) => { const r = dht.get(p.toString()); if (r === undefined) throw new ResolveError('ERR_NOT_FOUND', 'x'); return { kind: 'record', record: r } } } as unknown as DhtLookup
      const resolver = new Resolver({ registry: s.f.registry, metrics: s.metrics, selfPeerId: (await makeIdentity()).peerId, selfRecord: () => s.selfRecord, dht: lookup, isAnchor: () => false })
      const keys = await resolver.resolve(idOf(victimRecord))
      assert.equal(keys.record.peerId.toString(), victim.peerId.toString())
    } finally { await s.f.cleanup() }
  })

  it('a later key than the registry holds: admitted through the pin rules (the rotation is followed)', async () => {
    const peer = await makeRotatedPeer(1)
    const old = await makeRecord(peer.keys[0], { seq: 1 })
    const next = await makeRecord(peer.keys[1], { seq: 2, ...peer.historyOf(1) })
    const s = await setup(new Map([[idOf(next), next]]))
    try {
      await s.f.registry.storePeerKeys(old, 'dht')
      const keys = await s.resolver.resolve(idOf(next))
      assert.deepEqual(keys.record.mlDsaPublicKey, next.mlDsaPublicKey)
      assert.equal(keys.asked, 'mlDsaPeerId')
      assert.equal((await s.f.registry.get(peer.keys[0].peerId))?.record.seq, 2)
    } finally { await s.f.cleanup() }
  })

  it('no record names it: ERR_UNKNOWN_ML_DSA_PEER_ID, which says it may be an RSA PeerId; without a DHT path too', async () => {
    const unknown = mlDsaPeerIdString((await makeIdentity()).mlDsaSigner.publicKey)
    for (const dht of [new Map<string, KeyRecord>(), undefined]) {
      const s = await setup(dht)
      try {
        await assert.rejects(s.resolver.resolve(unknown), (err: any) => err.code === 'ERR_UNKNOWN_ML_DSA_PEER_ID' && /RSA PeerId/.test(err.message))
      } finally { await s.f.cleanup() }
    }
  })

  it('a DHT answer whose key has another ML-DSA PeerId (another peer\'s record) is refused and counted, never served', async () => {
    const a = await makeIdentity()
    const c = await makeIdentity()
    const recordOfA = await makeRecord(a)
    const recordOfC = await makeRecord(c)
    const s = await setup(new Map([[idOf(recordOfA), recordOfC], [c.peerId.toString(), recordOfC]]))
    try {
      await assert.rejects(s.resolver.resolve(idOf(recordOfA)), { code: 'ERR_UNKNOWN_ML_DSA_PEER_ID' })
      const { values } = await s.metrics.verificationFailures.get()
      assert.equal(values.find(v => v.labels.source === 'resolve' && v.labels.reason === 'ERR_PEER_ID_MISMATCH')?.value, 1)
      assert.equal(await s.f.registry.get(c.peerId), undefined, 'C was not resolved or stored')
    } finally { await s.f.cleanup() }
  })

  it('a revoked peer looked up by its ML-DSA PeerId: ERR_REVOKED, from the index and from the DHT', async () => {
    const peer = await makeIdentity()
    const record = await makeRecord(peer)
    const revocation = await createRevocation({ privateKey: peer.privateKey, mlDsaSigner: peer.mlDsaSigner })
    const s = await setup(new Map([[idOf(record), record], [peer.peerId.toString(), record]]))
    try {
      await s.resolver.resolve(idOf(record))
      await s.f.registry.storeRevocation(revocation)
      await assert.rejects(s.resolver.resolve(idOf(record)), { code: 'ERR_REVOKED' })
    } finally { await s.f.cleanup() }
    const fresh = await setup(new Map([[idOf(record), record], [peer.peerId.toString(), record]]))
    try {
      await fresh.f.registry.storeRevocation(revocation)
      await assert.rejects(fresh.resolver.resolve(idOf(record)), { code: 'ERR_REVOKED' })
    } finally { await fresh.f.cleanup() }
  })

  it('an equivocating peer looked up by its ML-DSA PeerId: ERR_EQUIVOCATION, from the index, on first contact, and when its own lookup meets the proof', async () => {
    const peer = await makeIdentity()
    const record = await makeRecord(peer, { seq: 7 })
    const proof = await makeEquivocation(peer, 3)
    const s = await setup(new Map([[idOf(record), record], [peer.peerId.toString(), record]]))
    try {
      await s.resolver.resolve(idOf(record))
      await s.f.registry.storeEquivocation(proof.bytes, 'api')
      await assert.rejects(s.resolver.resolve(idOf(record)), { code: 'ERR_EQUIVOCATION' })
    } finally { await s.f.cleanup() }
    const fresh = await setup(new Map([[idOf(record), record], [peer.peerId.toString(), record]]), async f => { await f.registry.storeEquivocation(proof.bytes, 'api') })
    try {
      await assert.rejects(fresh.resolver.resolve(idOf(record)), { code: 'ERR_EQUIVOCATION' })
    } finally { await fresh.f.cleanup() }
    // The peer's own lookup is where the proof turns up (its answers conflicted): the answer by ML-DSA PeerId says so, not "not found".
    const f = await openFixture()
    const self = await makeIdentity()
    const selfRecord = await makeRecord(self)
    const lookup = {
      findValue: async (peerId: PeerId) => {
        if (peerId.toString() === idOf(record)) return { kind: 'record', record }
        await f.registry.storeEquivocation(proof.bytes, 'dht_lookup')
        throw new ResolveError('ERR_NOT_FOUND', 'the answers conflicted')
      }
    } as unknown as DhtLookup
    const resolver = new Resolver({ registry: f.registry, metrics: createKeydirMetrics(), selfPeerId: self.peerId, selfRecord: () => selfRecord, dht: lookup, isAnchor: () => false })
    try {
      await assert.rejects(resolver.resolve(idOf(record), { refresh: true }), { code: 'ERR_EQUIVOCATION' })
    } finally { await f.cleanup() }
  })

  it('a failure in the libp2p PeerId\'s own resolve names that PeerId, where the node looks for a proof about the peer', async () => {
    const peer = await makeIdentity()
    const record = await makeRecord(peer)
    const s = await setup(new Map(), async f => { await f.registry.storePeerKeys(record, 'dht') })
    try {
      await assert.rejects(s.resolver.resolve(idOf(record), { refresh: true }), (err: any) => err.code === 'ERR_NOT_FOUND' && err.peerId?.toString() === peer.peerId.toString())
    } finally { await s.f.cleanup() }
  })

  it('a forged index row (pointing a stranger\'s ML-DSA PeerId at a stored peer\'s current key) does not answer with that peer', async () => {
    const b = await makeIdentity()
    const recordOfB = await makeRecord(b)
    const stranger = mlDsaPeerIdString((await makeIdentity()).mlDsaSigner.publicKey)
    const s = await setup(new Map(), async f => {
      await f.registry.storePeerKeys(recordOfB, 'dht')
      await f.writeRaw(ML_DSA_IDS, stranger, encodeIndexRow(b.peerId, fingerprint(recordOfB.mlDsaPublicKey)))
      await f.reopen()
    })
    try {
      await assert.rejects(s.resolver.resolve(stranger), { code: 'ERR_UNKNOWN_ML_DSA_PEER_ID' })
    } finally { await s.f.cleanup() }
  })

  it('this node\'s own ML-DSA PeerId is its own record, trust self', async () => {
    const s = await setup(new Map())
    try {
      const keys = await s.resolver.resolve(idOf(s.selfRecord))
      assert.equal(keys.trust, 'self')
      assert.equal(keys.asked, 'mlDsaPeerId')
    } finally { await s.f.cleanup() }
  })

  it('a PeerId object of another type name but an ML-DSA PeerId\'s form (SHA-256 multihash, no key) goes through the bridge', async () => {
    const peer = await makeIdentity()
    const record = await makeRecord(peer)
    const s = await setup(new Map([[idOf(record), record], [peer.peerId.toString(), record]]))
    try {
      // What a libp2p with an ML-DSA key type would hand over: not type 'RSA'.
      const typed = Object.create(peerIdFromString(idOf(record)), { type: { value: 'ML-DSA' } }) as PeerId
      const keys = await s.resolver.resolve(typed)
      assert.equal(keys.asked, 'mlDsaPeerId')
      assert.equal(keys.record.peerId.toString(), peer.peerId.toString())
    } finally { await s.f.cleanup() }
  })

  it('an RSA PeerId that carries its key: ERR_UNSUPPORTED_PEER_ID', async () => {
    const rsa = peerIdFromPrivateKey(await generateKeyPair('RSA', 2048))
    const s = await setup(new Map())
    try {
      await assert.rejects(s.resolver.resolve(rsa), { code: 'ERR_UNSUPPORTED_PEER_ID' })
    } finally { await s.f.cleanup() }
  })
})
