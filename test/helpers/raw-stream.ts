import { concat, encodeVarint } from './protobuf-wire.js'
import type { Libp2p, PeerId, Stream } from '@libp2p/interface'

/**
 * Raw bytes over a libp2p protocol stream, for attacks that no well-behaved
 * client would send: malformed or oversized messages, slow dribbles,
 * streams opened and left idle.
 */

export interface RawExchange {
  /** Everything the remote sent back before the stream ended. */
  reply: Uint8Array
  /** True when the remote reset (aborted) the stream rather than closing it. */
  reset: boolean
}

/** A varint length prefix then `body`, as length-prefixed protobuf streams frame a message. */
export function framed (body: Uint8Array, claimedLength = body.length): Uint8Array {
  return concat([encodeVarint(claimedLength), body])
}

/** Resolves when `stream` has closed, with what it received and whether it was reset. */
export async function streamEnd (stream: Stream, options: { timeoutMs?: number } = {}): Promise<RawExchange> {
  const chunks: Uint8Array[] = []
  // Already over (a reset can land before the caller gets here): no close event will come.
  if (stream.status === 'closed' || stream.status === 'aborted' || stream.status === 'reset') {
    return { reply: new Uint8Array(0), reset: stream.status !== 'closed' }
  }
  stream.addEventListener('message', event => { chunks.push(event.data.subarray()) })
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { reject(new Error(`the stream was still open after ${options.timeoutMs} ms`)) }, options.timeoutMs ?? 30_000)
    stream.addEventListener('close', event => {
      clearTimeout(timer)
      const reply = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0))
      let offset = 0
      for (const c of chunks) { reply.set(c, offset); offset += c.length }
      resolve({ reply, reset: event.error != null })
    }, { once: true })
  })
}

/** Open `protocol` to `peer`, send `bytes` (unless empty), close our end, and wait for the remote to end the stream. */
export async function sendRaw (from: Pick<Libp2p, 'dialProtocol'>, peer: PeerId, protocol: string, bytes: Uint8Array, options: { timeoutMs?: number, keepOpen?: boolean } = {}): Promise<RawExchange> {
  const stream = await from.dialProtocol(peer, protocol, { signal: AbortSignal.timeout(10_000) })
  const ended = streamEnd(stream, options)
  if (bytes.length > 0) stream.send(bytes)
  if (options.keepOpen !== true) await stream.close().catch(() => {})
  return ended
}
