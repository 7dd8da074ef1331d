import { errorCode } from '../errors.js'
import { BOOTSTRAP_JOIN_GRACE_MS } from './constants.js'
import type { DhtRoutingTable } from '../dht/index.js'
import type { KeydirLogger } from '../util/log.js'

export interface AwaitingPeersInit {
  routingTable: DhtRoutingTable
  /** How many bootstrap peers the node was given: what the warning tells the operator to check. */
  bootstrapPeers: number
  /** Publish now: a DHT peer joined. */
  publish: () => void
  logger: KeydirLogger
}

/**
 * The publishes a node with no DHT peers could not make (ERR_NO_PEERS): one
 * warning that says what to do, and one publish as soon as a DHT peer
 * joins. A node started without bootstrap peers is warned at once; one
 * with bootstrap peers only when none of them has joined within
 * BOOTSTRAP_JOIN_GRACE_MS (its start-up publish runs while they are dialled).
 */
export class AwaitingPeers {
  private waiting = false
  /** The operator was told: the end of the wait is worth a line too. */
  private warned = false
  private warnTimer: ReturnType<typeof setTimeout> | undefined
  private readonly joined = (): void => {
    const warned = this.warned
    this.stop()
    if (warned) this.init.logger.info({}, 'a DHT peer joined: publishing the key record')
    this.init.publish()
  }

  constructor (private readonly init: AwaitingPeersInit) {}

  /** A publish failed with `err`: if for want of DHT peers, publish again once one joins (and warn, once until then). */
  noteFailure (err: unknown): void {
    if (errorCode(err) !== 'ERR_NO_PEERS' || this.waiting) return
    if (this.init.routingTable.size > 0) {
      // A peer joined while the put was failing.
      this.init.publish()
      return
    }
    this.waiting = true
    this.init.routingTable.addEventListener('peer:add', this.joined)
    if (this.init.bootstrapPeers === 0) {
      this.warn()
      return
    }
    this.warnTimer = setTimeout(() => { this.warn() }, BOOTSTRAP_JOIN_GRACE_MS)
    this.warnTimer.unref()
  }

  /** Stop waiting (the node stops, or a peer joined). */
  stop (): void {
    this.waiting = false
    this.warned = false
    clearTimeout(this.warnTimer)
    this.init.routingTable.removeEventListener('peer:add', this.joined)
  }

  private warn (): void {
    this.warned = true
    const n = this.init.bootstrapPeers
    this.init.logger.warn({ code: 'ERR_NO_PEERS' }, n === 0
      ? 'no DHT peers: this node was started without bootstrap peers and no node has connected to it, so its key record is ' +
        'published only once one does. Unless it is the first node of its network, start it with --bootstrap <anchor entry or multiaddr> ' +
        '(or "bootstrap" in config.json); `keydir anchor --json` on a running node prints its anchor entry'
      : `no DHT peers: none of this node's ${n} bootstrap peer${n === 1 ? '' : 's'} joined its DHT within ${BOOTSTRAP_JOIN_GRACE_MS / 1000} s ` +
        '(see the lines above), so its key record is published only once a DHT peer connects. Check each --bootstrap entry ' +
        '(or "bootstrap" in config.json): that node must be running, listen at that multiaddr and use the same DHT protocol')
  }
}
