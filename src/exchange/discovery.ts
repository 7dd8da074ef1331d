import { errorCode } from '../errors.js'
import { silentLogger } from '../util/log.js'
import { EXCHANGE_PROTOCOL } from './constants.js'
import type { KeyExchange } from './key-exchange.js'
import type { KeydirMetrics } from '../metrics/index.js'
import type { PeerKeyRegistry } from '../registry/index.js'
import type { KeydirLogger } from '../util/log.js'
import type { Libp2pEvents, PeerId, Startable, TypedEventTarget } from '@libp2p/interface'

export interface KeyDiscoveryComponents {
  events: TypedEventTarget<Libp2pEvents>
  /** The key exchange service, registered before this one. */
  keyExchange: KeyExchange
}

export interface KeyDiscoveryInit {
  registry: PeerKeyRegistry
  metrics: KeydirMetrics
  logger?: KeydirLogger
  /** The exchange's protocol: only peers that speak it are asked. Default `/numi/keyx/1.0.0`. */
  protocol?: string
  /** Ask newly identified peers for their keys (the seed's discovery). Default true. */
  discoverOnConnect?: boolean
  /** Forget a peer's record when it disconnects, as the seed did. Default false. */
  removeKeysOnDisconnect?: boolean
}

/**
 * The seed's automatic discovery, as a libp2p service: a newly identified
 * peer that speaks the exchange is asked for its keys if the registry
 * lacks them. What it tells us unasked goes to the registry's bounded store
 * of unsolicited peers. Optionally, a peer's record is forgotten when it
 * disconnects.
 */
export class KeyDiscovery implements Startable {
  readonly [Symbol.toStringTag] = 'keydir/key-discovery'
  private readonly components: KeyDiscoveryComponents
  private readonly init: KeyDiscoveryInit
  private readonly protocol: string
  private readonly log: KeydirLogger

  constructor (components: KeyDiscoveryComponents, init: KeyDiscoveryInit) {
    this.components = components
    this.init = init
    this.protocol = init.protocol ?? EXCHANGE_PROTOCOL
    this.log = init.logger ?? silentLogger
  }

  start (): void {
    this.components.events.addEventListener('peer:identify', this.onIdentify)
    this.components.events.addEventListener('peer:disconnect', this.onDisconnect)
  }

  stop (): void {
    this.components.events.removeEventListener('peer:identify', this.onIdentify)
    this.components.events.removeEventListener('peer:disconnect', this.onDisconnect)
  }

  private readonly onIdentify = (event: CustomEvent<{ peerId: PeerId, protocols: string[] }>): void => {
    const { peerId, protocols } = event.detail
    if (this.init.discoverOnConnect === false || !protocols.includes(this.protocol)) return
    void this.discover(peerId)
  }

  private async discover (peerId: PeerId): Promise<void> {
    const registry = this.init.registry
    // Another request for this peer is pending (or its keys are known): that one is not ours to complete.
    if (!await registry.requestKeysIfNeeded(peerId).catch(() => false)) return
    try {
      const record = await this.components.keyExchange.request(peerId)
      // Any peer can connect, and PeerIds are free: what it told us unasked goes to the registry's bounded store.
      await registry.storePeerKeys(record, 'direct', { verified: true, unsolicited: true })
    } catch (err) {
      if (errorCode(err) === 'ERR_UNSOLICITED_LIMIT') this.init.metrics.unsolicitedRecords.inc({ result: 'rate_limited' })
      this.log.debug({ peer: peerId.toString(), code: errorCode(err) }, 'discovery on connect failed')
    } finally {
      registry.completeRequest(peerId)
    }
  }

  private readonly onDisconnect = (event: CustomEvent<PeerId>): void => {
    if (this.init.removeKeysOnDisconnect !== true) return
    void this.init.registry.removePeerKeys(event.detail).catch(() => {})
  }
}

/** Discovery on connect as a libp2p service factory, registered after the key exchange (`services.keyDiscovery`). */
export function keyDiscovery (init: KeyDiscoveryInit): (components: KeyDiscoveryComponents) => KeyDiscovery {
  return (components) => new KeyDiscovery(components, init)
}
