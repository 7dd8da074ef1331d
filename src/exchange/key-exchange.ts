import { setTimeout as delay } from 'node:timers/promises'
import { pbStream, RateLimiter } from '@libp2p/utils'
import { lazyLru } from '../util/lru.js'
import { KeyRequest, KeyResponse } from '../../protobuf/key-exchange.js'
import { errorCode, ExchangeError, KeydirError, RegistryError } from '../errors.js'
import { KeyedLock } from '../util/keyed-lock.js'
import { silentLogger } from '../util/log.js'
import {
  EXCHANGE_PROTOCOL, EXCHANGE_TIMEOUT_MS, MAX_ATTEMPTS, MAX_EARLY_SIGNATURES, MAX_HOLDERS, MAX_INBOUND_STREAMS, MAX_MESSAGE_BYTES,
  PENDING_REQUEST_TIMEOUT_MS, RATE_LIMIT_REQUESTS, RATE_LIMIT_WINDOW_S, RETRY_BASE_MS
} from './constants.js'
import { checkKeyResponse, createKeyRequest, createKeyResponse, decodeKeyRequest, decodeKeyResponse, mayAnswerEarly, startKeyRequestCheck } from './messages.js'
import { NonceBook } from './nonces.js'
import { admitInbound } from './inbound.js'
import { failedExchangeOutcome } from './peer-outcome.js'
import { isRetried, readMessage, refusalOrNetworkError } from './stream-errors.js'
import type { PendingKeyRequests } from './pending-requests.js'
import type { ExchangeSigner } from './messages.js'
import type { PqCrypto } from '../crypto/types.js'
import type { KeydirMetrics } from '../metrics/index.js'
import type { KeyRecord, KeyRecordValidator } from '../record/index.js'
import type { PeerKeyRegistry } from '../registry/index.js'
import type { PeerScores } from '../reputation/index.js'
import type { KeydirLogger } from '../util/log.js'
import type { AbortOptions, Connection, PeerId, Startable, Stream } from '@libp2p/interface'
import type { ConnectionManager, Registrar } from '@libp2p/interface-internal'

export interface KeyExchangeComponents {
  registrar: Pick<Registrar, 'handle' | 'unhandle'>
  connectionManager: Pick<ConnectionManager, 'openConnection' | 'getConnections'>
}

export interface KeyExchangeInit {
  crypto: PqCrypto
  validator: KeyRecordValidator
  /** Stores requesters' records, and keeps the nonce rows (its nonceStore). */
  registry: PeerKeyRegistry
  /** The one table of key requests in flight; the registry's seed API reads it too. */
  requests: PendingKeyRequests
  metrics: KeydirMetrics
  logger?: KeydirLogger
  /** This node's current record and signer; changes on republish and rotation. */
  self: () => ExchangeSigner
  /** This node revoked its identity: it answers no request with its keys. */
  isRevoked?: () => boolean
  /** Where each request's outcome is noted against the peer asked (peer-outcome.ts). Default none. */
  scores?: PeerScores
  now?: () => number
  /** Default `/numi/keyx/1.0.0`. */
  protocol?: string
  /** Inbound requests allowed per peer per window. Default 10 per 10 s. */
  rateLimitRequests?: number
  rateLimitWindowSeconds?: number
}

/**
 * The direct KeyRequest / KeyResponse exchange (the seed's protocol, with
 * the binding fixed), as a libp2p service: one request and one response
 * per stream, both signed with ML-DSA-65, over a connection whose remote
 * PeerId Noise has authenticated. The responder also learns the
 * requester's keys. libp2p starts it (the protocol handler) and stops it.
 */
export class KeyExchange implements Startable {
  readonly [Symbol.toStringTag] = 'keydir/key-exchange'
  private readonly components: KeyExchangeComponents
  private readonly init: KeyExchangeInit
  private readonly protocol: string
  private readonly log: KeydirLogger
  private readonly now: () => number
  private readonly rateLimiter: RateLimiter
  /** Replay protection of both directions. */
  readonly nonces: NonceBook
  /** Peers we answered: they hold our keys, and are pushed our next rotation. In memory, bounded. */
  private readonly answered = lazyLru<string, PeerId>(MAX_HOLDERS)
  /** Our messages that carry a nonce (requests, pushes), one peer's at a time: see inNonceOrder. */
  private readonly outbound = new KeyedLock()
  /** Responses being signed before their request was fully checked. */
  private earlySignatures = 0
  private started = false

  constructor (components: KeyExchangeComponents, init: KeyExchangeInit) {
    this.components = components
    this.init = init
    this.protocol = init.protocol ?? EXCHANGE_PROTOCOL
    this.log = init.logger ?? silentLogger
    this.now = init.now ?? Date.now
    this.nonces = new NonceBook(init.registry.nonceStore, { now: this.now })
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
    // The first outbound nonce reservation is written now, not on the first request's path.
    this.nonces.prepare().catch(err => { this.log.warn({ code: errorCode(err), err: (err as Error).message }, 'could not read the outbound nonce ceiling') })
  }

  async stop (): Promise<void> {
    if (!this.started) return
    await this.components.registrar.unhandle(this.protocol)
    await this.nonces.idle()
    this.init.requests.clear()
    this.started = false
  }

  /**
   * Run `send` (take a nonce, send the message that carries it, and end
   * once the peer has checked it) after every earlier one to `peerId` has
   * ended. A peer accepts a nonce only above the last it accepted from us,
   * so two messages in flight at once could reach it out of order and the
   * earlier one be refused (ERR_REPLAYED_NONCE): a push so refused was
   * lost until the peer's next re-check. `signal` ends the wait for the
   * turn; `send` bounds its own work, its timeout started once it runs.
   */
  async inNonceOrder<T> (peerId: PeerId, signal: AbortSignal | undefined, send: () => Promise<T>): Promise<T> {
    return this.outbound.run(peerId.toString(), send, { signal })
  }

  /** Peers this node answered with its keys since it started, most recent first (at most MAX_HOLDERS). */
  holders (): PeerId[] {
    return [...this.answered.values()]
  }

  /**
   * Ask `peerId` for its key record. Network failures and refusals are
   * retried with doubling backoff; a protocol violation is not (the peer misbehaved).
   * The returned record is validated and bound to the peer; storing it is
   * the caller's choice.
   */
  async request (peerId: PeerId, options: AbortOptions = {}): Promise<KeyRecord> {
    const key = peerId.toString()
    try {
      this.init.requests.begin(key)
    } catch (err) {
      this.init.metrics.verificationFailures.inc({ source: 'exchange', reason: errorCode(err) })
      throw err
    }
    const signal = AbortSignal.any([options.signal ?? new AbortController().signal, AbortSignal.timeout(PENDING_REQUEST_TIMEOUT_MS)])
    try {
      for (let attempt = 1; ; attempt++) {
        try {
          const record = await this.attempt(peerId, signal)
          this.init.metrics.keyExchanges.inc({ result: 'success', role: 'requester' })
          this.init.scores?.note(peerId, 'valid')
          this.log.debug({ peer: key, seq: record.seq }, 'key response verified')
          return record
        } catch (err) {
          const retry = isRetried(err) && !signal.aborted && attempt < MAX_ATTEMPTS
          this.log.debug({ peer: key, attempt, err: (err as Error).message, retry }, 'key request failed')
          if (!retry) {
            this.init.metrics.keyExchanges.inc({ result: 'failure', role: 'requester' })
            if (err instanceof ExchangeError) {
              this.init.metrics.verificationFailures.inc({ source: 'exchange', reason: err.code })
            }
            const outcome = failedExchangeOutcome(err, options.signal?.aborted === true)
            if (outcome !== undefined) this.init.scores?.note(peerId, outcome)
            throw err
          }
          await delay(RETRY_BASE_MS * 2 ** (attempt - 1), undefined, { signal })
        }
      }
    } finally {
      this.init.requests.end(key)
    }
  }

  private async attempt (peerId: PeerId, outer: AbortSignal): Promise<KeyRecord> {
    const bounded = (): AbortSignal => AbortSignal.any([outer, AbortSignal.timeout(EXCHANGE_TIMEOUT_MS)])
    const self = this.init.self()
    // An open, unlimited connection is used as it is; anything else goes
    // through the dialler first, so nothing is signed for a peer we cannot reach.
    const connection = this.components.connectionManager.getConnections(peerId).find(open => open.status === 'open' && open.limits == null) ??
      await this.components.connectionManager.openConnection(peerId, { signal: bounded() })
    return this.inNonceOrder(peerId, outer, async () => {
      const signal = bounded()
      // The request does not depend on the stream, and its nonce comes from
      // memory: it is signed (off the event loop with node:crypto) while
      // multistream-select negotiates the protocol. The signature is the longer
      // of the two, so it starts first: opening the stream runs yamux, Noise
      // and a socket write on this thread before it waits for the answer.
      const signing = this.nonces.nextOutbound().then(async nonce => createKeyRequest(self, peerId, nonce, this.now()))
      // It may fail while the stream opens: handled below, never unhandled.
      signing.catch(() => {})
      const opening = connection.newStream(this.protocol, { signal })
      opening.catch(() => {})
      let stream: Stream | undefined
      try {
        stream = await opening
        const request = await signing
        const pb = pbStream(stream, { maxDataLength: MAX_MESSAGE_BYTES })
        let response: KeyResponse
        try {
          await pb.write(request, KeyRequest, { signal })
          response = await readMessage(pb, decodeKeyResponse, 'KeyResponse', signal)
        } catch (err) {
          throw refusalOrNetworkError(err, connection, signal, peerId)
        }
        const record = await checkKeyResponse(this.checkContext(), response, peerId, connection.remotePeer, self.peerId, request.nonce)
        await stream.close({ signal })
        return record
      } catch (err) {
        if (stream !== undefined) stream.abort(err as Error)
        else opening.then(opened => { opened.abort(err as Error) }, () => {})
        throw err
      }
    })
  }

  private async respond (stream: Stream, connection: Connection): Promise<void> {
    const remote = connection.remotePeer
    try {
      admitInbound(this.rateLimiter, remote, 'key requests', this.init.isRevoked)
      const signal = AbortSignal.timeout(EXCHANGE_TIMEOUT_MS)
      const pb = pbStream(stream, { maxDataLength: MAX_MESSAGE_BYTES })
      const request = await readMessage(pb, decodeKeyRequest, 'KeyRequest', signal)
      const self = this.init.self()
      const ctx = this.checkContext()
      // The response's signature is the longest step: it starts before the
      // carried record is decoded and verified (see signEarly).
      const early = mayAnswerEarly(ctx, request, remote, self.peerId) ? this.signEarly(self, remote, request.nonce) : undefined
      const requesterRecord = await startKeyRequestCheck(ctx, request, remote, self.peerId)()
      // The requester is learned first (its admission is quick), so that the
      // nonce is persisted only for a peer the registry then holds; both
      // LevelDB writes run on the thread pool while the response is signed
      // (on the thread pool too with node:crypto; in place with noble).
      const writes = this.learnRequester(requesterRecord).then(async () => this.nonces.acceptInbound(remote, request.nonce))
      writes.catch(() => {})
      const response = await (early ?? createKeyResponse(self, remote, request.nonce, this.now()))
      const fresh = await writes
      if (!fresh) {
        throw new ExchangeError('ERR_REPLAYED_NONCE', 'request nonce is not above the last one accepted from this peer')
      }
      await pb.write(response, KeyResponse, { signal })
      await stream.close({ signal })
      this.answered.set(remote.toString(), remote)
      this.init.metrics.keyExchanges.inc({ result: 'success', role: 'responder' })
      this.log.debug({ peer: remote.toString() }, 'answered key request')
    } catch (err) {
      this.init.metrics.keyExchanges.inc({ result: 'failure', role: 'responder' })
      if (err instanceof KeydirError) {
        this.init.metrics.verificationFailures.inc({ source: 'exchange', reason: err.code })
      }
      this.log.warn({ peer: remote.toString(), code: errorCode(err), err: (err as Error).message }, 'refused key request')
      stream.abort(err as Error)
    }
  }

  /**
   * Start signing the response to a request that passed the checks that
   * cost nothing (addressed to us, fresh, carrying a record that names the
   * requester: mayAnswerEarly), while the carried record is decoded
   * and its Ed25519 signature and the two ML-DSA-65 signatures are
   * verified: an honest requester then waits
   * for the longer of the two, not for both. (Any connected peer can make a
   * record its own Ed25519 key signs, so checking that first bounded nothing
   * the limit below does not.) Only with a signer that signs
   * off the event loop, and for at most MAX_EARLY_SIGNATURES requests at a
   * time across all peers, so a flood of badly signed requests wastes at
   * most that many signatures at once; past that, requests are signed after
   * they are checked, as before. A response signed early is sent only if
   * the request then checks out.
   */
  private signEarly (self: ExchangeSigner, requester: PeerId, nonce: bigint): Promise<KeyResponse> | undefined {
    if (!self.mlDsaSigner.signsOffEventLoop || this.earlySignatures >= MAX_EARLY_SIGNATURES) {
      return undefined
    }
    this.earlySignatures++
    const signing = createKeyResponse(self, requester, nonce, this.now())
    signing.then(() => { this.earlySignatures-- }, () => { this.earlySignatures-- })
    return signing
  }

  /**
   * The requester proved its record over an authenticated connection, so it
   * is stored as `direct`, but as unsolicited: PeerIds are free, so a new
   * requester enters the registry's bounded store at a bounded rate, and past
   * that rate is answered without being stored (counted). A key change
   * without proof is refused outright; an older record than ours is simply
   * not stored.
   */
  private async learnRequester (record: KeyRecord): Promise<void> {
    try {
      const { written } = await this.init.registry.admitPeerKeys(record, 'direct', { unsolicited: true })
      // The peer is held once admitted; the write lands behind, with the peer's lock held.
      written.catch(err => {
        this.init.metrics.registryWriteFailures.inc()
        this.log.warn({ peer: record.peerId.toString(), code: errorCode(err), err: (err as Error).message }, 'could not write a requester\'s record')
      })
    } catch (err) {
      if (err instanceof RegistryError && err.code === 'ERR_ROLLBACK') {
        return
      }
      if (err instanceof RegistryError && err.code === 'ERR_UNSOLICITED_LIMIT') {
        this.init.metrics.unsolicitedRecords.inc({ result: 'rate_limited' })
        return
      }
      throw err
    }
  }

  private checkContext (): { crypto: PqCrypto, validator: KeyRecordValidator, now: number } {
    return { crypto: this.init.crypto, validator: this.init.validator, now: this.now() }
  }
}

/** The key exchange as a libp2p service factory (`services.keyExchange`). */
export function keyExchange (init: KeyExchangeInit): (components: KeyExchangeComponents) => KeyExchange {
  return (components) => new KeyExchange(components, init)
}
