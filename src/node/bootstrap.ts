import { repeatingTask } from '@libp2p/utils'
import { silentLogger } from '../util/log.js'
import type { BootstrapPeer } from './anchors.js'
import type { PeerKeyRegistry } from '../registry/index.js'
import type { KeydirLogger } from '../util/log.js'
import type { Identify } from '@libp2p/identify'
import type { PeerStore, Startable } from '@libp2p/interface'
import type { ConnectionManager } from '@libp2p/interface-internal'
import type { SingleKadDHT } from '@libp2p/kad-dht'
import type { RepeatingTask } from '@libp2p/utils'

/** How often a node with an empty routing table dials (or identifies) its bootstrap peers again. */
const REJOIN_INTERVAL_MS = 5_000
/** Identify's own default timeout. */
const IDENTIFY_TIMEOUT_MS = 5_000
/** A bootstrap dial gives up after this. */
const DIAL_TIMEOUT_MS = 10_000

export interface BootstrapKeeperComponents {
  connectionManager: Pick<ConnectionManager, 'openConnection' | 'getConnections'>
  peerStore: Pick<PeerStore, 'merge'>
  identify: Pick<Identify, 'identify'>
  dht: SingleKadDHT
}

export interface BootstrapKeeperInit {
  peers: BootstrapPeer[]
  registry: PeerKeyRegistry
  logger?: KeydirLogger
}

/**
 * The bootstrap peers, as a libp2p service: at start the anchors' keys are
 * pinned and every peer's address noted; once libp2p has started they are
 * dialled; and while the routing table is empty they are dialled (or
 * identified) again, so a bootstrap peer that was down or swamped when we
 * started does not leave us alone for good.
 */
export class BootstrapKeeper implements Startable {
  readonly [Symbol.toStringTag] = 'keydir/bootstrap'
  private readonly components: BootstrapKeeperComponents
  private readonly init: BootstrapKeeperInit
  private readonly log: KeydirLogger
  private readonly rejoin: RepeatingTask
  private stopping = new AbortController()

  constructor (components: BootstrapKeeperComponents, init: BootstrapKeeperInit) {
    this.components = components
    this.init = init
    this.log = init.logger ?? silentLogger
    this.rejoin = repeatingTask(async () => { if (this.components.dht.routingTable.size === 0) await this.rejoinBootstrap() }, REJOIN_INTERVAL_MS)
  }

  /** Pin the anchors and note every bootstrap peer's address. */
  async start (): Promise<void> {
    this.stopping = new AbortController()
    await Promise.all(this.init.peers.map(async peer => {
      try {
        if (peer.anchor != null) {
          await this.init.registry.setAnchor(peer.peerId, peer.anchor)
        }
        await this.components.peerStore.merge(peer.peerId, { multiaddrs: [peer.multiaddr.decapsulateCode(421)] })
      } catch (err) {
        this.log.warn({ peer: peer.peerId.toString(), err: (err as Error).message }, 'could not record bootstrap peer')
      }
    }))
  }

  /** Dial them all; a node's start() returns once each dial has ended. */
  async afterStart (): Promise<void> {
    await Promise.all(this.init.peers.map(async peer => this.dial(peer)))
    this.rejoin.start()
  }

  stop (): void {
    this.stopping.abort()
    this.rejoin.stop()
  }

  /**
   * Join again through every bootstrap peer. A peer we are still connected
   * to is identified again instead: kad-dht learns a peer only from
   * identify, which libp2p runs once per connection and never retries, so a
   * connection whose identify timed out (a swamped anchor) would otherwise
   * leave the routing table empty for good.
   */
  private async rejoinBootstrap (): Promise<void> {
    await Promise.all(this.init.peers.map(async peer => {
      const connection = this.components.connectionManager.getConnections(peer.peerId).find(c => c.status === 'open')
      if (connection == null) {
        await this.dial(peer)
        return
      }
      try {
        await this.components.identify.identify(connection, { signal: AbortSignal.any([this.stopping.signal, AbortSignal.timeout(IDENTIFY_TIMEOUT_MS)]) })
        this.log.info({ peer: peer.peerId.toString() }, 'identified bootstrap peer again')
      } catch (err) {
        this.log.warn({ peer: peer.peerId.toString(), err: (err as Error).message }, 'could not identify bootstrap peer')
      }
    }))
  }

  private async dial (peer: BootstrapPeer): Promise<void> {
    try {
      await this.components.connectionManager.openConnection(peer.peerId, { signal: AbortSignal.any([this.stopping.signal, AbortSignal.timeout(DIAL_TIMEOUT_MS)]) })
      this.log.info({ peer: peer.peerId.toString(), anchor: peer.anchor != null }, 'connected to bootstrap peer')
    } catch (err) {
      this.log.warn({ peer: peer.peerId.toString(), err: (err as Error).message }, 'could not reach bootstrap peer')
    }
  }
}

/** The bootstrap peers as a libp2p service factory, registered after kad-dht and identify (`services.bootstrap`). */
export function bootstrapKeeper (init: BootstrapKeeperInit): (components: BootstrapKeeperComponents) => BootstrapKeeper {
  return (components) => new BootstrapKeeper(components, init)
}
