import { KeydirError, SessionError } from '../errors.js'
import { silentLogger } from '../util/log.js'
import { countOption } from '../util/options.js'
import { HANDSHAKE_TIMEOUT_MS, MAX_INBOUND_STREAMS, MAX_OUTBOUND_STREAMS } from './constants.js'
import { initiateSession, respondSession, untrustedPeer, type HandshakeParties } from './driver.js'
import { wireProtocol } from './messages.js'
import { SecureStream } from './secure-stream.js'
import type { TransportKeys } from './handshake.js'
import type { MlDsaSigner, PqCrypto } from '../crypto/types.js'
import type { KeydirMetrics } from '../metrics/index.js'
import type { KeydirLogger } from '../util/log.js'
import type { AbortOptions, Connection, PeerId, Startable, Stream } from '@libp2p/interface'
import type { ConnectionManager, Registrar } from '@libp2p/interface-internal'

export interface SecureSessionsComponents {
  peerId: PeerId
  registrar: Pick<Registrar, 'handle' | 'unhandle'>
  connectionManager: Pick<ConnectionManager, 'openConnection'>
}

export interface SecureSessionsInit {
  crypto: PqCrypto
  metrics: KeydirMetrics
  logger?: KeydirLogger
  /** This node's current ML-DSA-65 signer (it changes on rotation). */
  signer: () => MlDsaSigner
  /** The node's resolve, with every trust rule: it throws for a revoked, equivocated or unknown peer. */
  resolve: (peerId: PeerId, options: AbortOptions & { refresh?: boolean }) => Promise<{ mlDsaPublicKey: Uint8Array }>
  /** This node revoked its identity: it opens and accepts no session. */
  isRevoked?: () => boolean
  /** The whole handshake, stream open included, takes at most this long. Default 10 s. */
  handshakeTimeoutMs?: number
}

/** What handleSecure's handler receives: the secure stream and the peer whose directory key authenticated it. */
export type SecureStreamHandler = (stream: SecureStream, peerId: PeerId) => void | Promise<void>

export interface HandleSecureOptions {
  /** Handshakes of this protocol at once per connection. Default 32. */
  maxInboundStreams?: number
}

export type Role = 'initiator' | 'responder'

/**
 * Post-quantum secure sessions between peers (docs/session.md), as a
 * libp2p service: a Noise NNhfs handshake (X25519 and ML-KEM-768) whose two
 * sides sign the handshake hash with the ML-DSA-65 keys the directory holds
 * for them, then Noise transport frames. Each handleSecure registers the
 * libp2p protocol `/keydir/secure/1.0.0<protocol>`; stop() unregisters them.
 */
export class SecureSessions implements Startable {
  readonly [Symbol.toStringTag] = 'keydir/secure-sessions'
  private readonly components: SecureSessionsComponents
  private readonly init: SecureSessionsInit
  private readonly log: KeydirLogger
  private readonly timeoutMs: number
  private readonly handled = new Set<string>()

  constructor (components: SecureSessionsComponents, init: SecureSessionsInit) {
    this.components = components
    this.init = init
    this.log = init.logger ?? silentLogger
    // Named as the node's option, which is what nearly every caller set.
    this.timeoutMs = countOption('sessionHandshakeTimeoutMs', init.handshakeTimeoutMs, HANDSHAKE_TIMEOUT_MS)
  }

  async start (): Promise<void> {}

  async stop (): Promise<void> {
    for (const protocol of [...this.handled]) await this.unhandle(protocol)
  }

  /** Open a session with `peerId` for `protocol`. SessionError when it cannot be opened (docs/session.md, "Error codes"). */
  async dial (peerId: PeerId, protocol: string, options: AbortOptions = {}): Promise<SecureStream> {
    const timeout = AbortSignal.timeout(this.timeoutMs)
    const signal = options.signal === undefined ? timeout : AbortSignal.any([options.signal, timeout])
    let stream: Stream | undefined
    try {
      const wire = wireProtocol(protocol)
      this.refuseIfRevoked()
      if (peerId.equals(this.components.peerId)) throw new SessionError('ERR_SESSION_SELF', 'a node opens no session with itself')
      // The directory's answer is looked up while the connection and stream open.
      const remoteKey = this.directoryKey(peerId, signal)
      // The directory's refusal, if it is in when a dial fails: a failed dial does not wait for the lookup.
      let refusal: SessionError | undefined
      remoteKey.catch((cause: unknown) => { refusal = untrustedPeer(cause, peerId, false) })
      let connection: Connection
      try {
        connection = await this.components.connectionManager.openConnection(peerId, { signal })
        stream = await connection.newStream(wire, { signal, maxOutboundStreams: MAX_OUTBOUND_STREAMS })
      } catch (err) {
        throw this.unreachable(peerId, refusal, err, signal)
      }
      const parties = this.parties(connection.remotePeer, protocol, remoteKey, signal, timeout)
      parties.recheckKey = async () => (await this.init.resolve(peerId, { signal, refresh: true })).mlDsaPublicKey
      const { keys, stream: inner } = await initiateSession(stream, parties)
      return this.opened('initiator', inner, keys, protocol, connection.remotePeer)
    } catch (err) {
      throw this.failed('initiator', peerId, stream, err, timeout)
    }
  }

  /** Accept sessions for `protocol`: `handler` gets each one once its handshake has passed. */
  async handle (protocol: string, handler: SecureStreamHandler, options: HandleSecureOptions = {}): Promise<void> {
    const wire = wireProtocol(protocol)
    if (this.handled.has(protocol)) {
      throw new SessionError('ERR_SESSION_ALREADY_HANDLED', `secure sessions of ${protocol} already have a handler: unhandleSecure('${protocol}') first`)
    }
    // Taken before the await, so that a second call at the same time is refused here too, not by libp2p.
    this.handled.add(protocol)
    try {
      await this.components.registrar.handle(wire, async (stream, connection) => { await this.respond(protocol, handler, stream, connection) }, {
        maxInboundStreams: options.maxInboundStreams ?? MAX_INBOUND_STREAMS
      })
    } catch (err) {
      this.handled.delete(protocol)
      throw err
    }
  }

  async unhandle (protocol: string): Promise<void> {
    const wire = wireProtocol(protocol)
    this.handled.delete(protocol)
    await this.components.registrar.unhandle(wire)
  }

  private async respond (protocol: string, handler: SecureStreamHandler, stream: Stream, connection: Connection): Promise<void> {
    const timeout = AbortSignal.timeout(this.timeoutMs)
    const remote = connection.remotePeer
    let secure: SecureStream
    try {
      this.refuseIfRevoked()
      const parties = this.parties(remote, protocol, this.directoryKey(remote, timeout), timeout, timeout)
      const { keys, stream: inner } = await respondSession(stream, parties)
      secure = this.opened('responder', inner, keys, protocol, remote)
    } catch (err) {
      this.failed('responder', remote, stream, err, timeout)
      return
    }
    try {
      await handler(secure, remote)
    } catch (err) {
      this.log.debug({ peer: remote.toString(), protocol, err: (err as Error).message }, 'a secure stream handler failed')
      secure.abort(err as Error)
    }
  }

  private parties (remotePeer: PeerId, protocol: string, remoteKey: Promise<Uint8Array>, signal: AbortSignal, timeout: AbortSignal): HandshakeParties {
    return {
      crypto: this.init.crypto,
      signer: this.init.signer(),
      localPeer: this.components.peerId,
      remotePeer,
      protocol,
      remoteKey,
      signal,
      timedOut: () => timeout.aborted
    }
  }

  /**
   * Why a dial failed, as a SessionError: the directory's refusal of the
   * peer (revoked, equivocated) if it has one by then, else
   * ERR_SESSION_UNREACHABLE with libp2p's error as the cause. An abort (the
   * caller's, or the handshake timeout, which failed() names) stays as it is.
   */
  private unreachable (peerId: PeerId, refusal: SessionError | undefined, err: unknown, signal: AbortSignal): unknown {
    if (signal.aborted) return err
    if (refusal !== undefined && refusal.code !== 'ERR_SESSION_PEER_UNKNOWN') return refusal
    if ((err as { name?: string }).name === 'UnsupportedProtocolError') {
      return new SessionError('ERR_SESSION_PROTOCOL_UNSUPPORTED', `${peerId.toString()} takes no secure sessions of this protocol (no handleSecure for it)`, { cause: err })
    }
    return new SessionError('ERR_SESSION_UNREACHABLE', `could not open a stream to ${peerId.toString()} (${(err as Error).message}): is it online, and does this node know its addresses?`, { cause: err })
  }

  /** The remote's directory key, never an unhandled rejection: the driver awaits it when it needs it. */
  private directoryKey (peerId: PeerId, signal: AbortSignal): Promise<Uint8Array> {
    const key = this.init.resolve(peerId, { signal }).then(keys => keys.mlDsaPublicKey)
    key.catch(() => {})
    return key
  }

  private refuseIfRevoked (): void {
    if (this.init.isRevoked?.() === true) throw new SessionError('ERR_SESSION_SELF_REVOKED', 'this node revoked its identity: it opens and accepts no session')
  }

  private opened (role: Role, inner: Stream, keys: TransportKeys, protocol: string, remotePeer: PeerId): SecureStream {
    this.init.metrics.sessions.inc({ role, outcome: 'opened' })
    this.log.debug({ peer: remotePeer.toString(), protocol, role }, 'secure session opened')
    return new SecureStream({
      inner,
      keys,
      protocol,
      remotePeer,
      direction: role === 'initiator' ? 'outbound' : 'inbound',
      onBroken: err => {
        this.init.metrics.sessions.inc({ role, outcome: err.code })
        this.log.debug({ peer: remotePeer.toString(), protocol, code: err.code }, 'secure session broken')
      }
    })
  }

  /** Counts and logs a session that did not open, aborts its stream, and returns the error to throw (a SessionError, or the caller's own abort). */
  private failed (role: Role, peer: PeerId, stream: Stream | undefined, err: unknown, timeout: AbortSignal): unknown {
    let error = err
    if (!(err instanceof SessionError) && timeout.aborted) error = new SessionError('ERR_SESSION_TIMEOUT', `the session with ${peer.toString()} did not open in time`, { cause: err })
    // libp2p's own failures (no route, a reset connection) and the caller's abort are counted together.
    const outcome = error instanceof KeydirError ? error.code : 'network_error'
    this.init.metrics.sessions.inc({ role, outcome })
    this.log.debug({ peer: peer.toString(), role, code: outcome, err: (error as Error).message }, 'secure session refused')
    stream?.abort(error instanceof Error ? error : new Error(String(error)))
    return error
  }
}

/** The service factory libp2p's `services` map takes. */
export function secureSessions (init: SecureSessionsInit): (components: SecureSessionsComponents) => SecureSessions {
  return components => new SecureSessions(components, init)
}
