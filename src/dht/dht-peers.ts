import { KeydirError } from '../errors.js'
import type { ConnectionManager } from '@libp2p/interface-internal'
import type { SingleKadDHT } from '@libp2p/kad-dht'

/**
 * How long a put or lookup waits for a connected peer to join the routing
 * table (identify runs after the connection opens, and kad-dht adds the
 * peer only then) before it gives up with ERR_NO_PEERS.
 */
export const DHT_JOIN_GRACE_MS = 10_000

/** What the operator can do about a node with no DHT peers: the end of every ERR_NO_PEERS message. */
export const NO_PEERS_ADVICE = 'start it with --bootstrap <anchor entry or multiaddr> of a running node ' +
  '(or "bootstrap" in config.json, the bootstrap option in the library; `keydir anchor --json` on that node prints its entry)'

/** kad-dht's routing table as keydir reads it: its size, and `peer:add` when a peer joins. */
export interface DhtRoutingTable {
  readonly size: number
  addEventListener: (type: 'peer:add', listener: () => void) => void
  removeEventListener: (type: 'peer:add', listener: () => void) => void
}

/** Whether this node has DHT peers, or a connection through which one may join. */
export interface DhtPeers {
  routingTable: DhtRoutingTable
  /** Open connections. */
  connections: () => number
}

/**
 * kad-dht's routing table and libp2p's connections as DhtPeers. kad-dht
 * types its routing table with `size` only; the table is an event target
 * that dispatches `peer:add` in the version package-lock.json pins, which
 * is checked here, at start, rather than at the first put.
 */
export function dhtPeersOf (dht: Pick<SingleKadDHT, 'routingTable'>, connectionManager: Pick<ConnectionManager, 'getConnections'>): DhtPeers {
  const table = dht.routingTable as unknown as Partial<DhtRoutingTable>
  if (typeof table.addEventListener !== 'function' || typeof table.removeEventListener !== 'function') {
    throw new Error('kad-dht\'s routing table dispatches no events: keydir needs the kad-dht version package-lock.json pins')
  }
  return { routingTable: table as DhtRoutingTable, connections: () => connectionManager.getConnections().length }
}

/** No DHT peer and no connection: nothing a put or a lookup could reach, and no peer on its way. */
export function isAlone (peers: DhtPeers): boolean {
  return peers.routingTable.size === 0 && peers.connections() === 0
}

/** ERR_NO_PEERS: `what` (such as "publish its record") cannot be done by a node with no DHT peers. */
export function noPeersError (what: string, connections = 0): KeydirError {
  const why = connections === 0
    ? 'this node has no DHT peers and no connections'
    : `this node is connected to ${connections} peer${connections === 1 ? '' : 's'}, but none joined its DHT within ${DHT_JOIN_GRACE_MS / 1000} s (do they run keydir with the same DHT protocol?)`
  return new KeydirError('ERR_NO_PEERS', `cannot ${what}: ${why}; ${NO_PEERS_ADVICE}`)
}

/** A signal aborted with ERR_NO_PEERS once it is clear no DHT peer will take part; `dispose` once the operation ended. */
export interface NoPeersWatch {
  signal: AbortSignal
  dispose: () => void
}

/**
 * kad-dht holds a put or query until a peer joins its routing table, up to
 * the caller's timeout: a lone node would wait the whole of it for nothing.
 * The watch's signal is aborted with ERR_NO_PEERS at once when the node has
 * no DHT peer and no connection, or after DHT_JOIN_GRACE_MS when it has
 * connections and none of them has joined by then. A node with DHT peers
 * gets a signal that never aborts.
 */
export function watchForNoPeers (peers: DhtPeers, what: string, graceMs = DHT_JOIN_GRACE_MS): NoPeersWatch {
  const controller = new AbortController()
  if (peers.routingTable.size > 0) return { signal: controller.signal, dispose: () => {} }
  if (peers.connections() === 0) {
    controller.abort(noPeersError(what))
    return { signal: controller.signal, dispose: () => {} }
  }
  const joined = (): void => { dispose() }
  const timer = setTimeout(() => {
    dispose()
    if (peers.routingTable.size === 0) controller.abort(noPeersError(what, peers.connections()))
  }, graceMs)
  // A timer of its own must not keep a process alive that has nothing else to do.
  timer.unref()
  const dispose = (): void => {
    clearTimeout(timer)
    peers.routingTable.removeEventListener('peer:add', joined)
  }
  peers.routingTable.addEventListener('peer:add', joined)
  return { signal: controller.signal, dispose }
}
