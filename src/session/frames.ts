import { lpStream, type LengthPrefixedStream } from '@libp2p/utils'
import { Uint8ArrayList } from 'uint8arraylist'
import { SessionError } from '../errors.js'
import { MAX_NOISE_MESSAGE_BYTES } from './constants.js'
import type { Stream } from '@libp2p/interface'

/**
 * Noise's framing over a libp2p stream: each message a 2-byte big-endian
 * length, then that many bytes (at most 65535). Handshake messages are read
 * through this; the transport (secure-stream.ts) decodes the same frames.
 */

export function encodeLength (length: number): Uint8Array {
  const out = new Uint8Array(2)
  new DataView(out.buffer).setUint16(0, length)
  return out
}
encodeLength.bytes = 2

export function decodeLength (data: Uint8ArrayList | Uint8Array): number {
  if (data.byteLength < 2) throw new RangeError('a frame length is 2 bytes')
  return data instanceof Uint8Array ? (data[0] << 8) | data[1] : data.getUint16(0)
}
decodeLength.bytes = 2

export function frame (body: Uint8Array): Uint8Array {
  if (body.byteLength > MAX_NOISE_MESSAGE_BYTES) throw new SessionError('ERR_SESSION_BAD_MESSAGE', `a Noise message is at most ${MAX_NOISE_MESSAGE_BYTES} bytes`)
  return Buffer.concat([encodeLength(body.byteLength), body])
}

export interface FrameStream {
  read (what: string): Promise<Uint8Array>
  write (body: Uint8Array): Promise<void>
  /** The stream back, with any bytes read past the last frame put back in front. */
  unwrap (): Stream
}

/**
 * Frames over `stream`, every read and write bounded by `signal`. A closed
 * or reset stream is ERR_SESSION_CLOSED; an abort is ERR_SESSION_TIMEOUT
 * when `timedOut()` says so, else the abort's reason.
 */
export function frameStream (stream: Stream, signal: AbortSignal, timedOut: () => boolean): FrameStream {
  const lp: LengthPrefixedStream<Stream> = lpStream(stream, {
    lengthEncoder: encodeLength,
    lengthDecoder: decodeLength,
    maxLengthLength: 2,
    maxDataLength: MAX_NOISE_MESSAGE_BYTES
  })
  const mapped = (err: unknown, what: string): unknown => {
    if (signal.aborted) {
      return timedOut()
        ? new SessionError('ERR_SESSION_TIMEOUT', `the peer did not complete the handshake in time (waiting for ${what})`, { cause: err })
        : signal.reason
    }
    if (err instanceof SessionError) return err
    return new SessionError('ERR_SESSION_CLOSED', `the stream ended during the handshake (waiting for ${what}): the peer refused the session or went away`, { cause: err })
  }
  return {
    async read (what) {
      try {
        return (await lp.read({ signal })).subarray()
      } catch (err) {
        throw mapped(err, what)
      }
    },
    async write (body) {
      try {
        await lp.write(body, { signal })
      } catch (err) {
        throw mapped(err, 'a write')
      }
    },
    unwrap: () => lp.unwrap()
  }
}
