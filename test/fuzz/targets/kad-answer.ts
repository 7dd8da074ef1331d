import { Libp2pRecord } from '@libp2p/record'
import { multiaddr } from '@multiformats/multiaddr'
import fc from 'fast-check'
import { KadGetValue } from '../../../protobuf/kad-get.js'
import { decodeKadAnswer } from '../../../src/dht/index.js'
import { dhtPeerInfoMapper } from '../../../src/node/libp2p.js'
import { routingKeyFor } from '../../../src/record/index.js'
import { corpus } from '../corpus.js'
import { attempt, Outcomes } from '../harness.js'
import { hostileCase } from '../mutate.js'
import type { FuzzTarget } from '../harness.js'

const ANSWER_ERRORS = ['MalformedAnswer']

/**
 * decodeKadAnswer, the only reader of another DHT node's GET_VALUE answer
 * in keydir's lookup, over mutated answers (a record and closer peers, as
 * keydir and kad-dht nodes send them) and noise: every refusal a typed
 * MalformedAnswer (ERR_DHT_BAD_ANSWER); an accepted answer names at most 20
 * closer peers with at most 16 addresses each, and a value only when the
 * answer's record is filed under the key asked for; inputs are never
 * modified.
 */
export const kadAnswerTarget: FuzzTarget = {
  name: 'kad-answer',
  description: 'decodeKadAnswer on mutated GET_VALUE answers (records, closer peers, addresses) and noise',
  ciRuns: 1500,
  async prepare () {
    const c = await corpus()
    const outcomes = new Outcomes()
    const key = routingKeyFor(c.peers[0].peerId)
    const peer = (i: number): KadGetValue.Peer => ({
      id: c.peers[i % c.peers.length].peerId.toMultihash().bytes,
      addrs: [multiaddr(`/ip4/127.0.0.1/tcp/${4000 + i}`).bytes, multiaddr(`/ip6/::1/tcp/${5000 + i}`).bytes],
      connection: 0
    })
    const answer = (record: Uint8Array | undefined, closer: number, underKey = key): Uint8Array => KadGetValue.encode({
      type: 1,
      key: key as Uint8Array<ArrayBuffer>,
      record: (record === undefined ? new Uint8Array(0) : new Libp2pRecord(underKey, record, new Date()).serialize()) as Uint8Array<ArrayBuffer>,
      closerPeers: Array.from({ length: closer }, (_, i) => peer(i))
    })
    const seeds = [
      answer(c.records[0].bytes, 3),
      answer(undefined, 20),
      answer(c.records[1].bytes, 0),
      answer(c.records[0].bytes, 2, routingKeyFor(c.peers[1].peerId)),
      answer(undefined, 25)
    ]
    const mapper = dhtPeerInfoMapper(true)
    const property = fc.property(hostileCase(seeds, { maxNoise: 512 }), ({ bytes }) => {
      const before = Uint8Array.from(bytes)
      const result = attempt(outcomes, 'decode', () => decodeKadAnswer(bytes, key, mapper), ANSWER_ERRORS)
      if (result.ok) {
        const { value, closer } = result.value
        if (closer.length > 20) throw new Error(`${closer.length} closer peers taken`)
        if (closer.some(p => p.multiaddrs.length === 0 || p.multiaddrs.length > 16)) throw new Error('a closer peer without addresses, or with more than 16')
        if (value !== undefined) {
          const decoded = KadGetValue.decode(bytes)
          if (!Buffer.from(Libp2pRecord.deserialize(decoded.record).key).equals(Buffer.from(key))) throw new Error('a value filed under another key was taken')
        }
      }
      if (!Buffer.from(before).equals(Buffer.from(bytes))) throw new Error('the input was modified')
      return true
    })
    return { property, outcomes }
  }
}
