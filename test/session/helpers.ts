import { Uint8ArrayList } from 'uint8arraylist'
import type { Stream } from '@libp2p/interface'

/** Echo every byte back, then close the writable end when the peer closes its own. */
export async function echo (stream: Stream): Promise<void> {
  for await (const chunk of stream) {
    if (!stream.send(chunk)) await stream.onDrain()
  }
  await stream.close()
}

/** Send `data` (in pieces of `piece` bytes), then close for writing. */
export async function sendAll (stream: Stream, data: Uint8Array, piece = 100_000): Promise<void> {
  for (let offset = 0; offset < data.byteLength; offset += piece) {
    if (!stream.send(data.subarray(offset, offset + piece))) await stream.onDrain()
  }
  await stream.close()
}

/** Everything the stream delivers until the peer closes. */
export async function readAll (stream: Stream): Promise<Uint8Array> {
  const all = new Uint8ArrayList()
  for await (const chunk of stream) all.append(chunk)
  return all.subarray()
}
