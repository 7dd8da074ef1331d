import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { peerIdFromMultihash } from '@libp2p/peer-id'
import { Libp2pRecord } from '@libp2p/record'
import * as Digest from 'multiformats/hashes/digest'
import { xorCompare as uint8ArrayXorCompare } from 'uint8arrays/xor-compare'
import { selectPqCrypto } from '../../src/crypto/index.js'
import { createPqkCheck, createPqkValueCheck, dhtRecordKey, distanceTo, DhtLookup, MalformedAnswer, Unreachable } from '../../src/dht/index.js'
import { createKeydirMetrics } from '../../src/metrics/index.js'
import { createRevocation, KeyRecordValidator, mlDsaPeerIdBytes, mlDsaRoutingKey, RevocationValidator, routingKeyFor } from '../../src/record/index.js'
import { makeIdentity, makeRecord } from '../helpers/records.js'
import type { DhtAnswerDetail, DhtLookupInit, DhtLookupProgressEvents, KadAnswer, LookupOutcome, LookupScores, PqkRecordCheck, PqkValueCheck } from '../../src/dht/index.js'
import type { KeydirMetrics } from '../../src/metrics/index.js'
import type { KeyRecord } from '../../src/record/index.js'
import type { PeerId, PeerInfo } from '@libp2p/interface'
import type { Datastore } from 'interface-datastore'

/**
 * DhtLookup over a scripted network: each peer answers a GET_VALUE with
 * what the test says (a value, closer peers, silence, garbage) after a
 * delay; the routing table is the list of peers the test starts from.
 */

interface ScriptedPeer {
  id: PeerId
  value?: Uint8Array
  /** Peers it names as closer (the walk only follows those closer to the key than it). */
  closer?: PeerId[]
  delayMs?: number
  /** Never answers (until the lookup gives up on it); answers unreadably; or cannot be reached at the addresses it was named at. */
  fails?: 'silent' | 'malformed' | 'unreachable'
  /** Not in the routing table: reached only when another peer names it. */
  onlyNamed?: boolean
}

interface Network {
  lookup: DhtLookup
  metrics: KeydirMetrics
  /** PeerIds in the order they were asked. */
  asked: string[]
  notes: Array<[string, LookupOutcome]>
  corrected: Promise<{ peers: string[], seq: number, key: Uint8Array }>
  conflicts: Array<[KeyRecord, KeyRecord]>
  /** What the lookup put into this node's own DHT store. */
  writtenLocally: Array<{ key: Uint8Array, value: Uint8Array }>
}

interface NetworkOptions extends DhtLookupInit {
  check?: PqkRecordCheck | PqkValueCheck
  own?: Uint8Array
  scores?: Map<string, number>
}

function datastoreHolding (held = new Map<string, Uint8Array>()): Datastore {
  return {
    get: async (key: { toString: () => string }) => {
      const value = held.get(key.toString())
      if (value === undefined) throw Object.assign(new Error('Not Found'), { name: 'NotFoundError' })
      return value
    }
  } as unknown as Datastore
}

const recordCheck = (): PqkRecordCheck => createPqkCheck({ validator: new KeyRecordValidator({ crypto: selectPqCrypto() }), datastore: datastoreHolding() })

async function network (self: PeerId, peers: ScriptedPeer[], options: NetworkOptions = {}): Promise<Network> {
  const byId = new Map(peers.map(p => [p.id.toString(), p]))
  const asked: string[] = []
  const notes: Array<[string, LookupOutcome]> = []
  const conflicts: Array<[KeyRecord, KeyRecord]> = []
  const corrected = Promise.withResolvers<{ peers: string[], seq: number, key: Uint8Array }>()
  const writtenLocally: Array<{ key: Uint8Array, value: Uint8Array }> = []
  const metrics = createKeydirMetrics()
  const scores: LookupScores | undefined = options.scores === undefined
    ? { score: () => 0, isBelowThreshold: () => false, note: (peer, outcome) => { notes.push([peer.toString(), outcome]) } }
    : {
        score: peer => options.scores!.get(peer.toString()) ?? 0,
        isBelowThreshold: peer => (options.scores!.get(peer.toString()) ?? 0) < -10,
        note: (peer, outcome) => { notes.push([peer.toString(), outcome]) }
      }
  const ask = async (peer: PeerInfo, key: Uint8Array, { signal }: { signal?: AbortSignal }): Promise<KadAnswer> => {
    asked.push(peer.id.toString())
    const scripted = byId.get(peer.id.toString())
    if (scripted === undefined) throw new Error('no such peer')
    await new Promise<void>((resolve, reject) => {
      if (scripted.fails === 'silent') {
        signal?.addEventListener('abort', () => { reject(new Error('aborted')) })
        return
      }
      setTimeout(resolve, scripted.delayMs ?? 1)
    })
    if (scripted.fails === 'malformed') throw new MalformedAnswer('garbage')
    if (scripted.fails === 'unreachable') throw new Unreachable('named at addresses that do not answer', true)
    return { value: scripted.value, closer: (scripted.closer ?? []).map(id => ({ id, multiaddrs: [] })) }
  }
  const lookup = new DhtLookup({
    closestPeers: (_kadId, count) => peers.filter(p => p.onlyNamed !== true && (p.closer !== undefined || p.value !== undefined || p.fails !== undefined)).slice(0, count).map(p => p.id),
    ask,
    self,
    scores,
    check: options.check ?? recordCheck(),
    readLocal: async () => options.own,
    writeLocal: async (key, value) => { writtenLocally.push({ key, value }) },
    correct: async (stale, record, key) => { corrected.resolve({ peers: stale.map(p => p.toString()), seq: record.seq, key }); return stale.length },
    onEquivocation: async (a, b) => { conflicts.push([a, b]) },
    metrics
  }, { askTimeoutMs: 200, ...options })
  return { lookup, metrics, asked, notes, corrected: corrected.promise, conflicts, writtenLocally }
}

async function refusals (metrics: KeydirMetrics, reason: string): Promise<number> {
  return (await metrics.verificationFailures.get()).values.find(v => v.labels.source === 'dht' && v.labels.reason === reason)?.value ?? 0
}

async function peers (n: number): Promise<PeerId[]> {
  return Promise.all(Array.from({ length: n }, async () => (await makeIdentity()).peerId))
}

describe('DhtLookup', () => {
  test('a first contact waits for a quorum over disjoint paths and takes the highest seq, though older answers came first', async () => {
    const id = await makeIdentity()
    const self = (await makeIdentity()).peerId
    const [h1, h2, h3, s1, s2, s3] = await peers(6)
    const older = await makeRecord(id, { seq: 1 })
    const newer = await makeRecord(id, { seq: 2 })
    const net = await network(self, [
      { id: s1, value: older.bytes, delayMs: 1 },
      { id: s2, value: older.bytes, delayMs: 1 },
      { id: s3, value: older.bytes, delayMs: 1 },
      { id: h1, value: newer.bytes, delayMs: 30 },
      { id: h2, value: newer.bytes, delayMs: 30 },
      { id: h3, value: newer.bytes, delayMs: 30 }
    ], { firstContactQuorum: 6, disjointPaths: 3, firstContactGraceMs: 5_000 })
    assert.equal((await net.lookup.find(id.peerId)).seq, 2)
    const corrected = await net.corrected
    assert.equal(corrected.seq, 2, 'the peers that answered older are sent the best record')
    assert.deepEqual(corrected.peers.sort(), [s1, s2, s3].map(String).sort())
    assert.equal(await refusals(net.metrics, 'ERR_ROLLBACK'), 3, 'each stale answer is counted')
    assert.deepEqual(net.notes.filter(([, o]) => o === 'stale').map(([p]) => p).sort(), [s1, s2, s3].map(String).sort())
    assert.deepEqual(net.notes.filter(([, o]) => o === 'valid').map(([p]) => p).sort(), [h1, h2, h3].map(String).sort())
  })

  test('a lookup by ML-DSA PeerId corrects its stale answerers under that PeerId\'s key, not the libp2p PeerId\'s', async () => {
    const id = await makeIdentity()
    const self = (await makeIdentity()).peerId
    const [h1, h2, h3, s1] = await peers(4)
    const older = await makeRecord(id, { seq: 1 })
    const newer = await makeRecord(id, { seq: 2 })
    const asked = peerIdFromMultihash(Digest.decode(mlDsaPeerIdBytes(newer.mlDsaPublicKey)))
    const net = await network(self, [
      { id: s1, value: older.bytes, delayMs: 1 },
      { id: h1, value: newer.bytes, delayMs: 20 },
      { id: h2, value: newer.bytes, delayMs: 20 },
      { id: h3, value: newer.bytes, delayMs: 20 }
    ], { firstContactQuorum: 4, disjointPaths: 1, firstContactGraceMs: 5_000 })
    assert.equal((await net.lookup.find(asked)).seq, 2)
    const corrected = await net.corrected
    assert.deepEqual(corrected.peers, [s1.toString()])
    assert.deepEqual(corrected.key, mlDsaRoutingKey(newer.mlDsaPublicKey))
  })

  test('a first contact is not settled by answers from one path: the other paths must answer too', async () => {
    const id = await makeIdentity()
    const self = (await makeIdentity()).peerId
    const older = await makeRecord(id, { seq: 1 })
    const newer = await makeRecord(id, { seq: 2 })
    // One path: a starting peer that names two other peers, all three holding the old record, all fast.
    const [entry, n1, n2, honest] = await peers(4)
    const net = await network(self, [
      { id: entry, value: older.bytes, closer: [n1, n2], delayMs: 1 },
      { id: honest, value: newer.bytes, delayMs: 40 }
    ], { firstContactQuorum: 3, disjointPaths: 2, firstContactGraceMs: 5_000 })
    // n1 and n2 are reachable only through entry's answer
    const scripted = [{ id: n1, value: older.bytes, delayMs: 1 }, { id: n2, value: older.bytes, delayMs: 1 }]
    const ask = (net.lookup as unknown as { components: { ask: (p: PeerInfo, k: Uint8Array, o: { signal?: AbortSignal }) => Promise<KadAnswer> } }).components
    const original = ask.ask
    ask.ask = async (peer, key, options) => {
      const extra = scripted.find(s => s.id.equals(peer.id))
      if (extra !== undefined) {
        net.asked.push(peer.id.toString())
        return { value: extra.value, closer: [] }
      }
      return original(peer, key, options)
    }
    assert.equal((await net.lookup.find(id.peerId)).seq, 2, 'the honest path answered before the lookup ended')
  })

  test('a first contact does not end at the grace time without its quorum: a stale answer that came fast does not beat the peers still answering', async () => {
    const id = await makeIdentity()
    const self = (await makeIdentity()).peerId
    const [stale, h1, h2, h3] = await peers(4)
    // The stale answer comes over a connection already open; the others need a dial, far longer than the grace time.
    const newer = await makeRecord(id, { seq: 2 })
    const net = await network(self, [
      { id: stale, value: (await makeRecord(id, { seq: 1 })).bytes, delayMs: 1 },
      ...[h1, h2, h3].map(h => ({ id: h, value: newer.bytes, delayMs: 150 }))
    ], { firstContactQuorum: 3, disjointPaths: 3, firstContactGraceMs: 20, askTimeoutMs: 5_000 })
    assert.equal((await net.lookup.find(id.peerId)).seq, 2)
    assert.equal(await refusals(net.metrics, 'ERR_ROLLBACK'), 1, 'the stale answer is counted')
  })

  test('a first contact short of its quorum ends at the quorum wait after its first valid answer, though a path still walks', async () => {
    const id = await makeIdentity()
    const self = (await makeIdentity()).peerId
    const key = routingKeyFor(id.peerId)
    const record = await makeRecord(id, { seq: 4 })
    // A path that never converges in time: each peer names the next one closer to the key, 40 ms an answer.
    const [holder, ...chain] = (await peers(16)).sort((a, b) => uint8ArrayXorCompare(distanceTo(key, b), distanceTo(key, a)))
    const net = await network(self, [
      { id: holder, value: record.bytes, delayMs: 1 },
      ...chain.map((peer, i) => ({ id: peer, closer: chain.slice(i + 1, i + 2), delayMs: 40, onlyNamed: i > 0 }))
    ], { firstContactQuorum: 3, disjointPaths: 2, firstContactGraceMs: 20, askTimeoutMs: 200 })
    const events: DhtLookupProgressEvents[] = []
    assert.equal((await net.lookup.find(id.peerId, { onProgress: event => { events.push(event) } })).seq, 4)
    assert.ok(!net.asked.includes(chain.at(-1)!.toString()), `the walk was cut before the end of the chain: asked ${net.asked.length} of ${chain.length + 1}`)
    assert.deepEqual(events.filter(e => e.type === 'keydir:dht:quorum'), [], 'no quorum')
    assert.deepEqual(events.at(-1), { type: 'keydir:dht:end', detail: { reason: 'wait', answers: 1 } }, 'the quorum wait ended it, not the grace time')
  })

  test('a first contact whose paths end short of its quorum asks the peers its walk named but did not ask', async () => {
    const id = await makeIdentity()
    const self = (await makeIdentity()).peerId
    const key = routingKeyFor(id.peerId)
    // The only peer in the routing table is the closest to the key, so no one it names goes on its path.
    const [entry, ...named] = (await peers(4)).sort((a, b) => uint8ArrayXorCompare(distanceTo(key, a), distanceTo(key, b)))
    const older = await makeRecord(id, { seq: 1 })
    const newer = await makeRecord(id, { seq: 2 })
    const net = await network(self, [
      { id: entry, value: older.bytes, closer: named, delayMs: 1 },
      ...named.map(peer => ({ id: peer, value: newer.bytes, delayMs: 1, onlyNamed: true }))
    ], { firstContactQuorum: 3, disjointPaths: 3, firstContactGraceMs: 20 })
    const events: DhtLookupProgressEvents[] = []
    assert.equal((await net.lookup.find(id.peerId, { onProgress: event => { events.push(event) } })).seq, 2)
    assert.deepEqual(net.asked.slice(1).sort(), named.map(String).sort(), 'the named peers were asked after the path ended')
    assert.equal(events.filter(e => e.type === 'keydir:dht:quorum').length, 1, 'their answers make the quorum')
    assert.deepEqual(events.at(-1), { type: 'keydir:dht:end', detail: { reason: 'quorum', answers: 4 } })
    assert.deepEqual((await net.corrected).peers, [entry.toString()], 'the entry that answered older is sent the best')
  })

  test('the peers the walk named are asked from its paths in turn: one path\'s peers near the key do not fill the quorum alone', async () => {
    const id = await makeIdentity()
    const self = (await makeIdentity()).peerId
    const key = routingKeyFor(id.peerId)
    // Two paths; the first's entry names three peers nearer the key than those the second's names, all farther than both entries.
    const [entryA, entryB, s1, s2, s3, h1, h2, h3] = (await peers(8)).sort((a, b) => uint8ArrayXorCompare(distanceTo(key, a), distanceTo(key, b)))
    const older = await makeRecord(id, { seq: 1 })
    const newer = await makeRecord(id, { seq: 2 })
    const net = await network(self, [
      { id: entryA, value: older.bytes, closer: [s1, s2, s3], delayMs: 1 },
      { id: entryB, closer: [h1, h2, h3], delayMs: 1 },
      ...[s1, s2, s3].map(peer => ({ id: peer, value: older.bytes, delayMs: 1, onlyNamed: true })),
      ...[h1, h2, h3].map(peer => ({ id: peer, value: newer.bytes, delayMs: 1, onlyNamed: true }))
    ], { firstContactQuorum: 3, disjointPaths: 2, alpha: 3 })
    assert.equal((await net.lookup.find(id.peerId)).seq, 2)
    assert.ok(net.asked.indexOf(h1.toString()) < net.asked.indexOf(s2.toString()), `asked in turn: ${net.asked.join(', ')}`)
  })

  test('asking the peers the walk named goes on past peers that could not be asked, and past peers without a value', async () => {
    const id = await makeIdentity()
    const self = (await makeIdentity()).peerId
    const key = routingKeyFor(id.peerId)
    const [entry, ...named] = (await peers(9)).sort((a, b) => uint8ArrayXorCompare(distanceTo(key, a), distanceTo(key, b)))
    const newer = await makeRecord(id, { seq: 2 })
    const net = await network(self, [
      { id: entry, value: (await makeRecord(id, { seq: 1 })).bytes, closer: named, delayMs: 1 },
      ...named.map((peer, i) => ({ id: peer, value: i < 3 ? undefined : newer.bytes, delayMs: 1, onlyNamed: true, fails: i < 2 ? 'unreachable' as const : undefined }))
    ], { firstContactQuorum: 3, disjointPaths: 3, alpha: 3 })
    // In a young network the peers nearest the key may not hold the record yet (a put reaches the K closest of its day).
    assert.equal((await net.lookup.find(id.peerId)).seq, 2, 'the farther named peers were asked')
  })

  test('a pinned peer\'s lookup ends at its first valid answer at or above the pin', async () => {
    const id = await makeIdentity()
    const self = (await makeIdentity()).peerId
    const [fast, slow] = await peers(2)
    const atPin = await makeRecord(id, { seq: 5 })
    const above = await makeRecord(id, { seq: 7 })
    const net = await network(self, [
      { id: fast, value: atPin.bytes, delayMs: 1 },
      { id: slow, value: above.bytes, fails: 'silent' }
    ], { firstContactQuorum: 3 })
    assert.equal((await net.lookup.find(id.peerId, { minSeq: 5, signal: AbortSignal.timeout(30_000) })).seq, 5)
  })

  test('an answer below the pin never ends a lookup, is counted and held against its peer', async () => {
    const id = await makeIdentity()
    const self = (await makeIdentity()).peerId
    const [a, b] = await peers(2)
    const net = await network(self, [
      { id: a, value: (await makeRecord(id, { seq: 1 })).bytes, delayMs: 1 },
      { id: b, value: (await makeRecord(id, { seq: 5 })).bytes, delayMs: 20 }
    ])
    assert.equal((await net.lookup.find(id.peerId, { minSeq: 5 })).seq, 5)
    assert.equal(await refusals(net.metrics, 'ERR_ROLLBACK'), 1)
    assert.deepEqual(net.notes.find(([p]) => p === a.toString()), [a.toString(), 'stale'])
  })

  test('no peer is asked twice, on one path or on two', async () => {
    const id = await makeIdentity()
    const self = (await makeIdentity()).peerId
    const all = await peers(12)
    const record = await makeRecord(id, { seq: 1 })
    // Everyone names everyone: the paths would cross at every step if they could.
    const net = await network(self, all.map((p, i) => ({ id: p, closer: all, value: i === 11 ? record.bytes : undefined })), { firstContactQuorum: 3, disjointPaths: 3, firstContactGraceMs: 5_000 })
    await net.lookup.find(id.peerId)
    assert.equal(new Set(net.asked).size, net.asked.length, `asked: ${net.asked.join(', ')}`)
  })

  test('a valid revocation ends a lookup, unless the caller does not accept it (a pinned peer\'s forgery): then the lookup goes on', async () => {
    const id = await makeIdentity()
    const self = (await makeIdentity()).peerId
    const [a, b] = await peers(2)
    const record = await makeRecord(id, { seq: 3 })
    const revocation = await createRevocation({ privateKey: id.privateKey, mlDsaSigner: id.mlDsaSigner })
    const crypto = selectPqCrypto()
    const check = createPqkValueCheck({ validator: new KeyRecordValidator({ crypto }), revocationValidator: new RevocationValidator({ crypto }), datastore: datastoreHolding() })
    const scripted = [{ id: a, value: revocation.bytes, delayMs: 1 }, { id: b, value: record.bytes, delayMs: 10 }]
    const taken = await network(self, scripted, { check })
    assert.equal((await taken.lookup.findValue(id.peerId)).kind, 'revocation')
    await assert.rejects(taken.lookup.find(id.peerId), (err: any) => err.code === 'ERR_REVOKED')
    const refusing = await network(self, scripted, { check })
    const value = await refusing.lookup.findValue(id.peerId, { acceptRevocation: () => false })
    assert.equal(value.kind === 'record' && value.record.seq, 3)
    assert.equal(await refusals(refusing.metrics, 'ERR_REVOCATION_KEY_UNKNOWN'), 1)
  })

  test('a forged answer, an unreadable one and a silent peer do not end a lookup and are held against their peers', async () => {
    const id = await makeIdentity()
    const self = (await makeIdentity()).peerId
    const [forger, garbler, mute, honest] = await peers(4)
    const record = await makeRecord(id, { seq: 2 })
    const forged = Uint8Array.from(record.bytes)
    forged[forged.length - 1] ^= 1
    const net = await network(self, [
      { id: forger, value: forged, delayMs: 1 },
      { id: garbler, fails: 'malformed', delayMs: 1 },
      { id: mute, fails: 'silent' },
      { id: honest, value: record.bytes, delayMs: 20 }
    ], { firstContactQuorum: 1, disjointPaths: 4, askTimeoutMs: 50 })
    assert.equal((await net.lookup.find(id.peerId)).seq, 2)
    await new Promise(resolve => setTimeout(resolve, 100))
    const noted = new Map(net.notes)
    assert.equal(noted.get(forger.toString()), 'invalid')
    assert.equal(noted.get(garbler.toString()), 'invalid')
    assert.equal(noted.get(honest.toString()), 'valid')
  })

  test('a silent peer is noted as a timeout when the lookup still waits for it', async () => {
    const id = await makeIdentity()
    const self = (await makeIdentity()).peerId
    const [mute] = await peers(1)
    const net = await network(self, [{ id: mute, fails: 'silent' }], { askTimeoutMs: 30 })
    await assert.rejects(net.lookup.find(id.peerId), (err: any) => err.code === 'ERR_NOT_FOUND')
    assert.deepEqual(net.notes, [[mute.toString(), 'timeout']])
  })

  test('peers with a good score are asked first; peers below the threshold only when no one else had a value', async () => {
    const id = await makeIdentity()
    const self = (await makeIdentity()).peerId
    const [good, unknown, poor, banned] = await peers(4)
    const record = await makeRecord(id, { seq: 1 })
    const scores = new Map([[good.toString(), 5], [poor.toString(), -3], [banned.toString(), -50]])
    const ordered = await network(self, [
      { id: poor, closer: [] }, { id: unknown, closer: [] }, { id: good, closer: [] }, { id: banned, value: record.bytes }
    ], { scores, disjointPaths: 1, alpha: 1 })
    assert.equal((await ordered.lookup.find(id.peerId)).seq, 1, 'the only source is asked after all, though below the threshold')
    assert.deepEqual(ordered.asked, [good, unknown, poor, banned].map(String))
    const skipping = await network(self, [
      { id: good, value: record.bytes }, { id: banned, value: record.bytes }
    ], { scores, firstContactQuorum: 1 })
    await skipping.lookup.find(id.peerId)
    assert.equal(skipping.asked.includes(banned.toString()), false, 'a peer below the threshold is skipped when another has the record')
  })

  test('a peer closer to the key than two that had the record, answering without it, withheld it; one far holder is not enough', async () => {
    const id = await makeIdentity()
    const self = (await makeIdentity()).peerId
    const all = await peers(8)
    const record = await makeRecord(id, { seq: 1 })
    const { distanceTo } = await import('../../src/dht/index.js')
    const key = routingKeyFor(id.peerId)
    const sorted = [...all].sort((x, y) => Buffer.compare(Buffer.from(distanceTo(key, x)), Buffer.from(distanceTo(key, y))))
    const [closest, second, ...rest] = sorted
    const [farther, farthest] = rest.slice(-2)
    const net = await network(self, [{ id: closest, closer: [] }, { id: farther, value: record.bytes, delayMs: 10 }, { id: farthest, value: record.bytes, delayMs: 10 }], { firstContactQuorum: 2, disjointPaths: 3 })
    await net.lookup.find(id.peerId)
    assert.deepEqual(new Map(net.notes).get(closest.toString()), 'withheld')
    const one = await network(self, [{ id: second, closer: [] }, { id: farthest, value: record.bytes, delayMs: 10 }], { firstContactQuorum: 1, disjointPaths: 2 })
    await one.lookup.find(id.peerId)
    assert.equal(new Map(one.notes).get(second.toString()), undefined, 'a single far holder (perhaps hostile) does not make a routing hop a withholder')
  })

  test('two valid answers of one seq with different bytes go to the equivocation check before the lookup returns', async () => {
    const id = await makeIdentity()
    const self = (await makeIdentity()).peerId
    const [a, b] = await peers(2)
    const one = await makeRecord(id, { seq: 9, lifetimeMs: 60_000 })
    const other = await makeRecord(id, { seq: 9, lifetimeMs: 120_000 })
    const net = await network(self, [{ id: a, value: one.bytes }, { id: b, value: other.bytes, delayMs: 5 }], { firstContactQuorum: 2, disjointPaths: 2 })
    await net.lookup.find(id.peerId)
    assert.equal(net.conflicts.length, 1)
    assert.deepEqual(net.conflicts[0].map(r => r.seq), [9, 9])
  })

  test('this node\'s own store answers; for a pinned peer only with a record above the pin', async () => {
    const id = await makeIdentity()
    const self = (await makeIdentity()).peerId
    const [peer] = await peers(1)
    const held = await makeRecord(id, { seq: 6 })
    const fresh = await makeRecord(id, { seq: 9 })
    const alone = await network(self, [], { own: held.bytes, firstContactQuorum: 1 })
    assert.equal((await alone.lookup.find(id.peerId)).seq, 6)
    const pinned = await network(self, [{ id: peer, value: fresh.bytes, delayMs: 5 }], { own: held.bytes })
    assert.equal((await pinned.lookup.find(id.peerId, { minSeq: 6 })).seq, 9, 'the copy held since before a restart cannot end a refresh')
  })

  test('this node\'s own store, older than what the lookup found, is given the best record; one as new is left alone', async () => {
    const id = await makeIdentity()
    const self = (await makeIdentity()).peerId
    const [peer] = await peers(1)
    const held = await makeRecord(id, { seq: 6 })
    const fresh = await makeRecord(id, { seq: 9 })
    // A refresh above the pin (the held copy is not taken) and a first contact (it is, and loses).
    for (const minSeq of [6, 0]) {
      const net = await network(self, [{ id: peer, value: fresh.bytes, delayMs: 5 }], { own: held.bytes, firstContactQuorum: 1 })
      assert.equal((await net.lookup.find(id.peerId, { minSeq })).seq, 9)
      assert.equal(net.writtenLocally.length, 1, `minSeq ${minSeq}`)
      assert.deepEqual(net.writtenLocally[0].key, routingKeyFor(id.peerId))
      assert.deepEqual(net.writtenLocally[0].value, fresh.bytes)
    }
    const current = await network(self, [{ id: peer, value: fresh.bytes, delayMs: 5 }], { own: fresh.bytes, firstContactQuorum: 1 })
    await current.lookup.find(id.peerId)
    const none = await network(self, [{ id: peer, value: fresh.bytes, delayMs: 5 }], { firstContactQuorum: 1 })
    await none.lookup.find(id.peerId)
    assert.deepEqual([current.writtenLocally.length, none.writtenLocally.length], [0, 0], 'nothing written when it held the best, or nothing')
  })

  test('an answer older than the record this node holds under the key is refused by the check: stale, not forged, and corrected', async () => {
    const id = await makeIdentity()
    const self = (await makeIdentity()).peerId
    const [a, b] = await peers(2)
    const older = await makeRecord(id, { seq: 1 })
    const newer = await makeRecord(id, { seq: 2 })
    const key = routingKeyFor(id.peerId)
    const held = datastoreHolding(new Map([[dhtRecordKey(key).toString(), new Libp2pRecord(key, newer.bytes, new Date()).serialize()]]))
    const check = createPqkCheck({ validator: new KeyRecordValidator({ crypto: selectPqCrypto() }), datastore: held })
    const net = await network(self, [{ id: a, value: older.bytes }, { id: b, value: newer.bytes, delayMs: 10 }], { check, firstContactQuorum: 1 })
    assert.equal((await net.lookup.find(id.peerId)).seq, 2)
    assert.deepEqual(new Map(net.notes).get(a.toString()), 'stale')
    assert.deepEqual((await net.corrected).peers, [a.toString()])
  })

  test('this node\'s own store neither starts the grace time nor counts towards the quorum: a planted old record cannot end a first contact', async () => {
    const id = await makeIdentity()
    const self = (await makeIdentity()).peerId
    const [slow] = await peers(1)
    const planted = await makeRecord(id, { seq: 1 })
    const current = await makeRecord(id, { seq: 2 })
    const net = await network(self, [{ id: slow, value: current.bytes, delayMs: 150 }], { own: planted.bytes, firstContactQuorum: 1, firstContactGraceMs: 10 })
    assert.equal((await net.lookup.find(id.peerId)).seq, 2)
  })

  test('a peer named at addresses that do not answer is not held against it; one asked from the routing table is', async () => {
    const id = await makeIdentity()
    const self = (await makeIdentity()).peerId
    const [namer, named, holder] = await peers(3)
    const record = await makeRecord(id, { seq: 1 })
    const net = await network(self, [{ id: namer, closer: [named] }, { id: named, fails: 'unreachable' }, { id: holder, value: record.bytes, delayMs: 20 }], { firstContactQuorum: 1 })
    await net.lookup.find(id.peerId)
    assert.equal(new Map(net.notes).get(named.toString()), undefined)
  })

  test('a first contact that heard older records asks the peers skipped for their score too', async () => {
    const id = await makeIdentity()
    const self = (await makeIdentity()).peerId
    const [a, b, skipped] = await peers(3)
    const scores = new Map([[skipped.toString(), -50]])
    const net = await network(self, [
      { id: a, value: (await makeRecord(id, { seq: 1 })).bytes },
      { id: b, value: (await makeRecord(id, { seq: 2 })).bytes },
      { id: skipped, value: (await makeRecord(id, { seq: 3 })).bytes }
    ], { scores, firstContactQuorum: 2, disjointPaths: 2 })
    // Someone serves an older record than the best heard: the skipped peer may hold a newer one still.
    assert.equal((await net.lookup.find(id.peerId)).seq, 3)
    assert.equal(new Map(net.notes).get(skipped.toString()), 'valid', 'its answer is scored like any other')
  })

  test('no valid answer is ERR_NOT_FOUND; a lookup cut short by its signal is ERR_RESOLVE_TIMEOUT', async () => {
    const id = await makeIdentity()
    const self = (await makeIdentity()).peerId
    const other = await makeIdentity()
    const [a, b] = await peers(2)
    const empty = await network(self, [{ id: a, value: (await makeRecord(other)).bytes }])
    await assert.rejects(empty.lookup.find(id.peerId), (err: any) => err.name === 'ResolveError' && err.code === 'ERR_NOT_FOUND')
    const slow = await network(self, [{ id: b, fails: 'silent' }], { askTimeoutMs: 60_000 })
    await assert.rejects(slow.lookup.find(id.peerId, { signal: AbortSignal.timeout(30) }), (err: any) => err.code === 'ERR_RESOLVE_TIMEOUT')
  })

  describe('progress events', () => {
    test('a first contact reports each answer as it is checked, then its quorum', async () => {
      const id = await makeIdentity()
      const self = (await makeIdentity()).peerId
      const [h1, h2, h3, bad, empty] = await peers(5)
      const record = await makeRecord(id, { seq: 3 })
      const forged = Uint8Array.from(record.bytes)
      forged[forged.length - 1] ^= 0xff
      const net = await network(self, [
        { id: bad, value: forged, delayMs: 1 },
        { id: empty, closer: [], delayMs: 1 },
        { id: h1, value: record.bytes, delayMs: 10 },
        { id: h2, value: record.bytes, delayMs: 10 },
        { id: h3, value: record.bytes, delayMs: 10 }
      ], { own: record.bytes, disjointPaths: 3, firstContactGraceMs: 5_000 })
      const events: DhtLookupProgressEvents[] = []
      assert.equal((await net.lookup.find(id.peerId, { onProgress: event => { events.push(event) } })).seq, 3)
      const answers = events.flatMap(e => e.type === 'keydir:dht:answer' ? [e.detail] : [])
      const by = (peer: PeerId): DhtAnswerDetail | undefined => answers.find(a => a.from.equals(peer))
      assert.deepEqual(answers[0], { from: self, own: true, result: 'record', seq: 3 }, 'the own store answers first')
      for (const peer of [h1, h2, h3]) assert.deepEqual(by(peer), { from: peer, own: false, result: 'record', seq: 3 })
      assert.equal(by(bad)?.result, 'refused')
      assert.equal(by(bad)?.code, 'ERR_BAD_ML_DSA_SIGNATURE')
      assert.deepEqual(by(empty), { from: empty, own: false, result: 'no-value' })
      assert.equal(answers.length, 6, 'each answer once')
      const quorum = events.findIndex(e => e.type === 'keydir:dht:quorum')
      assert.deepEqual(events[quorum], { type: 'keydir:dht:quorum', detail: { answers: 3 } })
      assert.equal(events.slice(0, quorum).filter(e => e.type === 'keydir:dht:answer' && e.detail.result === 'record' && !e.detail.own).length, 3, 'after the third record from another peer')
      assert.equal(events.filter(e => e.type === 'keydir:dht:quorum').length, 1, 'once')
      assert.deepEqual(events.at(-1), { type: 'keydir:dht:end', detail: { reason: 'quorum', answers: 3 } }, 'the end comes last')
    })

    test('a refresh reports an answer below the pin as outdated, and has no quorum event', async () => {
      const id = await makeIdentity()
      const self = (await makeIdentity()).peerId
      const [old, fresh] = await peers(2)
      const net = await network(self, [
        { id: old, value: (await makeRecord(id, { seq: 4 })).bytes, delayMs: 1 },
        // Well after the old answer is checked: the fresh one ends the refresh.
        { id: fresh, value: (await makeRecord(id, { seq: 6 })).bytes, delayMs: 150 }
      ], { disjointPaths: 1 })
      const events: DhtLookupProgressEvents[] = []
      assert.equal((await net.lookup.find(id.peerId, { minSeq: 5, onProgress: event => { events.push(event) } })).seq, 6)
      assert.deepEqual(events.map(e => e.type === 'keydir:dht:answer' ? [e.detail.from.toString(), e.detail.result, e.detail.seq, e.detail.code] : [e.type, e.detail]), [
        [old.toString(), 'outdated', 4, 'ERR_ROLLBACK'],
        [fresh.toString(), 'record', 6, undefined],
        ['keydir:dht:end', { reason: 'answer', answers: 1 }]
      ])
    })

    test('a first contact the quorum wait cut reports no quorum, though its cut paths then leave the tally settled', async () => {
      const id = await makeIdentity()
      const self = (await makeIdentity()).peerId
      const record = await makeRecord(id)
      // Dealt to 3 paths by distance: the 1st and 4th closest share path 0; the 3rd, alone on path 2, names a closer peer
      // (not in the routing table) that never answers: its path is still waiting when the quorum wait runs out.
      const key = routingKeyFor(id.peerId)
      const [silent, p0, p1, relay, p3] = (await peers(5)).sort((a, b) => uint8ArrayXorCompare(distanceTo(key, a), distanceTo(key, b)))
      const net = await network(self, [
        { id: p0, value: record.bytes, delayMs: 1 },
        { id: p1, value: record.bytes, delayMs: 1 },
        { id: relay, closer: [silent], delayMs: 300 },
        { id: silent, fails: 'silent', onlyNamed: true },
        { id: p3, value: record.bytes, delayMs: 1 }
      ], { disjointPaths: 3, firstContactGraceMs: 50, askTimeoutMs: 1_000 })
      const events: DhtLookupProgressEvents[] = []
      assert.equal((await net.lookup.find(id.peerId, { onProgress: event => { events.push(event) } })).seq, record.seq)
      assert.ok(net.asked.includes(silent.toString()), 'the relay\'s path went on to the silent peer')
      // The silent path ends as the quorum wait drops its request, after find() returned: give it the time to.
      await new Promise(resolve => setTimeout(resolve, 100))
      assert.equal(events.filter(e => e.type === 'keydir:dht:answer' && e.detail.result === 'record').length, 3)
      assert.deepEqual(events.filter(e => e.type === 'keydir:dht:quorum'), [], 'three records over two of three paths: no quorum')
      assert.deepEqual(events.filter(e => e.type === 'keydir:dht:end'), [{ type: 'keydir:dht:end', detail: { reason: 'wait', answers: 3 } }])
    })

    test('a lookup ends with one end event that says why: a verdict, no one left to ask, or the caller\'s signal', async () => {
      const id = await makeIdentity()
      const self = (await makeIdentity()).peerId
      const [a, b, c] = await peers(3)
      const ends = async (net: Network, options: { signal?: AbortSignal } = {}): Promise<unknown[]> => {
        const events: DhtLookupProgressEvents[] = []
        await net.lookup.findValue(id.peerId, { ...options, onProgress: event => { events.push(event) } }).catch(() => {})
        return events.filter(e => e.type === 'keydir:dht:end').map(e => e.detail)
      }
      const crypto = selectPqCrypto()
      const check = createPqkValueCheck({ validator: new KeyRecordValidator({ crypto }), revocationValidator: new RevocationValidator({ crypto }), datastore: datastoreHolding() })
      const revocation = await createRevocation({ privateKey: id.privateKey, mlDsaSigner: id.mlDsaSigner })
      assert.deepEqual(await ends(await network(self, [{ id: a, value: revocation.bytes, delayMs: 1 }], { check })), [{ reason: 'verdict', answers: 0 }])
      assert.deepEqual(await ends(await network(self, [{ id: b, closer: [], delayMs: 1 }])), [{ reason: 'walk', answers: 0 }])
      assert.deepEqual(await ends(await network(self, [{ id: c, fails: 'silent' }], { askTimeoutMs: 60_000 }), { signal: AbortSignal.timeout(30) }), [{ reason: 'aborted', answers: 0 }])
    })

    test('a listener that throws does not stop the lookup', async () => {
      const id = await makeIdentity()
      const self = (await makeIdentity()).peerId
      const record = await makeRecord(id)
      const net = await network(self, (await peers(3)).map(peer => ({ id: peer, value: record.bytes, delayMs: 1 })), { disjointPaths: 3 })
      let heard = 0
      const found = await net.lookup.find(id.peerId, { onProgress: () => { heard++; throw new Error('listener bug') } })
      assert.equal(found.seq, record.seq)
      assert.equal(heard, 5, 'three answers, the quorum and the end, each heard though the one before threw')
    })
  })
})
