import { Libp2pRecord } from '@libp2p/record'
import { DHT_PROTOCOL } from '../../src/dht/index.js'
import { encodeFields, parseFields } from './protobuf-wire.js'
import { framed, sendRaw } from './raw-stream.js'
import type { Libp2p, PeerId } from '@libp2p/interface'

/**
 * Kademlia messages built by hand, to talk to one chosen DHT node the way an
 * attacker would: a PUT_VALUE of any bytes straight to it, a GET_VALUE to
 * see what it serves. kad-dht's own Message codec is not exported; the wire
 * format is its dht.proto (type = 1, key = 2, record = 3, closer = 8).
 */

export const PUT_VALUE = 0
export const GET_VALUE = 1

export function kadMessage (type: number, key: Uint8Array, record?: Uint8Array): Uint8Array {
  const fields = [
    { field: 1, wireType: 0, value: Uint8Array.of(type) },
    { field: 2, wireType: 2, value: key }
  ]
  if (record !== undefined) fields.push({ field: 3, wireType: 2, value: record })
  return encodeFields(fields)
}

/** The record value in a framed kad response, if it holds one. */
function recordValue (reply: Uint8Array): Uint8Array | undefined {
  // Skip the length prefix (a varint), then find field 3.
  let offset = 0
  while (offset < reply.length && (reply[offset] & 0x80) !== 0) offset++
  const fields = parseFields(reply.subarray(offset + 1))
  const record = fields?.find(f => f.field === 3 && f.wireType === 2)
  return record === undefined ? undefined : Libp2pRecord.deserialize(record.value).value
}

/**
 * PUT_VALUE `value` under `key` straight to `peer`: true when it stored it
 * (it echoes the message), false when it refused (it resets the stream
 * without an answer). kad-dht resets the stream after an answer too, when we
 * close our end, so the answer is what counts.
 */
export async function dhtPut (from: Pick<Libp2p, 'dialProtocol'>, peer: PeerId, key: Uint8Array, value: Uint8Array, protocol = DHT_PROTOCOL): Promise<boolean> {
  const record = new Libp2pRecord(key, value, new Date()).serialize()
  const result = await sendRaw(from, peer, protocol, framed(kadMessage(PUT_VALUE, key, record)))
  return result.reply.length > 0
}

/** GET_VALUE `key` from `peer`: the value it serves, or undefined. */
export async function dhtGet (from: Pick<Libp2p, 'dialProtocol'>, peer: PeerId, key: Uint8Array, protocol = DHT_PROTOCOL): Promise<Uint8Array | undefined> {
  const result = await sendRaw(from, peer, protocol, framed(kadMessage(GET_VALUE, key)))
  return result.reply.length === 0 ? undefined : recordValue(result.reply)
}
