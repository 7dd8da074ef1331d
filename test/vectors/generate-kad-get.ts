import { writeFile } from 'node:fs/promises'
import { Libp2pRecord } from '@libp2p/record'
import { multiaddr } from '@multiformats/multiaddr'
import { toString as uint8ArrayToString } from 'uint8arrays/to-string'
import { KadGetValue } from '../../protobuf/kad-get.js'

/**
 * The GET_VALUE keydir's lookup sends and an answer it reads
 * (docs/record-format.md, "Rotation and the DHT"): fixed bytes, no
 * randomness, so that another implementation can check its encoder and
 * decoder against them. The answer's record value is opaque here (the
 * `/pqk/` checks that follow are the key-record vectors' business); the
 * record's timeReceived is fixed.
 */
export function kadGetVectors (): Record<string, unknown> {
  const peerMultihash = new Uint8Array([0x00, 0x24, 0x08, 0x01, 0x12, 0x20, ...Array.from({ length: 32 }, (_, i) => i)])
  const key = new Uint8Array([...new TextEncoder().encode('/pqk/'), ...peerMultihash])
  const request = KadGetValue.encode({ type: 1, key, record: new Uint8Array(0), closerPeers: [] })
  const closerId = new Uint8Array([0x00, 0x24, 0x08, 0x01, 0x12, 0x20, ...Array.from({ length: 32 }, (_, i) => 255 - i)])
  const address = multiaddr('/ip4/192.0.2.7/tcp/7358')
  const value = new TextEncoder().encode('a /pqk/ value: a KeyRecord, a revocation or a proof')
  const record = new Libp2pRecord(key, value, new Date(Date.UTC(2026, 11, 6, 12, 0, 0))).serialize()
  const answer = KadGetValue.encode({ type: 1, key, record: record as Uint8Array<ArrayBuffer>, closerPeers: [{ id: closerId, addrs: [address.bytes], connection: 0 }] })
  const hex = (bytes: Uint8Array): string => uint8ArrayToString(bytes, 'base16')
  const otherKey = new Uint8Array([...new TextEncoder().encode('/pqk/'), ...closerId])
  const otherRecord = new Libp2pRecord(otherKey, value, new Date(Date.UTC(2026, 11, 6, 12, 0, 0))).serialize()
  return {
    description: 'A GET_VALUE request for /pqk/<PeerId> and an answer with a record and one closer peer; each is one Kademlia message, sent with a varint length prefix (not included here).',
    key: hex(key),
    request: hex(request),
    answer: hex(answer),
    decoded: {
      recordKey: hex(key),
      recordValue: hex(value),
      closerPeers: [{ id: hex(closerId), addrs: [address.toString()] }]
    },
    // Answers to the same request that keydir refuses (counted against the peer that sent them).
    invalid: [
      {
        name: 'a record under another /pqk/ key',
        rule: 'the answer\'s record carries the key asked for',
        answer: hex(KadGetValue.encode({ type: 1, key, record: otherRecord as Uint8Array<ArrayBuffer>, closerPeers: [] })),
        error: 'ERR_DHT_BAD_ANSWER'
      },
      { name: 'truncated', rule: 'a Kademlia message', answer: hex(answer.subarray(0, 40)), error: 'ERR_DHT_BAD_ANSWER' }
    ]
  }
}

/** Write test/vectors/kad-get.json; returns its path. */
export async function writeKadGetVectors (): Promise<string> {
  const out = new URL('../../../test/vectors/kad-get.json', import.meta.url)
  await writeFile(out, JSON.stringify(kadGetVectors(), null, 2) + '\n')
  return out.pathname
}
