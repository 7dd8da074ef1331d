import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { ResolveError } from '../../src/errors.js'
import { fingerprint } from '../../src/crypto/index.js'
import { ML_DSA_IDS } from '../../src/registry/constants.js'
import { encodeIndexRow } from '../../src/registry/ml-dsa-index.js'
import { createKeydirMetrics } from '../../src/metrics/index.js'
import { createRevocation, mlDsaPeerIdString } from '../../src/record/index.js'
import { Resolver } from '../../src/resolver/index.js'
import { makeIdentity, makeRecord, makeRotatedPeer } from '../helpers/records.js'
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

  it('a key the peer signed a record with but its current key does not descend from: ERR_ML_DSA_PEER_ID_UNLINKED', async () => {
    const peer = await makeIdentity()
    const stray = { ...await makeIdentity(), privateKey: peer.privateKey, peerId: peer.peerId }
    const strayRecord = await makeRecord(stray, { seq: 1 })
    const current = await makeRecord(peer, { seq: 2 })
    const s = await setup(new Map([[idOf(strayRecord), strayRecord], [peer.peerId.toString(), current]]))
    try {
      await assert.rejects(s.resolver.resolve(idOf(strayRecord)), { code: 'ERR_ML_DSA_PEER_ID_UNLINKED' })
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

  it('an RSA PeerId that carries its key: ERR_UNSUPPORTED_PEER_ID', async () => {
    const rsa = peerIdFromPrivateKey(await generateKeyPair('RSA', 2048))
    const s = await setup(new Map())
    try {
      await assert.rejects(s.resolver.resolve(rsa), { code: 'ERR_UNSUPPORTED_PEER_ID' })
    } finally { await s.f.cleanup() }
  })
})
