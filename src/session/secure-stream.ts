import { AbstractStream, LengthPrefixedDecoder, type SendResult } from '@libp2p/utils'
import { Uint8ArrayList } from 'uint8arraylist'
import { errorCode, SessionError } from '../errors.js'
import { AEAD_TAG_BYTES, MAX_BUFFERED_BYTES, MAX_FRAME_PLAINTEXT_BYTES, RECEIVE_SLICE_BYTES } from './constants.js'
import { decodeLength, encodeLength } from './frames.js'
import type { TransportKeys } from './handshake.js'
import type { AbortOptions, MessageStreamDirection, PeerId, Stream, StreamCloseEvent, StreamMessageEvent } from '@libp2p/interface'

const EMPTY = new Uint8Array(0)

export interface SecureStreamInit {
  /** The stream the handshake ran on (unwrapped: bytes after the handshake still in it). */
  inner: Stream
  keys: TransportKeys
  /** The user protocol. */
  protocol: string
  remotePeer: PeerId
  direction: MessageStreamDirection
  /** A frame failed to decrypt or decode: the session is over (counted by the service). */
  onBroken?: (err: SessionError) => void
}

/**
 * A libp2p 3 Stream whose bytes are Noise transport messages over another
 * stream: each a 2-byte big-endian length then the ChaChaPoly ciphertext of
 * at most 65519 bytes of data, nonces counting up in each direction.
 * Sends are cut into frames; a frame that fails to decrypt aborts the
 * stream (SessionError ERR_SESSION_DECRYPT), and its inner stream with it.
 * Closing, pausing and resets pass through to the inner stream.
 */
export class SecureStream extends AbstractStream {
  /** The peer at the other end, whose directory key authenticated the handshake. */
  readonly remotePeer: PeerId
  /** Noise's final handshake hash: the same on both sides, unique to this session (for channel binding). */
  readonly handshakeHash: Uint8Array
  private readonly inner: Stream
  private readonly keys: TransportKeys
  private readonly decoder: LengthPrefixedDecoder
  private readonly onBroken: (err: SessionError) => void
  /** The peer closed its writable end while data waited for a reader (remoteClosedWrite). */
  private remoteCloseHeld = false

  constructor (init: SecureStreamInit) {
    super({
      id: init.inner.id,
      protocol: init.protocol,
      log: init.inner.log.newScope('keydir-secure'),
      direction: init.direction,
      inactivityTimeout: init.inner.inactivityTimeout,
      maxReadBufferLength: init.inner.maxReadBufferLength
    })
    this.inner = init.inner
    this.keys = init.keys
    this.remotePeer = init.remotePeer
    this.handshakeHash = init.keys.handshakeHash
    this.onBroken = init.onBroken ?? (() => {})
    this.decoder = new LengthPrefixedDecoder({
      lengthDecoder: decodeLength,
      // Bytes of a frame not yet complete, plus what the inner stream delivers at once (as libp2p-noise allows).
      maxBufferSize: MAX_BUFFERED_BYTES,
      encodingLength: () => 2
    })
    this.inner.addEventListener('message', (evt: StreamMessageEvent) => { this.receive(evt.data) })
    this.inner.addEventListener('close', (evt: StreamCloseEvent) => {
      if (evt.error != null) {
        if (evt.local === true) this.abort(evt.error)
        else this.onRemoteReset()
      } else {
        // A close of the peer's writable end held for a reader (remoteClosedWrite) stays held: the reader still gets it.
        this.onTransportClosed()
      }
    })
    this.inner.addEventListener('drain', () => { this.safeDispatchEvent('drain') })
    this.inner.addEventListener('remoteCloseWrite', () => { this.remoteClosedWrite() })
    // The inner stream may have ended while the handshake's reader held it (a muxer handles a
    // whole chunk at once: the last handshake message, data and a FIN): pass that on, after the
    // bytes put back, which the 'message' listener above gets in an earlier microtask.
    queueMicrotask(() => { this.catchUpWithInner() })
  }

  private catchUpWithInner (): void {
    const { status, remoteWriteStatus } = this.inner
    if (status === 'reset' || status === 'aborted') this.onRemoteReset()
    else if (status === 'closed') {
      this.remoteClosedWrite()
      this.onTransportClosed()
    } else if (remoteWriteStatus === 'closed') this.remoteClosedWrite()
  }

  /**
   * The peer closed its writable end. libp2p's async iterator ends on the
   * `remoteCloseWrite` event, and a reader that starts after it (data still
   * buffered: a handler that sent and closed before the dialler began to
   * read) would wait for good: the event is held until someone listens for
   * the data, and given right after it.
   */
  private remoteClosedWrite (): void {
    if (this.readBufferLength > 0 && this.listenerCount('message') === 0) {
      this.remoteCloseHeld = true
      return
    }
    this.onRemoteCloseWrite()
  }

  override addEventListener (...args: Parameters<AbstractStream['addEventListener']>): void {
    super.addEventListener(...args)
    if (args[0] === 'message' && this.remoteCloseHeld) {
      this.remoteCloseHeld = false
      // After the buffered data, which the base class dispatches in a microtask queued just now. If the
      // whole stream closed meanwhile, the status is already 'closed' and only the event is missing.
      queueMicrotask(() => {
        if (this.remoteWriteStatus === 'closed') this.safeDispatchEvent('remoteCloseWrite')
        else this.onRemoteCloseWrite()
      })
    }
  }

  private receive (data: Uint8Array | Uint8ArrayList): void {
    try {
      for (let offset = 0; offset < data.byteLength; offset += RECEIVE_SLICE_BYTES) {
        this.decodeFrames(data.subarray(offset, Math.min(offset + RECEIVE_SLICE_BYTES, data.byteLength)))
      }
    } catch (err) {
      const broken = err instanceof SessionError ? err : new SessionError('ERR_SESSION_BAD_MESSAGE', `a transport frame does not decode (${errorCode(err)})`, { cause: err })
      this.onBroken(broken)
      this.abort(broken)
    }
  }

  private decodeFrames (data: Uint8Array | Uint8ArrayList): void {
    for (const frame of this.decoder.decode(data)) {
      const body = frame instanceof Uint8Array ? frame : frame.subarray()
      if (body.byteLength < AEAD_TAG_BYTES) throw new SessionError('ERR_SESSION_BAD_MESSAGE', 'a transport frame is shorter than its tag')
      const plaintext = this.keys.receive.decryptWithAd(EMPTY, body)
      if (plaintext.byteLength > 0) this.onData(plaintext)
    }
  }

  sendData (data: Uint8ArrayList): SendResult {
    const out = new Uint8ArrayList()
    for (let offset = 0; offset < data.byteLength; offset += MAX_FRAME_PLAINTEXT_BYTES) {
      const chunk = data.subarray(offset, Math.min(offset + MAX_FRAME_PLAINTEXT_BYTES, data.byteLength))
      const [body, tag] = this.keys.send.encryptPartsWithAd(EMPTY, chunk)
      out.append(encodeLength(body.byteLength + tag.byteLength))
      out.append(body)
      out.append(tag)
    }
    return { sentBytes: data.byteLength, canSendMore: this.inner.send(out) }
  }

  sendReset (err: Error): void {
    this.inner.abort(err)
  }

  sendPause (): void {
    this.inner.pause()
  }

  sendResume (): void {
    this.inner.resume()
  }

  async sendCloseWrite (options?: AbortOptions): Promise<void> {
    await this.inner.close(options)
  }

  async sendCloseRead (options?: AbortOptions): Promise<void> {
    await this.inner.closeRead(options)
  }
}
