import { Libp2pRecord } from '@libp2p/record'
import { pbStream } from '@libp2p/utils'
import { equals as uint8ArrayEquals } from 'uint8arrays/equals'
import { KadPutValue } from '../../protobuf/kad-put.js'
import { routingKeyFor } from '../record/index.js'
import { MAX_KAD_MESSAGE_BYTES } from './constants.js'
import type { KeyRecord } from '../record/index.js'
import type { AbortOptions, PeerId } from '@libp2p/interface'
import type { ConnectionManager } from '@libp2p/interface-internal'

/** One put to one peer may take this long. */
const PUT_TIMEOUT_MS = 10_000
/** Puts on the wire at once. */
const PUT_CONCURRENCY = 8

export interface DirectPutComponents {
  connectionManager: Pick<ConnectionManager, 'openConnection'>
}

/**
 * PUT_VALUE `record` to each of `peers` (the DHT protocol `protocol`), not
 * only to the closest set a kad-dht put finds: after a rotation, peers that
 * stored the previous record but are no longer among the closest would
 * otherwise serve the old key until it expires. A peer stored it when it
 * echoes the record back (kad-dht answers a refused PUT by resetting the
 * stream). Returns how many did; a failure to reach one is not an error.
 * `options.key`: the DHT key to put under; default the record's PeerId's.
 */
export async function putToPeers (components: DirectPutComponents, protocol: string, peers: PeerId[], record: KeyRecord, options: AbortOptions & { key?: Uint8Array } = {}): Promise<number> {
  // A lookup under the ML-DSA PeerId's key corrects its answerers under that key.
  const key = options.key ?? routingKeyFor(record.peerId)
  const message: KadPutValue = {
    type: 0,
    key: key as Uint8Array<ArrayBuffer>,
    record: new Libp2pRecord(key, record.bytes, new Date()).serialize() as Uint8Array<ArrayBuffer>
  }
  let stored = 0
  let next = 0
  const worker = async (): Promise<void> => {
    while (next < peers.length && options.signal?.aborted !== true) {
      const peer = peers[next++]
      if (await putToPeer(components, protocol, peer, message, options).catch(() => false)) stored++
    }
  }
  await Promise.all(Array.from({ length: Math.min(PUT_CONCURRENCY, peers.length) }, worker))
  return stored
}

async function putToPeer (components: DirectPutComponents, protocol: string, peer: PeerId, message: KadPutValue, options: AbortOptions): Promise<boolean> {
  const signal = AbortSignal.any([options.signal ?? new AbortController().signal, AbortSignal.timeout(PUT_TIMEOUT_MS)])
  const connection = await components.connectionManager.openConnection(peer, { signal })
  const stream = await connection.newStream(protocol, { signal })
  try {
    const pb = pbStream(stream, { maxDataLength: MAX_KAD_MESSAGE_BYTES })
    await pb.write(message, KadPutValue, { signal })
    const echo = await pb.read(KadPutValue, { signal })
    await stream.close({ signal })
    return uint8ArrayEquals(Libp2pRecord.deserialize(echo.record).value, Libp2pRecord.deserialize(message.record).value)
  } catch (err) {
    stream.abort(err as Error)
    return false
  }
}
