import assert from 'node:assert/strict'
import { before, describe, it } from 'node:test'
import { fingerprint } from '../../src/crypto/index.js'
import { ExchangeError } from '../../src/errors.js'
import { createKeydirMetrics } from '../../src/metrics/index.js'
import { Resolver } from '../../src/resolver/index.js'
import { hasCode } from '../helpers/attacks.js'
import { makeIdentity, makeRecord, makeRotatedPeer } from '../helpers/records.js'
import { crypto, openFixture } from '../registry/fixture.js'
import type { DhtLookup } from '../../src/dht/index.js'
import type { FetchHistoryOptions } from '../../src/exchange/index.js'
import type { KeydirMetrics } from '../../src/metrics/index.js'
import type { KeyRecord, RotationLink } from '../../src/record/index.js'
import type { Fixture } from '../registry/fixture.js'
import type { RotatedPeer } from '../helpers/records.js'
import type { PeerId } from '@libp2p/interface'

/**
 * The resolver with a real registry, a scripted DHT answering a record four
 * rotations past the pin, and a scripted history service: a record beyond
 * the bound is admitted again with the hand-overs fetched from the peer, and
 * each way that fetch can fail ends the resolve with its own code.
 */

type Fetch = (peerId: PeerId, from: Uint8Array, to: Uint8Array, options: FetchHistoryOptions) => Promise<RotationLink[]>

interface Setup {
  f: Fixture
  metrics: KeydirMetrics
  resolver: Resolver
  asked: Array<{ from: Uint8Array, to: Uint8Array, fromKey?: Uint8Array }>
}

async function refusals (metrics: KeydirMetrics, reason: string): Promise<number> {
  const { values } = await metrics.registry.getSingleMetric('keydir_verification_failures_total')!.get()
  return values.filter(v => v.labels.source === 'resolve' && v.labels.reason === reason).reduce((sum, v) => sum + v.value, 0)
}

describe('Resolver: a record beyond the history bound', () => {
  let peer: RotatedPeer
  let k0: KeyRecord
  let k4: KeyRecord

  before(async () => {
    peer = await makeRotatedPeer(4, crypto)
    k0 = await makeRecord(peer.keys[0], { seq: 1 })
    k4 = await makeRecord(peer.keys[4], { seq: 5, ...peer.historyOf(4) })
  })

  async function setup (fetch: Fetch | undefined): Promise<Setup> {
    const f = await openFixture()
    await f.registry.storePeerKeys(k0, 'dht')
    const self = await makeIdentity()
    const selfRecord = await makeRecord(self)
    const metrics = createKeydirMetrics()
    const asked: Setup['asked'] = []
    const dht = { findValue: async () => ({ kind: 'record', record: k4 }) } as unknown as DhtLookup
    const resolver = new Resolver({
      registry: f.registry,
      metrics,
      selfPeerId: self.peerId,
      selfRecord: () => selfRecord,
      dht,
      history: fetch === undefined
        ? undefined
        : {
            fetchHistory: async (peerId, from, to, options = {}) => {
              asked.push({ from, to, fromKey: options.fromKey })
              return fetch(peerId, from, to, options)
            }
          },
      isAnchor: () => false
    })
    return { f, metrics, resolver, asked }
  }

  it('asks the peer for the hand-overs from the pin to the oldest key the record names, and follows them', async () => {
    const { f, resolver, asked } = await setup(async () => [peer.links[0]])
    try {
      const resolved = await resolver.resolve(k0.peerId, { refresh: true })
      assert.deepEqual(resolved.record.bytes, k4.bytes)
      assert.equal(resolved.source, 'dht')
      assert.equal(asked.length, 1)
      assert.deepEqual(asked[0].from, fingerprint(peer.keys[0].mlDsaSigner.publicKey))
      assert.deepEqual(asked[0].to, fingerprint(peer.keys[1].mlDsaSigner.publicKey))
      assert.deepEqual(asked[0].fromKey, peer.keys[0].mlDsaSigner.publicKey)
      assert.equal((await f.registry.getPin(k0.peerId))?.superseded?.length, 4)
    } finally { await f.cleanup() }
  })

  it('a peer that cannot be asked: ERR_HISTORY_UNREACHABLE, counted, and the pin stays', async () => {
    const { f, metrics, resolver } = await setup(async () => { throw new Error('connection refused') })
    try {
      await assert.rejects(resolver.resolve(k0.peerId, { refresh: true }), (err: any) => {
        hasCode('ERR_HISTORY_UNREACHABLE', 'ResolveError')(err)
        assert.match(err.message, /ERR_HISTORY_BEYOND_BOUND/)
        assert.match(err.message, /connection refused/)
        return true
      })
      assert.equal(await refusals(metrics, 'ERR_HISTORY_UNREACHABLE'), 1)
      assert.deepEqual((await f.registry.get(k0.peerId))?.record.bytes, k0.bytes)
      // A peer that refuses the request is no more help than one that is gone.
      const refused = await setup(async () => { throw new ExchangeError('ERR_REFUSED_BY_PEER', 'reset') })
      try {
        await assert.rejects(refused.resolver.resolve(k0.peerId, { refresh: true }), hasCode('ERR_HISTORY_UNREACHABLE'))
      } finally { await refused.f.cleanup() }
    } finally { await f.cleanup() }
  })

  it('a peer that answers wrongly, or with nothing that reaches the pin: refused with that code, the pin stays', async () => {
    const forged = await setup(async () => { throw new ExchangeError('ERR_BAD_HISTORY_SIGNATURE', 'forged') })
    try {
      await assert.rejects(forged.resolver.resolve(k0.peerId, { refresh: true }), hasCode('ERR_NOT_FOUND'))
      assert.equal(await refusals(forged.metrics, 'ERR_BAD_HISTORY_SIGNATURE'), 1)
      assert.deepEqual((await forged.f.registry.get(k0.peerId))?.record.bytes, k0.bytes)
    } finally { await forged.f.cleanup() }
    const empty = await setup(async () => [])
    try {
      await assert.rejects(empty.resolver.resolve(k0.peerId, { refresh: true }), hasCode('ERR_NOT_FOUND'))
      assert.equal(await refusals(empty.metrics, 'ERR_KEY_CHANGED'), 1)
      assert.deepEqual((await empty.f.registry.getPin(k0.peerId))?.fingerprint, fingerprint(peer.keys[0].mlDsaSigner.publicKey))
    } finally { await empty.f.cleanup() }
  })

  it('without the history service (the direct path turned off): ERR_HISTORY_BEYOND_BOUND, as before', async () => {
    const { f, metrics, resolver } = await setup(undefined)
    try {
      await assert.rejects(resolver.resolve(k0.peerId, { refresh: true }), hasCode('ERR_NOT_FOUND'))
      assert.equal(await refusals(metrics, 'ERR_HISTORY_BEYOND_BOUND'), 1)
    } finally { await f.cleanup() }
  })
})
