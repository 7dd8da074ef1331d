import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { Libp2pRecord } from '@libp2p/record'
import { selectPqCrypto } from '../../src/crypto/index.js'
import { createPqkCheck, createPqkValueCheck, DHT_REPLICATION, dhtRecordKey, DhtRecords, isWellCovered } from '../../src/dht/index.js'
import { createKeydirMetrics } from '../../src/metrics/index.js'
import { createRevocation, KeyRecordValidator, RevocationValidator, routingKeyFor } from '../../src/record/index.js'
import { makeIdentity, makeRecord } from '../helpers/records.js'
import type { PqkRecordCheck, PqkValueCheck } from '../../src/dht/index.js'
import type { KeydirMetrics } from '../../src/metrics/index.js'
import type { KeyRecord } from '../../src/record/index.js'
import type { KadDHT, QueryEvent } from '@libp2p/kad-dht'
import type { PeerId } from '@libp2p/interface'
import type { Datastore } from 'interface-datastore'

/**
 * DhtRecords over a scripted kad-dht: what a put's events say about its
 * coverage, and how a lookup ends at its first good answers.
 */

type Dht = Pick<KadDHT, 'get' | 'put'>

/** A kad-dht store holding `held` (datastore key → stored bytes); any other key is NotFound. */
function datastoreHolding (held = new Map<string, Uint8Array>()): Datastore {
  return {
    get: async (key: { toString: () => string }) => {
      const value = held.get(key.toString())
      if (value === undefined) throw Object.assign(new Error('Not Found'), { name: 'NotFoundError' })
      return value
    }
  } as unknown as Datastore
}

function records (dht: Partial<Dht>, quorum?: number, check: PqkRecordCheck | PqkValueCheck = createPqkCheck({ validator: new KeyRecordValidator({ crypto: selectPqCrypto() }), datastore: datastoreHolding() })): { records: DhtRecords, metrics: KeydirMetrics } {
  const metrics = createKeydirMetrics()
  return { records: new DhtRecords({ dht: dht as Dht, check, metrics }, { quorum }), metrics }
}

interface ScriptedAnswer {
  from: PeerId
  record: KeyRecord
  /** The routing key the answering peer put on its record; default the one asked for. */
  key?: Uint8Array
  /** kad-dht's value event for it, this long after its peer response (kad-dht reports it once validated and its closer peers queued). Default 0. */
  valueAfterMs?: number | 'never'
  /** This node's own store: a value event only, no peer response. */
  own?: boolean
}

/**
 * A get that reports `answers` `gapMs` apart, then ends, as kad-dht does: a
 * peer's answer is a peer-response event on arrival, and a value event once
 * kad-dht has validated it; this node's own store gives a value event only.
 */
function scriptedGet (answers: ScriptedAnswer[], gapMs = 5): { get: Dht['get'], aborted: () => boolean } {
  let aborted = false
  const get = async function * (key: Uint8Array, options: { signal?: AbortSignal, onProgress?: (event: Event) => void } = {}): AsyncGenerator<QueryEvent> {
    options.signal?.addEventListener('abort', () => { aborted = true })
    const values: Array<Promise<void>> = []
    for (const { from, record, key: answerKey, valueAfterMs = 0, own = false } of answers) {
      await new Promise(resolve => setTimeout(resolve, gapMs))
      if (options.signal?.aborted === true) return
      const value = (): void => { if (options.signal?.aborted !== true) options.onProgress?.(new CustomEvent('kad-dht:query:value', { detail: { from, value: record.bytes } })) }
      if (own) {
        value()
        continue
      }
      const libp2pRecord = new Libp2pRecord(answerKey ?? key, record.bytes, new Date())
      options.onProgress?.(new CustomEvent('kad-dht:query:peer-response', { detail: { from, messageName: 'GET_VALUE', record: libp2pRecord, closer: [], providers: [] } }))
      if (valueAfterMs !== 'never') values.push(new Promise(resolve => setTimeout(resolve, valueAfterMs)).then(value))
    }
    await Promise.all(values)
    // A query goes on a while after its last answer (the paths still running), as kad-dht's does.
    await new Promise(resolve => setTimeout(resolve, gapMs))
  }
  return { get, aborted: () => aborted }
}

async function refusals (metrics: KeydirMetrics, reason: string): Promise<number> {
  return (await metrics.verificationFailures.get()).values.find(v => v.labels.source === 'dht' && v.labels.reason === reason)?.value ?? 0
}

describe('DhtRecords', () => {
  test('a put\'s coverage counts the PUT_VALUEs sent and the peers that echoed the record back', async () => {
    const id = await makeIdentity()
    const record = await makeRecord(id)
    const other = await makeRecord(id, { seq: 2 })
    const [storerA, storerB] = [(await makeIdentity()).peerId, (await makeIdentity()).peerId]
    const events = [
      { name: 'SEND_QUERY', messageName: 'FIND_NODE' },
      { name: 'PEER_RESPONSE', messageName: 'FIND_NODE' },
      { name: 'SEND_QUERY', messageName: 'PUT_VALUE' },
      { name: 'SEND_QUERY', messageName: 'PUT_VALUE' },
      { name: 'SEND_QUERY', messageName: 'PUT_VALUE' },
      { name: 'SEND_QUERY', messageName: 'PUT_VALUE' },
      { name: 'PEER_RESPONSE', messageName: 'PUT_VALUE', record: { value: record.bytes }, from: storerA },
      { name: 'PEER_RESPONSE', messageName: 'PUT_VALUE', record: { value: record.bytes }, from: storerB },
      // kad-dht reports a peer that answered with another value, then flags it as an error.
      { name: 'PEER_RESPONSE', messageName: 'PUT_VALUE', record: { value: other.bytes } },
      { name: 'QUERY_ERROR' },
      { name: 'QUERY_ERROR' }
    ]
    const put = async function * (): AsyncGenerator<unknown> { yield * events }
    const { records: dht } = records({ put: put as unknown as Dht['put'] })
    assert.deepEqual(await dht.publish(record), { targeted: 4, stored: 2, storers: [storerA, storerB] })
  })

  test('a publish is well covered at half of the K closest, or of the peers known when fewer', () => {
    assert.equal(DHT_REPLICATION, 20)
    assert.equal(isWellCovered({ targeted: 20, stored: 10 }, 100), true)
    assert.equal(isWellCovered({ targeted: 20, stored: 9 }, 100), false)
    assert.equal(isWellCovered({ targeted: 3, stored: 3 }, 100), false, 'three holders in a large network is not enough, however few were found')
    assert.equal(isWellCovered({ targeted: 4, stored: 2 }, 4), true)
    assert.equal(isWellCovered({ targeted: 4, stored: 1 }, 4), false)
    assert.equal(isWellCovered({ targeted: 0, stored: 0 }, 0), true, 'with no DHT peers there is nobody to ask')
  })

  test('a lookup returns at the first valid answer and then ends the query', async () => {
    const id = await makeIdentity()
    const [a, b] = await Promise.all([makeIdentity(), makeIdentity()])
    const record = await makeRecord(id, { seq: 3 })
    const script = scriptedGet([{ from: a.peerId, record }, { from: b.peerId, record }], 20)
    const { records: dht } = records({ get: script.get })
    assert.equal((await dht.find(id.peerId)).seq, 3)
    await new Promise(resolve => setTimeout(resolve, 10))
    assert.equal(script.aborted(), true, 'the rest of the query is abandoned')
  })

  test('a valid revocation ends a lookup, unless the caller does not accept it (a pinned peer\'s forgery): then the lookup goes on', async () => {
    const id = await makeIdentity()
    const [a, b] = await Promise.all([makeIdentity(), makeIdentity()])
    const record = await makeRecord(id, { seq: 3 })
    const revocation = await createRevocation({ privateKey: id.privateKey, mlDsaSigner: id.mlDsaSigner })
    const crypto = selectPqCrypto()
    const check = createPqkValueCheck({ validator: new KeyRecordValidator({ crypto }), revocationValidator: new RevocationValidator({ crypto }), datastore: datastoreHolding() })
    const answers = [{ from: a.peerId, record: revocation as unknown as KeyRecord }, { from: b.peerId, record }]
    const taken = records({ get: scriptedGet(answers, 10).get }, 1, check).records
    assert.equal((await taken.findValue(id.peerId)).kind, 'revocation')
    await assert.rejects(taken.find(id.peerId), (err: any) => err.code === 'ERR_REVOKED')
    const { records: refusing, metrics } = records({ get: scriptedGet(answers, 10).get }, 1, check)
    const value = await refusing.findValue(id.peerId, { acceptRevocation: () => false })
    assert.equal(value.kind === 'record' && value.record.seq, 3)
    assert.equal(await refusals(metrics, 'ERR_REVOCATION_KEY_UNKNOWN'), 1)
  })

  test('with a quorum, waits for that many peers and takes the best of their records', async () => {
    const id = await makeIdentity()
    const [a, b] = await Promise.all([makeIdentity(), makeIdentity()])
    const older = await makeRecord(id, { seq: 1 })
    const newer = await makeRecord(id, { seq: 2 })
    const { records: dht, metrics } = records({ get: scriptedGet([{ from: a.peerId, record: older }, { from: b.peerId, record: newer }]).get }, 2)
    assert.equal((await dht.find(id.peerId)).seq, 2)
    assert.equal(await refusals(metrics, 'ERR_ROLLBACK'), 1, 'the stale copy someone still serves is counted')
  })

  test('an answer below the high-water mark never ends a lookup, and is counted', async () => {
    const id = await makeIdentity()
    const [a, b] = await Promise.all([makeIdentity(), makeIdentity()])
    const older = await makeRecord(id, { seq: 1 })
    const newer = await makeRecord(id, { seq: 5 })
    const { records: dht, metrics } = records({ get: scriptedGet([{ from: a.peerId, record: older }, { from: b.peerId, record: newer }]).get })
    assert.equal((await dht.find(id.peerId, { minSeq: 5 })).seq, 5)
    assert.equal(await refusals(metrics, 'ERR_ROLLBACK'), 1)
  })

  test('a lookup takes a peer\'s answer as it arrives, once checked, without waiting for kad-dht to report it valid', async () => {
    const id = await makeIdentity()
    const a = await makeIdentity()
    const record = await makeRecord(id, { seq: 4 })
    const { records: dht } = records({ get: scriptedGet([{ from: a.peerId, record, valueAfterMs: 'never' }]).get })
    assert.equal((await dht.find(id.peerId)).seq, 4)
  })

  test('an answer that fails the check, or is filed under another key, does not end a lookup', async () => {
    const id = await makeIdentity()
    const [a, b, c] = await Promise.all([makeIdentity(), makeIdentity(), makeIdentity()])
    const record = await makeRecord(id, { seq: 2 })
    const forged = Uint8Array.from(record.bytes)
    forged[forged.length - 1] ^= 1
    const { records: dht, metrics } = records({
      get: scriptedGet([
        // kad-dht drops both after its own check, so neither gets a value event
        { from: a.peerId, record: { ...record, bytes: forged }, valueAfterMs: 'never' },
        { from: b.peerId, record, key: routingKeyFor(c.peerId), valueAfterMs: 'never' },
        { from: c.peerId, record: await makeRecord(id, { seq: 1 }) }
      ]).get
    })
    assert.equal((await dht.find(id.peerId)).seq, 1, 'only the third answer counts')
    assert.equal(await refusals(metrics, 'ERR_BAD_ML_DSA_SIGNATURE'), 0, 'kad-dht\'s validator counts the refusal, not the lookup a second time')
  })

  test('a peer\'s answer counts once, though kad-dht reports it twice', async () => {
    const id = await makeIdentity()
    const [a, b, c] = await Promise.all([makeIdentity(), makeIdentity(), makeIdentity()])
    const older = await makeRecord(id, { seq: 1 })
    const newer = await makeRecord(id, { seq: 2 })
    const { records: dht, metrics } = records({ get: scriptedGet([{ from: b.peerId, record: newer }, { from: a.peerId, record: older, valueAfterMs: 1 }, { from: c.peerId, record: newer }], 30).get }, 3)
    assert.equal((await dht.find(id.peerId)).seq, 2, 'the lookup waited for the third peer')
    assert.equal(await refusals(metrics, 'ERR_ROLLBACK'), 1, 'the stale copy is counted once, not once per report')
  })

  test('an answer older than the record this node holds under the key does not end a lookup', async () => {
    const id = await makeIdentity()
    const [a, b] = await Promise.all([makeIdentity(), makeIdentity()])
    const older = await makeRecord(id, { seq: 1 })
    const newer = await makeRecord(id, { seq: 2 })
    const key = routingKeyFor(id.peerId)
    const held = datastoreHolding(new Map([[dhtRecordKey(key).toString(), new Libp2pRecord(key, newer.bytes, new Date()).serialize()]]))
    const check = createPqkCheck({ validator: new KeyRecordValidator({ crypto: selectPqCrypto() }), datastore: held })
    // kad-dht refuses the older one too, so it gets no value event
    const { records: dht } = records({ get: scriptedGet([{ from: a.peerId, record: older, valueAfterMs: 'never' }, { from: b.peerId, record: newer }]).get }, 1, check)
    assert.equal((await dht.find(id.peerId)).seq, 2)
  })

  test('an answer whose check has not settled is taken from kad-dht\'s value event', async () => {
    const id = await makeIdentity()
    const a = await makeIdentity()
    const record = await makeRecord(id, { seq: 3 })
    const pending: PqkRecordCheck = async () => new Promise(() => {})
    const { records: dht } = records({ get: scriptedGet([{ from: a.peerId, record }]).get }, 1, pending)
    assert.equal((await dht.find(id.peerId)).seq, 3)
  })

  test('this node\'s own store answers with a value event alone', async () => {
    const id = await makeIdentity()
    const self = await makeIdentity()
    const record = await makeRecord(id, { seq: 6 })
    const { records: dht } = records({ get: scriptedGet([{ from: self.peerId, record, own: true }]).get })
    assert.equal((await dht.find(id.peerId)).seq, 6)
  })

  test('this node\'s own store answers only with a record newer than the pin\'s: its copy (held since before a restart) cannot end the lookup', async () => {
    const id = await makeIdentity()
    const self = await makeIdentity()
    const peer = await makeIdentity()
    const held = await makeRecord(id, { seq: 6 })
    const fresh = await makeRecord(id, { seq: 9 })
    const answers = [{ from: self.peerId, record: held, own: true }, { from: peer.peerId, record: fresh }]
    const { records: plain } = records({ get: scriptedGet(answers).get })
    assert.equal((await plain.find(id.peerId, { minSeq: 6 })).seq, 6)
    const { records: skipping } = records({ get: scriptedGet(answers).get })
    assert.equal((await skipping.find(id.peerId, { minSeq: 6, self: self.peerId })).seq, 9)
    // A newer copy in the own store (a PUT the node took) still answers, and so does any copy when nothing is pinned.
    const { records: newer } = records({ get: scriptedGet([{ from: self.peerId, record: fresh, own: true }, { from: peer.peerId, record: held }]).get })
    assert.equal((await newer.find(id.peerId, { minSeq: 6, self: self.peerId })).seq, 9)
    const { records: unpinned } = records({ get: scriptedGet([{ from: self.peerId, record: held, own: true }]).get })
    assert.equal((await unpinned.find(id.peerId, { self: self.peerId })).seq, 6)
  })

  test('no valid answer is ERR_NOT_FOUND; a lookup cut short by its signal is ERR_RESOLVE_TIMEOUT', async () => {
    const id = await makeIdentity()
    const other = await makeIdentity()
    const foreign = await makeRecord(other)
    const { records: empty } = records({ get: scriptedGet([{ from: other.peerId, record: foreign }]).get })
    await assert.rejects(empty.find(id.peerId), (err: any) => err.name === 'ResolveError' && err.code === 'ERR_NOT_FOUND')
    const never = async function * (_key: Uint8Array, options: { signal?: AbortSignal } = {}): AsyncGenerator<QueryEvent> {
      await new Promise((_resolve, reject) => options.signal?.addEventListener('abort', () => { reject(new Error('aborted')) }))
    }
    const { records: slow } = records({ get: never })
    await assert.rejects(slow.find(id.peerId, { signal: AbortSignal.timeout(30) }), (err: any) => err.code === 'ERR_RESOLVE_TIMEOUT')
  })
})
