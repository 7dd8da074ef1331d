import { silentLogger } from '../util/log.js'
import type { BootstrapPeer } from './anchors.js'
import type { PeerKeyRegistry } from '../registry/index.js'
import type { KeydirLogger } from '../util/log.js'
import type { Identify } from '@libp2p/identify'
import type { PeerStore, Startable } from '@libp2p/interface'
import type { ConnectionManager } from '@libp2p/interface-internal'
import type { SingleKadDHT } from '@libp2p/kad-dht'

/** How soon a node with an empty routing table first dials (or identifies) its bootstrap peers again. */
export const REJOIN_FIRST_MS = 5_000
/** The longest base wait between two such tries (jittered, up to 1.25x that). */
export const REJOIN_MAX_MS = 60_000
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
  private stopping = new AbortController()
  private rejoinTimer: ReturnType<typeof setTimeout> | undefined
  /** The wait before the next check of the routing table, before its jitter. */
  private rejoinBaseMs = REJOIN_FIRST_MS

  constructor (components: BootstrapKeeperComponents, init: BootstrapKeeperInit) {
    this.components = components
    this.init = init
    this.log = init.logger ?? silentLogger
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
    this.rejoinBaseMs = REJOIN_FIRST_MS
    this.scheduleRejoin(this.stopping.signal)
  }

  stop (): void {
    this.stopping.abort()
    clearTimeout(this.rejoinTimer)
    this.rejoinTimer = undefined
  }

  /**
   * Check the routing table after a jittered wait; join again while it is
   * empty, waiting longer each time. `stopped` is the start's own signal,
   * so a try still running at stop() schedules nothing, even if the node
   * was started again meanwhile.
   */
  private scheduleRejoin (stopped: AbortSignal): void {
    if (stopped.aborted) return
    clearTimeout(this.rejoinTimer)
    this.rejoinTimer = setTimeout(() => {
      if (stopped.aborted) return
      const empty = this.components.dht.routingTable.size === 0
      this.rejoinBaseMs = nextRejoinBase(this.rejoinBaseMs, empty)
      const tried = empty ? this.rejoinBootstrap() : Promise.resolve()
      void tried
        .catch(err => { this.log.warn({ err: (err as Error).message }, 'could not join through the bootstrap peers again') })
        .finally(() => { this.scheduleRejoin(stopped) })
    }, jitteredWait(this.rejoinBaseMs))
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

/**
 * The next wait between checks of the routing table: while it stays empty
 * each try waits twice as long as the last, up to REJOIN_MAX_MS, so the
 * nodes a swamped bootstrap peer turned away do not keep it swamped; once
 * the table has peers, the checks go back to REJOIN_FIRST_MS.
 */
export function nextRejoinBase (lastMs: number, tableEmpty: boolean): number {
  return tableEmpty ? Math.min(lastMs * 2, REJOIN_MAX_MS) : REJOIN_FIRST_MS
}

/** A wait drawn from 0.75 to 1.25 of `baseMs`, so that nodes turned away together do not come back together. */
export function jitteredWait (baseMs: number, random: () => number = Math.random): number {
  return Math.round(baseMs * (0.75 + random() / 2))
}

/** The bootstrap peers as a libp2p service factory, registered after kad-dht and identify (`services.bootstrap`). */
export function bootstrapKeeper (init: BootstrapKeeperInit): (components: BootstrapKeeperComponents) => BootstrapKeeper {
  return (components) => new BootstrapKeeper(components, init)
}
