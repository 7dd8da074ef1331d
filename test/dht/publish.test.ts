import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { Libp2pRecord } from '@libp2p/record'
import { DHT_REPLICATION, dhtRecordKey, DhtRecords, isWellCovered, type DhtPeers } from '../../src/dht/index.js'
import { KeydirError } from '../../src/errors.js'
import { createKeydirMetrics } from '../../src/metrics/index.js'
import { mlDsaRoutingKey, routingKeyFor } from '../../src/record/index.js'
import { makeIdentity, makeRecord } from '../helpers/records.js'
import type { KadDHT } from '@libp2p/kad-dht'

/** DhtRecords over a scripted kad-dht put: what a put's events say about its coverage. */

type Dht = Pick<KadDHT, 'put'>

function records (dht: Dht): { records: DhtRecords } {
  return { records: new DhtRecords({ dht, metrics: createKeydirMetrics() }) }
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

  test('a publish puts the record under its PeerId\'s key and under its ML-DSA PeerId\'s key; the coverage is the PeerId key\'s', async () => {
    const record = await makeRecord(await makeIdentity())
    const storer = (await makeIdentity()).peerId
    const keys: string[] = []
    const put = async function * (key: Uint8Array): AsyncGenerator<unknown> {
      keys.push(Buffer.from(key).toString('hex'))
      yield { name: 'SEND_QUERY', messageName: 'PUT_VALUE' }
      // The second key's put fails: the publish still reports the first's coverage.
      if (Buffer.from(key).equals(mlDsaRoutingKey(record.mlDsaPublicKey))) throw new Error('no peer took it')
      yield { name: 'PEER_RESPONSE', messageName: 'PUT_VALUE', record: { value: record.bytes }, from: storer }
    }
    const metrics = createKeydirMetrics()
    const dht = new DhtRecords({ dht: { put: put as unknown as Dht['put'] }, metrics })
    assert.deepEqual(await dht.publish(record), { targeted: 1, stored: 1, storers: [storer] })
    assert.deepEqual(keys.sort(), [routingKeyFor(record.peerId), mlDsaRoutingKey(record.mlDsaPublicKey)].map(key => Buffer.from(key).toString('hex')).sort())
    // The failed second put is counted apart.
    const published = Object.fromEntries((await metrics.recordsPublished.get()).values.map(v => [String(v.labels.result), v.value]))
    assert.deepEqual(published, { success: 1, failure: 0, ml_dsa_peer_id_failure: 1 })
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

  describe('on a node with no DHT peers', () => {
    /** kad-dht's put on an empty routing table: it waits for a peer until its signal ends it. */
    const waitingPut = (async function * (_key: Uint8Array, _value: Uint8Array, options: { signal?: AbortSignal }) {
      await new Promise((_resolve, reject) => {
        if (options.signal?.aborted === true) reject(new Error('aborted'))
        options.signal?.addEventListener('abort', () => { reject(new Error('aborted')) })
      })
      yield * []
    }) as unknown as Dht['put']
    const peers = (connections: number, size = 0): DhtPeers => ({
      routingTable: { size, addEventListener: () => {}, removeEventListener: () => {} },
      connections: () => connections,
      bootstrapPeers: 0
    })

    test('a put with no DHT peer and no connection fails at once with ERR_NO_PEERS, which says to give it --bootstrap', async () => {
      const record = await makeRecord(await makeIdentity())
      const dht = new DhtRecords({ dht: { put: waitingPut }, metrics: createKeydirMetrics(), peers: peers(0) })
      await assert.rejects(dht.publish(record), (err: any) => err.code === 'ERR_NO_PEERS' && /no DHT peers and no connections; start it with --bootstrap/.test(err.message))
    })

    test('alone, the value still goes into the node\'s own DHT store, to serve once peers come; a node with bootstrap peers is told they are not connected yet', async () => {
      const record = await makeRecord(await makeIdentity())
      const written: Array<[string, Uint8Array]> = []
      const datastore = { put: async (key: { toString: () => string }, value: Uint8Array) => { written.push([key.toString(), value]); return key } } as any
      const dht = new DhtRecords({ dht: { put: waitingPut }, metrics: createKeydirMetrics(), peers: { ...peers(0), bootstrapPeers: 2 }, datastore })
      await assert.rejects(dht.publish(record), (err: any) => err.code === 'ERR_NO_PEERS' && /not connected to any of its 2 bootstrap peers yet/.test(err.message))
      // Under the PeerId's key and under the ML-DSA PeerId's key.
      assert.deepEqual(written.map(([key]) => key).sort(), [dhtRecordKey(routingKeyFor(record.peerId)).toString(), dhtRecordKey(mlDsaRoutingKey(record.mlDsaPublicKey)).toString()].sort())
      for (const [, value] of written) assert.deepEqual(Libp2pRecord.deserialize(value).value, record.bytes)
    })

    test('a put that timed out while connected peers never joined the DHT is ERR_NO_PEERS too; with DHT peers, ERR_PUBLISH_TIMEOUT', async () => {
      const record = await makeRecord(await makeIdentity())
      const timedOut = (): AbortSignal => AbortSignal.abort(new KeydirError('ERR_PUBLISH_TIMEOUT', 'publishing took longer than 60 s'))
      const connected = new DhtRecords({ dht: { put: waitingPut }, metrics: createKeydirMetrics(), peers: peers(2) })
      await assert.rejects(connected.publish(record, { signal: timedOut() }), (err: any) => err.code === 'ERR_NO_PEERS' && /connected to 2 peers, but none of them joined its DHT/.test(err.message))
      const joined = new DhtRecords({ dht: { put: waitingPut }, metrics: createKeydirMetrics(), peers: peers(2, 5) })
      await assert.rejects(joined.publish(record, { signal: timedOut() }), (err: any) => err.code === 'ERR_PUBLISH_TIMEOUT')
      await assert.rejects(joined.publish(record, { signal: AbortSignal.timeout(1) }), (err: any) => err.code === 'ERR_PUBLISH_TIMEOUT')
    })
  })
})
