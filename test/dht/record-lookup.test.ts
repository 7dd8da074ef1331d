import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { DHT_REPLICATION, DhtRecords, isWellCovered } from '../../src/dht/index.js'
import { createKeydirMetrics } from '../../src/metrics/index.js'
import { makeIdentity, makeRecord } from '../helpers/records.js'
import type { KeydirMetrics } from '../../src/metrics/index.js'
import type { KeyRecord } from '../../src/record/index.js'
import type { KadDHT, QueryEvent } from '@libp2p/kad-dht'
import type { PeerId } from '@libp2p/interface'

/**
 * DhtRecords over a scripted kad-dht: what a put's events say about its
 * coverage, and how a lookup ends at its first good answers.
 */

type Dht = Pick<KadDHT, 'get' | 'put'>

function records (dht: Partial<Dht>, quorum?: number): { records: DhtRecords, metrics: KeydirMetrics } {
  const metrics = createKeydirMetrics()
  return { records: new DhtRecords({ dht: dht as Dht, metrics }, { quorum }), metrics }
}

/** A get that reports `answers` as value events (as kad-dht does after validating them), `gapMs` apart, then ends. */
function scriptedGet (answers: Array<{ from: PeerId, record: KeyRecord }>, gapMs = 5): { get: Dht['get'], aborted: () => boolean } {
  let aborted = false
  const get = async function * (_key: Uint8Array, options: { signal?: AbortSignal, onProgress?: (event: Event) => void } = {}): AsyncGenerator<QueryEvent> {
    options.signal?.addEventListener('abort', () => { aborted = true })
    for (const { from, record } of answers) {
      await new Promise(resolve => setTimeout(resolve, gapMs))
      if (options.signal?.aborted === true) return
      options.onProgress?.(new CustomEvent('kad-dht:query:value', { detail: { from, value: record.bytes } }))
    }
  }
  return { get: get as unknown as Dht['get'], aborted: () => aborted }
}

async function refusals (metrics: KeydirMetrics, reason: string): Promise<number> {
  return (await metrics.verificationFailures.get()).values.find(v => v.labels.source === 'dht' && v.labels.reason === reason)?.value ?? 0
}

describe('DhtRecords', () => {
  test('a put\'s coverage counts the PUT_VALUEs sent and the peers that echoed the record back', async () => {
    const id = await makeIdentity()
    const record = await makeRecord(id)
    const other = await makeRecord(id, { seq: 2 })
    const events = [
      { name: 'SEND_QUERY', messageName: 'FIND_NODE' },
      { name: 'PEER_RESPONSE', messageName: 'FIND_NODE' },
      { name: 'SEND_QUERY', messageName: 'PUT_VALUE' },
      { name: 'SEND_QUERY', messageName: 'PUT_VALUE' },
      { name: 'SEND_QUERY', messageName: 'PUT_VALUE' },
      { name: 'SEND_QUERY', messageName: 'PUT_VALUE' },
      { name: 'PEER_RESPONSE', messageName: 'PUT_VALUE', record: { value: record.bytes } },
      { name: 'PEER_RESPONSE', messageName: 'PUT_VALUE', record: { value: record.bytes } },
      // kad-dht reports a peer that answered with another value, then flags it as an error.
      { name: 'PEER_RESPONSE', messageName: 'PUT_VALUE', record: { value: other.bytes } },
      { name: 'QUERY_ERROR' },
      { name: 'QUERY_ERROR' }
    ]
    const put = async function * (): AsyncGenerator<unknown> { yield * events }
    const { records: dht } = records({ put: put as unknown as Dht['put'] })
    assert.deepEqual(await dht.publish(record), { targeted: 4, stored: 2 })
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

  test('no valid answer is ERR_NOT_FOUND; a lookup cut short by its signal is ERR_RESOLVE_TIMEOUT', async () => {
    const id = await makeIdentity()
    const other = await makeIdentity()
    const foreign = await makeRecord(other)
    const { records: empty } = records({ get: scriptedGet([{ from: other.peerId, record: foreign }]).get })
    await assert.rejects(empty.find(id.peerId), (err: any) => err.name === 'ResolveError' && err.code === 'ERR_NOT_FOUND')
    const never = async function * (_key: Uint8Array, options: { signal?: AbortSignal } = {}): AsyncGenerator<QueryEvent> {
      await new Promise((_resolve, reject) => options.signal?.addEventListener('abort', () => { reject(new Error('aborted')) }))
    }
    const { records: slow } = records({ get: never as unknown as Dht['get'] })
    await assert.rejects(slow.find(id.peerId, { signal: AbortSignal.timeout(30) }), (err: any) => err.code === 'ERR_RESOLVE_TIMEOUT')
  })
})
