import { pbStream, RateLimiter } from '@libp2p/utils'
import { KeyPush } from '../../protobuf/key-exchange.js'
import { errorCode, ExchangeError, KeydirError } from '../errors.js'
import { silentLogger } from '../util/log.js'
import {
  EXCHANGE_TIMEOUT_MS, MAX_INBOUND_STREAMS, MAX_MESSAGE_BYTES, PUSH_CLOSE_WAIT_MS, PUSH_CONCURRENCY, PUSH_PROTOCOL, PUSH_RATE_LIMIT, RATE_LIMIT_WINDOW_S
} from './constants.js'
import { checkKeyPush, createKeyPush, decodeKeyPush } from './messages.js'
import { admitInbound } from './inbound.js'
import { failedExchangeOutcome } from './peer-outcome.js'
import { closedByPeer, readMessage, refusalOrNetworkError } from './stream-errors.js'
import type { KeyExchange } from './key-exchange.js'
import type { ExchangeSigner } from './messages.js'
import type { PqCrypto } from '../crypto/types.js'
import type { KeydirMetrics } from '../metrics/index.js'
import type { KeyRecordValidator, RevocationValidator } from '../record/index.js'
import type { PeerKeyRegistry } from '../registry/index.js'
import type { PeerScores } from '../reputation/index.js'
import type { KeydirLogger } from '../util/log.js'
import type { AbortOptions, Connection, PeerId, PeerStore, Startable, Stream } from '@libp2p/interface'
import type { ConnectionManager, Registrar } from '@libp2p/interface-internal'

export interface KeyPushComponents {
  registrar: Pick<Registrar, 'handle' | 'unhandle'>
  connectionManager: Pick<ConnectionManager, 'openConnection' | 'getConnections'>
  peerStore: Pick<PeerStore, 'get'>
  /** The key exchange service, registered before this one: its nonces, and the peers it answered. */
  keyExchange: KeyExchange
}

export interface KeyPushInit {
  crypto: PqCrypto
  validator: KeyRecordValidator
  /** Checks revocation certificates pushed by the peer they revoke. */
  revocations: RevocationValidator
  registry: PeerKeyRegistry
  metrics: KeydirMetrics
  logger?: KeydirLogger
  /** This node's current record and signer. */
  self: () => ExchangeSigner
  /** Where a push from a held peer that fails its checks is noted against it. Default none. */
  scores?: PeerScores
  now?: () => number
  /** Default `/numi/keyx/push/1.0.0`. */
  protocol?: string
}

/** What one round of pushes did. */
export interface PushReport {
  /** Peers the record was sent to and who took the stream. */
  sent: number
  /** Peers that could not be reached or refused the stream. */
  failed: number
}

/**
 * Rotation (and revocation) reaching holders, as a libp2p service. After a
 * rotation the node sends its new record, in a KeyPush signed with the new
 * key (after a revocation, its certificate), to every
 * connected peer that speaks this protocol and to every peer that asked
 * for its keys over the exchange. A receiver takes a push only from a peer
 * whose keys it holds (a record or a pin), checks it like a KeyRequest
 * (addressed to it, fresh, nonce above the last, signed by the record's
 * key over a connection Noise authenticated as the pusher) and then
 * through the registry's pin, rotation-proof and seq rules.
 */
export class KeyPushService implements Startable {
  readonly [Symbol.toStringTag] = 'keydir/key-push'
  private readonly components: KeyPushComponents
  private readonly init: KeyPushInit
  private readonly protocol: string
  private readonly log: KeydirLogger
  private readonly now: () => number
  private readonly rateLimiter: RateLimiter
  private started = false

  constructor (components: KeyPushComponents, init: KeyPushInit) {
    this.components = components
    this.init = init
    this.protocol = init.protocol ?? PUSH_PROTOCOL
    this.log = init.logger ?? silentLogger
    this.now = init.now ?? Date.now
    this.rateLimiter = new RateLimiter({ points: PUSH_RATE_LIMIT, duration: RATE_LIMIT_WINDOW_S })
  }

  async start (): Promise<void> {
    if (this.started) return
    await this.components.registrar.handle(this.protocol, (stream, connection) => this.receive(stream, connection), {
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
   * Push the current record (or `carried`, this node's revocation
   * certificate) to every holder: connected peers that speak the push
   * protocol, and the peers the exchange answered (dialled if need be).
   * PUSH_CONCURRENCY at a time, each bounded by the exchange timeout; a
   * holder that cannot be reached learns it on its next resolve past its
   * refresh time.
   */
  async pushToHolders (options: AbortOptions & { carried?: Uint8Array } = {}): Promise<PushReport> {
    const targets = await this.holders()
    const report: PushReport = { sent: 0, failed: 0 }
    let next = 0
    const worker = async (): Promise<void> => {
      while (next < targets.length && options.signal?.aborted !== true) {
        const peer = targets[next++]
        try {
          await this.pushTo(peer, options)
          report.sent++
          this.init.metrics.keyPushes.inc({ result: 'sent', role: 'pusher' })
        } catch (err) {
          report.failed++
          this.init.metrics.keyPushes.inc({ result: 'failed', role: 'pusher' })
          this.log.debug({ peer: peer.toString(), code: errorCode(err), err: (err as Error).message }, 'key push failed')
        }
      }
    }
    await Promise.all(Array.from({ length: Math.min(PUSH_CONCURRENCY, targets.length) }, worker))
    this.log.info({ ...report, holders: targets.length }, 'pushed the new key record to holders')
    return report
  }

  /** Connected peers that speak the push protocol, and the peers the exchange answered; once each. */
  private async holders (): Promise<PeerId[]> {
    const targets = new Map<string, PeerId>()
    for (const connection of this.components.connectionManager.getConnections()) {
      const peer = connection.remotePeer
      if (targets.has(peer.toString())) continue
      const protocols = await this.components.peerStore.get(peer).then(p => p.protocols, (): string[] => [])
      if (protocols.includes(this.protocol)) targets.set(peer.toString(), peer)
    }
    for (const peer of this.components.keyExchange.holders()) targets.set(peer.toString(), peer)
    return [...targets.values()]
  }

  /**
   * One push: a stream, one KeyPush, closed; it ends when the receiver has
   * closed its end too (it took the push) and fails with
   * ERR_REFUSED_BY_PEER when the receiver reset the stream (it refused it).
   * In nonce order with our key requests to the peer (inNonceOrder).
   */
  async pushTo (peer: PeerId, options: AbortOptions & { carried?: Uint8Array } = {}): Promise<void> {
    const bounded = (): AbortSignal => AbortSignal.any([options.signal ?? new AbortController().signal, AbortSignal.timeout(EXCHANGE_TIMEOUT_MS)])
    const connection = this.components.connectionManager.getConnections(peer).find(open => open.status === 'open' && open.limits == null) ??
      await this.components.connectionManager.openConnection(peer, { signal: bounded() })
    const { keyExchange } = this.components
    await keyExchange.inNonceOrder(peer, options.signal, async () => {
      const signal = bounded()
      const push = await createKeyPush(this.init.self(), peer, await keyExchange.nonces.nextOutbound(), this.now(), options.carried)
      const stream = await connection.newStream(this.protocol, { signal })
      const taken = closedByPeer(stream, AbortSignal.any([signal, AbortSignal.timeout(PUSH_CLOSE_WAIT_MS)]))
      taken.catch(() => {})
      try {
        await pbStream(stream, { maxDataLength: MAX_MESSAGE_BYTES }).write(push, KeyPush, { signal })
        await stream.close({ signal })
        await taken
      } catch (err) {
        stream.abort(err as Error)
        throw refusalOrNetworkError(err, connection, signal, peer, 'push')
      }
    })
  }

  private async receive (stream: Stream, connection: Connection): Promise<void> {
    const remote = connection.remotePeer
    try {
      admitInbound(this.rateLimiter, remote, 'key pushes')
      const signal = AbortSignal.timeout(EXCHANGE_TIMEOUT_MS)
      const push = await readMessage(pbStream(stream, { maxDataLength: MAX_MESSAGE_BYTES }), decodeKeyPush, 'KeyPush', signal)
      const outcome = await this.accept(push, remote)
      await stream.close({ signal })
      this.init.metrics.keyPushes.inc({ result: outcome, role: 'receiver' })
      this.log.info({ peer: remote.toString(), outcome }, 'took a key push')
    } catch (err) {
      this.init.metrics.keyPushes.inc({ result: 'refused', role: 'receiver' })
      if (err instanceof KeydirError) {
        this.init.metrics.verificationFailures.inc({ source: 'push', reason: err.code })
      }
      this.log.warn({ peer: remote.toString(), code: errorCode(err), err: (err as Error).message }, 'refused a key push')
      stream.abort(err as Error)
    }
  }

  /**
   * The checks, cheapest first: a peer we hold, then the message, then its
   * nonce, then the registry's rules (ERR_ROLLBACK, ERR_KEY_CHANGED, ...),
   * which refuse without touching what is stored.
   */
  private async accept (push: KeyPush, remote: PeerId): Promise<'stored' | 'unchanged'> {
    const { registry } = this.init
    // PeerIds are free: a push from a peer we never asked about would only fill the registry.
    if (!await registry.holds(remote)) {
      throw new ExchangeError('ERR_PUSH_UNSOLICITED', `${remote.toString()} pushed a record, but this node holds no keys of it`)
    }
    const context = { crypto: this.init.crypto, validator: this.init.validator, revocations: this.init.revocations, now: this.now() }
    // Only a held peer's pushes count towards its score: a stranger's would only fill the table.
    const value = await checkKeyPush(context, push, remote, this.init.self().peerId).catch((err: unknown) => {
      const outcome = failedExchangeOutcome(err, false)
      if (outcome !== undefined) this.init.scores?.note(remote, outcome)
      throw err
    })
    if (!await this.components.keyExchange.nonces.acceptInbound(remote, push.nonce)) {
      throw new ExchangeError('ERR_REPLAYED_NONCE', 'push nonce is not above the last one accepted from this peer')
    }
    // A revocation must still link to the pin (the Ed25519 key alone cannot revoke a pinned peer).
    if (value.kind === 'revocation') return registry.storeRevocation(value.revocation, { unsolicited: true })
    // A peer held as learned unasked stays in that bounded store; a resolved one stays resolved.
    return registry.storePeerKeys(value.record, 'direct', { verified: true, unsolicited: true, checked: true, evidenceSource: 'push' })
  }
}

/** Key pushes as a libp2p service factory, registered after the key exchange (`services.keyPush`). */
export function keyPush (init: KeyPushInit): (components: KeyPushComponents) => KeyPushService {
  return (components) => new KeyPushService(components, init)
}
