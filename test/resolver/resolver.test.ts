import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { ResolveError } from '../../src/errors.js'
import { createKeydirMetrics } from '../../src/metrics/index.js'
import { Resolver } from '../../src/resolver/index.js'
import { REFRESH_RETRY_BASE_MS, RefreshBackoff } from '../../src/resolver/refresh-backoff.js'
import { makeConflictingRecords } from '../helpers/evidence.js'
import { waitUntil } from '../helpers/network.js'
import { makeIdentity, makeRecord } from '../helpers/records.js'
import { isError, openFixture } from '../registry/fixture.js'
import type { DhtLookup, FindOptions } from '../../src/dht/index.js'
import type { KeyExchange } from '../../src/exchange/index.js'
import type { KeydirMetrics } from '../../src/metrics/index.js'
import type { KeyRecord } from '../../src/record/index.js'
import type { ResolveProgressEvents } from '../../src/resolver/index.js'
import type { Fixture } from '../registry/fixture.js'
import type { PeerId } from '@libp2p/interface'

/**
 * The resolution order (registry, anchors, DHT, direct, not found) with a
 * real registry and scripted DHT and exchange paths.
 */

type Path = (peerId: PeerId, options: { signal?: AbortSignal }) => Promise<KeyRecord>
const notFound: Path = async () => { throw new ResolveError('ERR_NOT_FOUND', 'nothing here') }

interface Setup {
  f: Fixture
  metrics: KeydirMetrics
  calls: string[]
  resolver: Resolver
}

async function setup (paths: { dht?: Path, direct?: Path, anchors?: PeerId[], timeoutMs?: number, refreshAfterMs?: number, maxStaleMs?: number, now?: () => number }): Promise<Setup> {
  const f = await openFixture()
  const self = await makeIdentity()
  const selfRecord = await makeRecord(self)
  const metrics = createKeydirMetrics()
  const calls: string[] = []
  const dht = paths.dht === undefined
    ? undefined
    : {
        findValue: async (peerId: PeerId, options: { signal?: AbortSignal }) => {
          calls.push('dht')
          return { kind: 'record', record: await paths.dht!(peerId, options) }
        }
      } as unknown as DhtLookup
  const exchange = paths.direct === undefined
    ? undefined
    : { request: async (peerId: PeerId, options: { signal?: AbortSignal }) => { calls.push('direct'); return paths.direct!(peerId, options) } } as unknown as KeyExchange
  const resolver = new Resolver({
    registry: f.registry,
    metrics,
    selfPeerId: self.peerId,
    selfRecord: () => selfRecord,
    dht,
    exchange,
    isAnchor: peerId => paths.anchors?.some(a => a.equals(peerId)) === true
  }, { timeoutMs: paths.timeoutMs, refreshAfterMs: paths.refreshAfterMs, maxStaleMs: paths.maxStaleMs, now: paths.now })
  return { f, metrics, calls, resolver }
}

async function counter (metrics: KeydirMetrics, name: string): Promise<number> {
  const { values } = await metrics.registry.getSingleMetric(name)!.get()
  return values.reduce((sum, v) => sum + v.value, 0)
}

describe('Resolver', () => {
  it('asks the DHT first, then the peer; stores what it found; serves it from the registry next time', async () => {
    const peer = await makeIdentity()
    const record = await makeRecord(peer)
    const s = await setup({ dht: notFound, direct: async () => record })
    try {
      const first = await s.resolver.resolve(peer.peerId)
      assert.equal(first.source, 'direct')
      assert.equal(first.trust, 'direct')
      assert.deepEqual(s.calls, ['dht', 'direct'])
      const second = await s.resolver.resolve(peer.peerId.toString())
      assert.equal(second.source, 'registry')
      assert.deepEqual(s.calls, ['dht', 'direct'], 'no network the second time')
      assert.equal((await s.f.registry.get(peer.peerId))?.verified, true, 'a direct answer is verified')
    } finally { await s.f.cleanup() }
  })

  it('a DHT answer is stored as dht and not verified; refresh asks the network again', async () => {
    const peer = await makeIdentity()
    const record = await makeRecord(peer)
    const s = await setup({ dht: async () => record, direct: notFound })
    try {
      assert.equal((await s.resolver.resolve(peer.peerId)).trust, 'dht')
      assert.equal((await s.f.registry.get(peer.peerId))?.verified, false)
      assert.equal((await s.resolver.resolve(peer.peerId, { refresh: true })).source, 'dht')
      assert.deepEqual(s.calls, ['dht', 'dht'])
    } finally { await s.f.cleanup() }
  })

  it('asks an anchor directly first', async () => {
    const anchor = await makeIdentity()
    const record = await makeRecord(anchor)
    const s = await setup({ dht: async () => record, direct: async () => record, anchors: [anchor.peerId] })
    try {
      await s.f.registry.setAnchor(anchor.peerId, { mlDsaPublicKey: anchor.mlDsaSigner.publicKey })
      const resolved = await s.resolver.resolve(anchor.peerId)
      assert.equal(resolved.source, 'anchor')
      assert.equal(resolved.trust, 'anchor')
      assert.deepEqual(s.calls, ['direct'])
    } finally { await s.f.cleanup() }
  })

  it('after a re-check that could not reach the network, serves the entry without another, for a wait that doubles', async () => {
    const peer = await makeIdentity()
    const record = await makeRecord(peer)
    let reachable = true
    let offset = 0
    const minute = 60_000
    const s = await setup({
      direct: async () => { if (reachable) return record; throw new ResolveError('ERR_NOT_FOUND', 'unreachable') },
      refreshAfterMs: 5 * minute,
      maxStaleMs: 60 * minute,
      now: () => Date.now() + offset
    })
    const refreshes = async (result: string): Promise<number> => {
      const { values } = await s.metrics.registry.getSingleMetric('keydir_registry_refreshes_total')!.get()
      return values.find(v => v.labels.result === result)?.value ?? 0
    }
    // The resolver's lookups in flight: a background re-check is over (its outcome noted) once none is.
    const inFlight = (s.resolver as unknown as { inFlight: Map<string, Promise<unknown>> }).inFlight
    /** Resolve, and wait for a background re-check it started to end, so the next step never shares it. */
    const resolve = async (): Promise<{ stale: boolean, asked: boolean }> => {
      const before = s.calls.length
      const { stale } = await s.resolver.resolve(peer.peerId)
      await waitUntil(() => inFlight.size === 0, 'the background re-check ended')
      // The failure is noted when the shared lookup settles: one more turn.
      await new Promise(resolve => setImmediate(resolve))
      return { stale, asked: s.calls.length > before }
    }
    try {
      await s.resolver.resolve(peer.peerId)
      reachable = false
      offset = 10 * minute
      assert.deepEqual(await resolve(), { stale: false, asked: true }, 'past refreshAfterMs: re-checked in the background, which fails')
      assert.deepEqual(await resolve(), { stale: false, asked: false }, 'within the first wait: not asked again')
      assert.equal(await refreshes('backed_off'), 1)
      offset += REFRESH_RETRY_BASE_MS + 1
      assert.deepEqual(await resolve(), { stale: false, asked: true }, 'the first wait passed: asked, fails again')
      offset += REFRESH_RETRY_BASE_MS + 1
      assert.deepEqual(await resolve(), { stale: false, asked: false }, 'the second wait is twice as long')
      offset += REFRESH_RETRY_BASE_MS
      reachable = true
      assert.deepEqual(await resolve(), { stale: false, asked: true }, 'the second wait passed: asked, and reached')
      assert.deepEqual(await resolve(), { stale: false, asked: true }, 'reached: no wait, re-checked as before')
      reachable = false
      offset = 2 * 60 * minute
      assert.deepEqual(await resolve(), { stale: true, asked: true }, 'past maxStaleMs: re-checked first, served stale')
      assert.deepEqual(await resolve(), { stale: true, asked: false }, 'then stale at once, without another lookup')
      assert.equal(await refreshes('backed_off'), 3)
      assert.ok(await s.resolver.resolve(peer.peerId, { refresh: true }).then(() => false, () => true), 'refresh: true always asks')
    } finally { await s.f.cleanup() }
  })

  it('a refresh wait is never longer than refreshAfterMs, and none with refreshAfterMs 0', () => {
    const capped = new RefreshBackoff(40_000)
    for (let i = 0; i < 10; i++) capped.failed('p', 0)
    assert.equal(capped.waiting('p', 39_999), true)
    assert.equal(capped.waiting('p', 40_000), false)
    const off = new RefreshBackoff(0)
    off.failed('p', 0)
    assert.equal(off.waiting('p', 0), false)
    capped.reached('p')
    assert.equal(capped.waiting('p', 0), false)
  })

  it('failures count in a row only while they come within refreshAfterMs of the last wait\'s end', () => {
    const capMs = 300_000
    const backoff = new RefreshBackoff(capMs)
    backoff.failed('p', 0) // waits to 15 s
    backoff.failed('p', 15_000) // to 45 s
    backoff.failed('p', 45_000) // to 105 s
    backoff.failed('p', 105_000 + capMs) // still in a row: 120 s
    assert.equal(backoff.waiting('p', 405_000 + 119_999), true)
    const rare = new RefreshBackoff(capMs)
    rare.failed('p', 0)
    rare.failed('p', 15_000)
    rare.failed('p', 45_000)
    rare.failed('p', 105_000 + capMs + 1) // long after: the first wait again
    assert.equal(rare.waiting('p', 405_001 + REFRESH_RETRY_BASE_MS - 1), true)
    assert.equal(rare.waiting('p', 405_001 + REFRESH_RETRY_BASE_MS), false)
    // A slow lookup that started within the window is in a row, though it failed after it.
    const slow = new RefreshBackoff(capMs)
    slow.failed('p', 0)
    slow.failed('p', 15_000 + capMs + 60_000, 15_000 + capMs)
    assert.equal(slow.waiting('p', 15_000 + capMs + 60_000 + REFRESH_RETRY_BASE_MS), true, 'the second wait, 30 s')
  })

  it('an equivocating peer held as learned unasked, once asked for, keeps its proof when its record goes', async () => {
    const peer = await makeIdentity()
    const [a, b] = await makeConflictingRecords(peer, 3, Date.now())
    const s = await setup({ dht: notFound })
    try {
      await s.f.registry.storePeerKeys(a, 'direct', { unsolicited: true })
      await assert.rejects(s.f.registry.storePeerKeys(b, 'direct', { unsolicited: true }), (err: any) => err.code === 'ERR_EQUIVOCATION')
      await assert.rejects(s.resolver.resolve(peer.peerId), (err: any) => err.code === 'ERR_EQUIVOCATION')
      // A peer learned unasked leaves no trace when its record goes; one this node asked for keeps its proof.
      await s.f.registry.removePeerKeys(peer.peerId)
      assert.notEqual(s.f.registry.getEquivocation(peer.peerId), undefined)
      await assert.rejects(s.resolver.resolve(peer.peerId), (err: any) => err.code === 'ERR_EQUIVOCATION')
    } finally { await s.f.cleanup() }
  })

  it('concurrent resolves of one peer share one lookup', async () => {
    const peer = await makeIdentity()
    const record = await makeRecord(peer)
    const s = await setup({ dht: async () => { await new Promise(resolve => setTimeout(resolve, 20)); return record } })
    try {
      const all = await Promise.all(Array.from({ length: 5 }, async () => s.resolver.resolve(peer.peerId)))
      assert.ok(all.every(r => r.record.seq === 1))
      assert.deepEqual(s.calls, ['dht'])
    } finally { await s.f.cleanup() }
  })

  it('a shared lookup\'s progress reaches each caller from when it joins until it stops waiting', async () => {
    const peer = await makeIdentity()
    const record = await makeRecord(peer)
    const answered = Promise.withResolvers<void>()
    const quorum = Promise.withResolvers<void>()
    const s = await setup({
      dht: async (peerId, options: FindOptions) => {
        options.onProgress?.({ type: 'keydir:dht:answer', detail: { from: peerId, own: false, result: 'no-value' } })
        await answered.promise
        options.onProgress?.({ type: 'keydir:dht:answer', detail: { from: peerId, own: false, result: 'record', seq: 1 } })
        await quorum.promise
        options.onProgress?.({ type: 'keydir:dht:quorum', detail: { answers: 3 } })
        return record
      }
    })
    try {
      const label = (e: ResolveProgressEvents): string => e.type === 'keydir:dht:answer' ? e.detail.result : e.type === 'keydir:resolve:path' ? `path ${e.detail.path}` : 'quorum'
      const heard: Record<'first' | 'joined' | 'quit', string[]> = { first: [], joined: [], quit: [] }
      const first = s.resolver.resolve(peer.peerId, { onProgress: e => { heard.first.push(label(e)) } })
      await waitUntil(() => heard.first.length === 2, 'the first caller heard the lookup start')
      const stop = new AbortController()
      const quit = s.resolver.resolve(peer.peerId, { signal: stop.signal, onProgress: e => { heard.quit.push(label(e)) } })
      const joined = s.resolver.resolve(peer.peerId, { onProgress: e => { heard.joined.push(label(e)) } })
      // Each joins the shared lookup in the turn its registry read (a LevelDB miss) is counted.
      await waitUntil(async () => await counter(s.metrics, 'keydir_registry_lookups_total') === 3, 'both later callers missed the registry and joined the lookup')
      answered.resolve()
      await waitUntil(() => heard.quit.length === 1, 'the record answer reached the caller that will quit')
      stop.abort()
      await assert.rejects(quit, (err: ResolveError) => err.code === 'ERR_ABORTED')
      quorum.resolve()
      assert.equal((await first).record.seq, 1)
      assert.equal((await joined).record.seq, 1)
      assert.deepEqual(heard.first, ['path dht', 'no-value', 'record', 'quorum'])
      assert.deepEqual(heard.joined, ['record', 'quorum'], 'from when it joined')
      assert.deepEqual(heard.quit, ['record'], 'nothing after it stopped waiting')
      assert.deepEqual(s.calls, ['dht'], 'one lookup')
      // The next resolve is answered by the registry: no network, no progress.
      const fromRegistry: string[] = []
      assert.equal((await s.resolver.resolve(peer.peerId, { onProgress: e => { fromRegistry.push(label(e)) } })).source, 'registry')
      assert.deepEqual(fromRegistry, [])
    } finally { await s.f.cleanup() }
  })

  it('reports each network path it tries, in order, and goes on when the listener throws', async () => {
    const peer = await makeIdentity()
    const record = await makeRecord(peer)
    const s = await setup({ dht: notFound, direct: async () => record })
    try {
      const paths: string[] = []
      const resolved = await s.resolver.resolve(peer.peerId, {
        onProgress: e => {
          if (e.type === 'keydir:resolve:path' && e.detail.peer.equals(peer.peerId)) paths.push(e.detail.path)
          throw new Error('listener bug')
        }
      })
      assert.equal(resolved.source, 'direct')
      assert.deepEqual(paths, ['dht', 'direct'])
    } finally { await s.f.cleanup() }
  })

  it('returns the keys when the registry cannot write them, counts it, and asks the network again next time', async () => {
    const peer = await makeIdentity()
    const record = await makeRecord(peer)
    const s = await setup({ dht: async () => record })
    try {
      const store = (s.f.registry as unknown as { state: { store: { write: () => Promise<void> } } }).state.store
      const write = store.write.bind(store)
      store.write = async () => { throw new Error('disk full') }
      assert.equal((await s.resolver.resolve(peer.peerId)).record.seq, 1)
      while (await counter(s.metrics, 'keydir_registry_write_failures_total') === 0) await new Promise(resolve => setTimeout(resolve, 5))
      assert.equal(s.f.registry.getCached(peer.peerId), undefined, 'the unwritten entry left memory')
      assert.equal(await s.f.registry.get(peer.peerId), undefined)
      store.write = write
      assert.equal((await s.resolver.resolve(peer.peerId)).source, 'dht', 'nothing was kept')
      assert.deepEqual(s.calls, ['dht', 'dht'])
    } finally { await s.f.cleanup() }
  })

  it('a record the registry refuses is not returned (rollback below the pin)', async () => {
    const peer = await makeIdentity()
    const old = await makeRecord(peer, { seq: 1 })
    const s = await setup({ dht: async () => old })
    try {
      await s.f.registry.storePeerKeys(await makeRecord(peer, { seq: 5 }), 'dht')
      await s.f.registry.removePeerKeys(peer.peerId)
      await assert.rejects(s.resolver.resolve(peer.peerId), isError('ResolveError', 'ERR_NOT_FOUND'))
      assert.equal(await counter(s.metrics, 'keydir_verification_failures_total'), 1)
    } finally { await s.f.cleanup() }
  })

  it('says not found, timed out, aborted or bad PeerId with typed errors', async () => {
    const peer = await makeIdentity()
    // Like DhtRecords.findValue: no answer until its signal ends the lookup.
    const never: Path = async (_peerId, { signal }) => new Promise((_resolve, reject) => {
      signal?.addEventListener('abort', () => { reject(new ResolveError('ERR_RESOLVE_TIMEOUT', 'cut short')) })
    })
    const s = await setup({ dht: notFound, direct: notFound })
    const slow = await setup({ dht: never, timeoutMs: 50 })
    try {
      await assert.rejects(s.resolver.resolve(peer.peerId), isError('ResolveError', 'ERR_NOT_FOUND'))
      await assert.rejects(s.resolver.resolve('not-a-peer-id'), isError('ResolveError', 'ERR_BAD_PEER_ID'))
      await assert.rejects(slow.resolver.resolve(peer.peerId), isError('ResolveError', 'ERR_RESOLVE_TIMEOUT'))
      await assert.rejects(slow.resolver.resolve(peer.peerId, { signal: AbortSignal.timeout(5) }), isError('ResolveError', 'ERR_ABORTED'))
    } finally {
      await s.f.cleanup()
      await slow.f.cleanup()
    }
  })
})
