import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { DHT_REPLICATION, DhtRecords, isWellCovered } from '../../src/dht/index.js'
import { createKeydirMetrics } from '../../src/metrics/index.js'
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

  test('a publish is well covered at half of the K closest, or of the peers known when fewer', () => {
    assert.equal(DHT_REPLICATION, 20)
    assert.equal(isWellCovered({ targeted: 20, stored: 10 }, 100), true)
    assert.equal(isWellCovered({ targeted: 20, stored: 9 }, 100), false)
    assert.equal(isWellCovered({ targeted: 3, stored: 3 }, 100), false, 'three holders in a large network is not enough, however few were found')
    assert.equal(isWellCovered({ targeted: 4, stored: 2 }, 4), true)
    assert.equal(isWellCovered({ targeted: 4, stored: 1 }, 4), false)
    assert.equal(isWellCovered({ targeted: 0, stored: 0 }, 0), true, 'with no DHT peers there is nobody to ask')
  })
})
