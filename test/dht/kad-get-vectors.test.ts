import assert from 'node:assert/strict'
import { readFile } from 'node:fs/promises'
import { describe, it } from 'node:test'
import { fromString as uint8ArrayFromString } from 'uint8arrays/from-string'
import { toString as uint8ArrayToString } from 'uint8arrays/to-string'
import { KadGetValue } from '../../protobuf/kad-get.js'
import { decodeKadAnswer } from '../../src/dht/index.js'
import { dhtPeerInfoMapper } from '../../src/node/libp2p.js'

/**
 * test/vectors/kad-get.json: the code encodes the committed request, and
 * decodeKadAnswer reads the answers as written down (that the generator
 * rewrites the file byte for byte is test/vectors/reproducible.test.ts).
 */
describe('golden GET_VALUE vectors', () => {
  it('the code encodes the request and decodes the answer as the file says', async () => {
    const committed = JSON.parse(await readFile(new URL('../../../test/vectors/kad-get.json', import.meta.url), 'utf8')) as { key: string, request: string, answer: string, decoded: { recordValue: string, closerPeers: unknown } }
    const hex = (bytes: Uint8Array): string => uint8ArrayToString(bytes, 'base16')
    const key = uint8ArrayFromString(committed.key, 'base16')
    assert.equal(hex(KadGetValue.encode({ type: 1, key, record: new Uint8Array(0), closerPeers: [] })), committed.request)
    const answer = decodeKadAnswer(uint8ArrayFromString(committed.answer, 'base16'), key, dhtPeerInfoMapper(true))
    assert.equal(hex(answer.value!), committed.decoded.recordValue)
    assert.deepEqual(answer.closer.map(p => ({ id: hex(p.id.toMultihash().bytes), addrs: p.multiaddrs.map(a => a.toString()) })), committed.decoded.closerPeers)
  })

  it('refuses each invalid answer with its code', async () => {
    const committed = JSON.parse(await readFile(new URL('../../../test/vectors/kad-get.json', import.meta.url), 'utf8')) as { key: string, invalid: Array<{ name: string, answer: string, error: string }> }
    const key = uint8ArrayFromString(committed.key, 'base16')
    assert.ok(committed.invalid.length > 0)
    for (const vector of committed.invalid) {
      assert.throws(() => decodeKadAnswer(uint8ArrayFromString(vector.answer, 'base16'), key, dhtPeerInfoMapper(true)), (err: any) => {
        assert.equal(err.code, vector.error, vector.name)
        return true
      })
    }
  })
})
