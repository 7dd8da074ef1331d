import { randomBytes } from 'node:crypto'
import { Libp2pRecord } from '@libp2p/record'
import { multiaddr } from '@multiformats/multiaddr'
import { DHT_PROTOCOL } from '../../src/dht/index.js'
import { startPermissiveNode } from './hostile-node.js'
import { concat, encodeFields, encodeVarint, parseFields } from './protobuf-wire.js'
import { streamEnd } from './raw-stream.js'
import type { BaseLibp2p } from '../../src/node/libp2p.js'
import type { PeerId, Stream } from '@libp2p/interface'

/**
 * A node on the keydir DHT whose Kademlia handler answers every query with
 * garbage, each answer of the next kind in turn: noise, a bad length
 * prefix, a record of random bytes under the right key, a record under
 * another key, a record that does not deserialize, closer peers that are no
 * peers, an empty message.
 */

export const GARBAGE_KINDS = ['noise', 'bad-length', 'random-value', 'wrong-key', 'broken-record', 'bogus-closer-peers', 'empty'] as const
export type GarbageKind = typeof GARBAGE_KINDS[number]

export interface GarbageDhtNode {
  libp2p: BaseLibp2p
  peerId: PeerId
  multiaddr: string
  /** How many answers of each kind it has sent. */
  sent: Map<GarbageKind, number>
  stop (): Promise<void>
}

function field (n: number, wireType: number, value: Uint8Array): { field: number, wireType: number, value: Uint8Array } {
  return { field: n, wireType, value }
}

function garbageFor (kind: GarbageKind, type: number, key: Uint8Array): Uint8Array {
  const message = (...rest: ReturnType<typeof field>[]): Uint8Array => {
    const body = encodeFields([field(1, 0, encodeVarint(type)), field(2, 2, key), ...rest])
    return concat([encodeVarint(body.length), body])
  }
  switch (kind) {
    case 'noise': {
      const body = randomBytes(1 + Math.floor(Math.random() * 300))
      return concat([encodeVarint(body.length), body])
    }
    case 'bad-length':
      return concat([encodeVarint(2 ** 40), randomBytes(64)])
    case 'random-value':
      return message(field(3, 2, new Libp2pRecord(key, randomBytes(200 + Math.floor(Math.random() * 7000)), new Date()).serialize()))
    case 'wrong-key':
      return message(field(3, 2, new Libp2pRecord(concat([key, Uint8Array.of(1)]), randomBytes(100), new Date()).serialize()))
    case 'broken-record':
      return message(field(3, 2, randomBytes(150)))
    case 'bogus-closer-peers':
      return message(
        field(8, 2, encodeFields([field(1, 2, randomBytes(34)), field(2, 2, randomBytes(20))])),
        field(8, 2, encodeFields([field(1, 2, new Uint8Array(0)), field(3, 0, encodeVarint(99))]))
      )
    case 'empty':
      return message()
  }
}

/** Read the request's type and key, if it parses; the answer does not care much. */
function requestOf (bytes: Uint8Array): { type: number, key: Uint8Array } {
  let offset = 0
  while (offset < bytes.length && (bytes[offset] & 0x80) !== 0) offset++
  const fields = parseFields(bytes.subarray(offset + 1)) ?? []
  const type = fields.find(f => f.field === 1)?.value[0] ?? 1
  const key = fields.find(f => f.field === 2)?.value ?? new Uint8Array(0)
  return { type, key }
}

export async function startGarbageDhtNode (bootstrap: string[]): Promise<GarbageDhtNode> {
  const { libp2p, stop } = await startPermissiveNode('keydir-garbage-dht-')
  const sent = new Map<GarbageKind, number>()
  let next = 0
  await libp2p.unhandle(DHT_PROTOCOL)
  await libp2p.handle(DHT_PROTOCOL, async (stream: Stream) => {
    const received: Uint8Array[] = []
    stream.addEventListener('message', event => {
      received.push(event.data.subarray())
      if (received.length !== 1) return
      const kind = GARBAGE_KINDS[next++ % GARBAGE_KINDS.length]
      sent.set(kind, (sent.get(kind) ?? 0) + 1)
      const { type, key } = requestOf(received[0])
      try {
        stream.send(garbageFor(kind, type, key))
        void stream.close().catch(() => {})
      } catch {
        stream.abort(new Error('garbage node could not answer'))
      }
    })
    await streamEnd(stream, { timeoutMs: 60_000 }).catch(() => { stream.abort(new Error('garbage node gave up')) })
  }, { maxInboundStreams: 256 })
  for (const address of bootstrap) {
    await libp2p.dial(multiaddr(address))
  }
  return {
    libp2p,
    peerId: libp2p.peerId,
    multiaddr: libp2p.getMultiaddrs()[0].toString(),
    sent,
    stop
  }
}
