import { once } from 'node:events'
import { ConnectionClosedError } from '@libp2p/interface'
import { ExchangeError, KeydirError } from '../errors.js'
import { MAX_MESSAGE_BYTES } from './constants.js'
import type { Connection, PeerId, Stream, StreamCloseEvent } from '@libp2p/interface'
import type { ProtobufStream } from '@libp2p/utils'
import type { Uint8ArrayList } from 'uint8arraylist'

/** Network errors and refusals are tried again; a protocol violation is not (the peer misbehaved). */
export function isRetried (err: unknown): boolean {
  return !(err instanceof KeydirError) || err.code === 'ERR_REFUSED_BY_PEER'
}

/** How a stream ends when the other side resets or closes it: on a write, or on the read of the answer. */
const ENDED_BY_PEER = new Set(['StreamResetError', 'StreamStateError', 'UnexpectedEOFError'])

/**
 * A responder refuses a request (rate limit, a failed check) by resetting
 * the stream without an answer. While the connection stays open that is a
 * refusal, ERR_REFUSED_BY_PEER, rather than libp2p's bare stream error. It
 * is still retried (a rate limit passes). A stream that ended with its
 * connection, or by our own timeout, stays a network error.
 */
export function refusalOrNetworkError (err: unknown, connection: Connection, signal: AbortSignal, peerId: PeerId, what = 'request'): unknown {
  if (!signal.aborted && connection.status === 'open' && ENDED_BY_PEER.has((err as Error).name)) {
    return new ExchangeError('ERR_REFUSED_BY_PEER', `${peerId.toString()} ended the key exchange without an answer: it refused the ${what} (a rate limit, or the ${what} failed its checks; its log says which); try again later`, { cause: err })
  }
  return err
}

/**
 * Resolves once the stream has ended with the peer's own close of its end
 * (a push receiver's way of saying it took the push); rejects when the peer
 * reset it (its way of refusing: the StreamResetError), when the stream
 * ended without that close (the connection went: ConnectionClosedError,
 * a network error) or on `signal`. Call it before sending, on an open
 * stream, so that no event is missed.
 */
export async function closedByPeer (stream: Stream, signal: AbortSignal): Promise<void> {
  let peerClosed = false
  const onRemoteClose = (): void => { peerClosed = true }
  stream.addEventListener('remoteCloseWrite', onRemoteClose)
  try {
    const [event] = await once(stream, 'close', { signal }) as [StreamCloseEvent]
    if (event.error != null) throw event.error
    if (!peerClosed) throw new ConnectionClosedError('the stream ended with its connection, before the peer closed it')
  } finally {
    stream.removeEventListener('remoteCloseWrite', onRemoteClose)
  }
}

/** Length-prefix errors of @libp2p/utils: a message over the size limit, or a length that is not a varint. */
const OVERSIZED = new Set(['InvalidDataLengthError', 'InvalidDataLengthLengthError'])

/**
 * Read one length-prefixed message. A message over `maxBytes` (the limit
 * the ProtobufStream was made with; default MAX_MESSAGE_BYTES), a bad
 * length prefix or bytes that do not decode are the peer's protocol
 * violation: an ExchangeError (counted, never retried), not a network error.
 */
export async function readMessage<T> (pb: ProtobufStream, decode: (bytes: Uint8Array | Uint8ArrayList) => T, what: string, signal: AbortSignal, maxBytes = MAX_MESSAGE_BYTES): Promise<T> {
  try {
    return await pb.read({ decode }, { signal })
  } catch (err) {
    const name = (err as Error).name
    if (OVERSIZED.has(name)) {
      throw new ExchangeError('ERR_MESSAGE_TOO_LARGE', `${what} is over the ${maxBytes}-byte limit`, { cause: err })
    }
    if (name === 'InvalidMessageLengthError') {
      throw new ExchangeError('ERR_MESSAGE_MALFORMED', `${what} has a malformed length prefix`, { cause: err })
    }
    throw err
  }
}
