import { KeydirError } from '../errors.js'
import type { ConnectionManager } from '@libp2p/interface-internal'
import type { SingleKadDHT } from '@libp2p/kad-dht'

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
  /** Bootstrap peers configured: the node keeps dialling them, so one may join at any moment. */
  bootstrapPeers: number
}

/**
 * kad-dht's routing table and libp2p's connections as DhtPeers. kad-dht
 * types its routing table with `size` only; the table is an event target
 * that dispatches `peer:add` in the version package-lock.json pins, which
 * is checked here, at start, rather than at the first put.
 */
export function dhtPeersOf (dht: Pick<SingleKadDHT, 'routingTable'>, connectionManager: Pick<ConnectionManager, 'getConnections'>, bootstrapPeers = 0): DhtPeers {
  const table = dht.routingTable as unknown as Partial<DhtRoutingTable>
  if (typeof table.addEventListener !== 'function' || typeof table.removeEventListener !== 'function') {
    throw new Error('kad-dht\'s routing table dispatches no events: keydir needs the kad-dht version package-lock.json pins')
  }
  return { routingTable: table as DhtRoutingTable, connections: () => connectionManager.getConnections().length, bootstrapPeers }
}

/** No DHT peer and no connection: nothing a put or a lookup could reach now. */
export function isAlone (peers: DhtPeers): boolean {
  return peers.routingTable.size === 0 && peers.connections() === 0
}

/**
 * Alone, and no peer on its way either: no bootstrap peer to dial. A lookup
 * on such a node cannot succeed by waiting; one on a node still dialling
 * its bootstrap peers may, a few seconds later.
 */
export function isAloneForGood (peers: DhtPeers): boolean {
  return isAlone(peers) && peers.bootstrapPeers === 0
}

/**
 * ERR_NO_PEERS: `what` (such as "publish to the DHT") cannot be done by a
 * node with no DHT peers; `connections`, when it has some, none of which
 * joined its DHT.
 */
export function noPeersError (what: string, connections = 0, bootstrapPeers = 0): KeydirError {
  if (connections === 0 && bootstrapPeers > 0) {
    return new KeydirError('ERR_NO_PEERS', `cannot ${what}: this node is not connected to any of its ${bootstrapPeers} bootstrap peer${bootstrapPeers === 1 ? '' : 's'} yet ` +
      '(it dials them again every few seconds, and publishes its record once one joins); check that they run and are reachable, then try again')
  }
  const why = connections === 0
    ? 'this node has no DHT peers and no connections'
    : `this node is connected to ${connections} peer${connections === 1 ? '' : 's'}, but none of them joined its DHT (do they run keydir with the same DHT protocol?)`
  return new KeydirError('ERR_NO_PEERS', `cannot ${what}: ${why}; ${NO_PEERS_ADVICE}`)
}
