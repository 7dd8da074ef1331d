import { pbStream, RateLimiter } from '@libp2p/utils'
import { HistoryRequest, HistoryResponse } from '../../protobuf/key-history.js'
import { errorCode, ExchangeError, KeydirError } from '../errors.js'
import { silentLogger } from '../util/log.js'
import {
  EXCHANGE_TIMEOUT_MS, HISTORY_PROTOCOL, MAX_HISTORY_REQUEST_BYTES, MAX_HISTORY_RESPONSE_BYTES, MAX_INBOUND_STREAMS, RATE_LIMIT_REQUESTS, RATE_LIMIT_WINDOW_S
} from './constants.js'
import {
  checkHistoryRequest, checkHistoryResponse, createHistoryRequest, createHistoryResponse, decodeHistoryRequest, decodeHistoryResponse, handOversBetween
} from './history-messages.js'
import { admitInbound } from './inbound.js'
import { readMessage, refusalOrNetworkError } from './stream-errors.js'
import type { PqCrypto } from '../crypto/types.js'
import type { KeydirMetrics } from '../metrics/index.js'
import type { RotationLink } from '../record/index.js'
import type { KeydirLogger } from '../util/log.js'
import type { AbortOptions, Connection, PeerId, Startable, Stream } from '@libp2p/interface'
import type { ConnectionManager, Registrar } from '@libp2p/interface-internal'

export interface KeyHistoryComponents {
  /** This node's PeerId: a request must be addressed to it. */
  peerId: PeerId
  registrar: Pick<Registrar, 'handle' | 'unhandle'>
  connectionManager: Pick<ConnectionManager, 'openConnection' | 'getConnections'>
}

export interface KeyHistoryInit {
  crypto: PqCrypto
  metrics: KeydirMetrics
  logger?: KeydirLogger
  /**
   * This node's hand-overs, newest first: the one into its current key (the
   * identity's rotation proof, with that key), then the identity's history.
   * Empty before a first rotation. Changes on rotation.
   */
  handOvers: () => readonly RotationLink[]
  /** This node revoked its identity: it answers no request. */
  isRevoked?: () => boolean
  /** Default `/numi/keyhist/1.0.0`. */
  protocol?: string
  /** Inbound requests allowed per peer per window. Default 10 per 10 s, as KeyRequests. */
  rateLimitRequests?: number
  rateLimitWindowSeconds?: number
}

export interface FetchHistoryOptions extends AbortOptions {
  /** The pinned key `from` names, when held: the oldest link is then verified here too. */
  fromKey?: Uint8Array
}

/**
 * The hand-overs beyond what a record carries, as a libp2p service
 * (`/numi/keyhist/1.0.0`, docs/record-format.md, "Beyond the bound"). A
 * holder whose pin a record's history does not reach asks the peer, the
 * only one that keeps its whole history (pq.key, the last 64), for the run
 * from its pinned key to the oldest key the record names; the peer answers
 * from its identity. One request and one response per stream, over a
 * connection Noise authenticated. The responder rate-limits requests per
 * peer, as the key exchange does; both sides bound the message size and time.
 */
export class KeyHistory implements Startable {
  readonly [Symbol.toStringTag] = 'keydir/key-history'
  private readonly components: KeyHistoryComponents
  private readonly init: KeyHistoryInit
  private readonly protocol: string
  private readonly log: KeydirLogger
  private readonly rateLimiter: RateLimiter
  private started = false

  constructor (components: KeyHistoryComponents, init: KeyHistoryInit) {
    this.components = components
    this.init = init
    this.protocol = init.protocol ?? HISTORY_PROTOCOL
    this.log = init.logger ?? silentLogger
    this.rateLimiter = new RateLimiter({
      points: init.rateLimitRequests ?? RATE_LIMIT_REQUESTS,
      duration: init.rateLimitWindowSeconds ?? RATE_LIMIT_WINDOW_S
    })
  }

  async start (): Promise<void> {
    if (this.started) return
    await this.components.registrar.handle(this.protocol, (stream, connection) => this.respond(stream, connection), {
      maxInboundStreams: MAX_INBOUND_STREAMS
    })
    this.started = true
  }

  async stop (): Promise<void> {
    if (!this.started) return
    await this.components.registrar.unhandle(this.protocol)
    this.started = false
  }

  /**
   * Ask `peerId` for its hand-overs from the key whose fingerprint is
   * `fromFingerprint` (the pin) to the one whose fingerprint is
   * `toFingerprint` (the oldest key the record names), newest first, checked
   * (checkHistoryResponse): ready to give admission as `earlierHistory`.
   * Empty when the peer keeps none that reach the pin. One attempt, bounded
   * by EXCHANGE_TIMEOUT_MS. A protocol violation is an ExchangeError, counted
   * `{source="history"}`; a network failure (the peer cannot be reached, or
   * does not speak the protocol) is thrown as it is, and an answer refused
   * is ERR_REFUSED_BY_PEER.
   */
  async fetchHistory (peerId: PeerId, fromFingerprint: Uint8Array, toFingerprint: Uint8Array, options: FetchHistoryOptions = {}): Promise<RotationLink[]> {
    const signal = AbortSignal.any([options.signal ?? new AbortController().signal, AbortSignal.timeout(EXCHANGE_TIMEOUT_MS)])
    const span = { from: fromFingerprint, to: toFingerprint }
    let stream: Stream | undefined
    try {
      const connection = this.components.connectionManager.getConnections(peerId).find(open => open.status === 'open' && open.limits == null) ??
        await this.components.connectionManager.openConnection(peerId, { signal })
      stream = await connection.newStream(this.protocol, { signal })
      const pb = pbStream(stream, { maxDataLength: MAX_HISTORY_RESPONSE_BYTES })
      let response: HistoryResponse
      try {
        await pb.write(createHistoryRequest(peerId, span), HistoryRequest, { signal })
        response = await readMessage(pb, decodeHistoryResponse, 'HistoryResponse', signal, MAX_HISTORY_RESPONSE_BYTES)
      } catch (err) {
        throw refusalOrNetworkError(err, connection, signal, peerId)
      }
      const links = await checkHistoryResponse(response, { ...span, crypto: this.init.crypto, asked: peerId, remote: connection.remotePeer, fromKey: options.fromKey })
      await stream.close({ signal })
      this.log.debug({ peer: peerId.toString(), links: links.length }, 'history response verified')
      return links
    } catch (err) {
      stream?.abort(err as Error)
      if (err instanceof ExchangeError && err.code !== 'ERR_REFUSED_BY_PEER') {
        this.init.metrics.verificationFailures.inc({ source: 'history', reason: err.code })
      }
      this.log.debug({ peer: peerId.toString(), code: errorCode(err), err: (err as Error).message }, 'history request failed')
      throw err
    }
  }

  private async respond (stream: Stream, connection: Connection): Promise<void> {
    const remote = connection.remotePeer
    try {
      admitInbound(this.rateLimiter, remote, 'history requests', this.init.isRevoked)
      const signal = AbortSignal.timeout(EXCHANGE_TIMEOUT_MS)
      const pb = pbStream(stream, { maxDataLength: MAX_HISTORY_REQUEST_BYTES })
      const request = await readMessage(pb, decodeHistoryRequest, 'HistoryRequest', signal, MAX_HISTORY_REQUEST_BYTES)
      const span = checkHistoryRequest(request, this.components.peerId)
      const links = handOversBetween(this.init.handOvers(), span)
      await pb.write(createHistoryResponse(links), HistoryResponse, { signal })
      await stream.close({ signal })
      this.log.debug({ peer: remote.toString(), links: links.length }, 'answered history request')
    } catch (err) {
      if (err instanceof KeydirError) {
        this.init.metrics.verificationFailures.inc({ source: 'history', reason: err.code })
      }
      this.log.warn({ peer: remote.toString(), code: errorCode(err), err: (err as Error).message }, 'refused history request')
      stream.abort(err as Error)
    }
  }
}

/** The key history as a libp2p service factory (`services.keyHistory`). */
export function keyHistory (init: KeyHistoryInit): (components: KeyHistoryComponents) => KeyHistory {
  return (components) => new KeyHistory(components, init)
}
