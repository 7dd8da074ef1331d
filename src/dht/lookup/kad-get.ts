import { peerIdFromMultihash } from '@libp2p/peer-id'
import { Libp2pRecord } from '@libp2p/record'
import { pbStream } from '@libp2p/utils'
import { multiaddr } from '@multiformats/multiaddr'
import * as Digest from 'multiformats/hashes/digest'
import { equals as uint8ArrayEquals } from 'uint8arrays/equals'
import { KadGetValue } from '../../../protobuf/kad-get.js'
import { MAX_KAD_MESSAGE_BYTES } from '../constants.js'
import type { AbortOptions, Libp2p, PeerId, PeerInfo, Stream } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'

/** What one peer answered to a GET_VALUE: the value it holds under the key, if any, and the closer peers it named. */
export interface KadAnswer {
  value?: Uint8Array
  closer: PeerInfo[]
}

/** Asks one peer for the value under a key; rejects when the peer cannot be reached or answers malformed. */
export type AskPeer = (peer: PeerInfo, key: Uint8Array, options: AbortOptions) => Promise<KadAnswer>

export interface KadGetComponents {
  /** libp2p's: a stream over a held connection, or over a new one to the given addresses. */
  libp2p: Pick<Libp2p, 'dialProtocol' | 'getConnections'>
  /** The DHT protocol (keydir's `/numi/kad/1.0.0` unless configured). */
  protocol: string
  /** Filters the addresses other peers name (kad-dht's peerInfoMapper: private ones go unless on a local network). */
  peerInfoMapper: (peer: PeerInfo) => PeerInfo
}

/** An answer that came but could not be read: counted against its peer as invalid, not as a timeout. */
export class MalformedAnswer extends Error {
  constructor (message: string, options?: ErrorOptions) {
    super(message, options)
    this.name = 'MalformedAnswer'
  }
}

/** The libp2p Kademlia message type GET_VALUE. */
const GET_VALUE = 1
/** kad-dht names at most K closer peers; more is a hostile answer. */
const MAX_CLOSER_PEERS = 20
/** Addresses per named peer, and the bytes of a PeerId or an address, at most. */
const MAX_ADDRS_PER_PEER = 16
const MAX_PEER_ID_BYTES = 64
const MAX_ADDR_BYTES = 256

/**
 * GET_VALUE over the DHT protocol, one peer at a time, the way kad-dht's
 * network sends it (one length-prefixed Kademlia message each way). The
 * answer is hostile: its size, its closer peers and their addresses are
 * capped, and a record filed under another key is refused.
 */
export function kadGet (components: KadGetComponents): AskPeer {
  return async (peer, key, options) => {
    const stream = await openStream(components, peer, options)
    try {
      const pb = pbStream(stream, { maxDataLength: MAX_KAD_MESSAGE_BYTES })
      await pb.write({ type: GET_VALUE, key: key as Uint8Array<ArrayBuffer>, record: new Uint8Array(0), closerPeers: [] }, KadGetValue, options)
      const answer = await pb.read(KadGetValue, {
        ...options,
        limits: { closerPeers: MAX_CLOSER_PEERS, closerPeers$: { addrs: MAX_ADDRS_PER_PEER } }
      }).catch(err => {
        // A read cut short by the signal is the peer's silence; anything else is what it sent.
        throw options.signal?.aborted === true ? err : new MalformedAnswer(`unreadable GET_VALUE answer: ${(err as Error).message}`, { cause: err })
      })
      void stream.close(options).catch(() => {})
      return { value: recordValue(answer, key), closer: closerPeers(components, answer) }
    } catch (err) {
      stream.abort(err as Error)
      throw err
    }
  }
}

/** Over a connection held already; else dialled at the addresses the path was given (the peer store's when it has none). */
async function openStream (components: KadGetComponents, peer: PeerInfo, options: AbortOptions): Promise<Stream> {
  const { libp2p, protocol } = components
  if (peer.multiaddrs.length === 0 || libp2p.getConnections(peer.id).length > 0) {
    return libp2p.dialProtocol(peer.id, protocol, options)
  }
  const suffix = `/p2p/${peer.id.toString()}`
  return libp2p.dialProtocol(peer.multiaddrs.map(address => address.toString().endsWith(suffix) ? address : address.encapsulate(suffix)), protocol, options)
}

function recordValue (answer: KadGetValue, key: Uint8Array): Uint8Array | undefined {
  if (answer.record.byteLength === 0) return undefined
  let record: Libp2pRecord
  try {
    record = Libp2pRecord.deserialize(answer.record)
  } catch (err) {
    throw new MalformedAnswer('the answer holds a record that does not deserialize', { cause: err })
  }
  if (!uint8ArrayEquals(record.key, key)) throw new MalformedAnswer('the answer holds a record filed under another key')
  return record.value
}

/** The named peers that parse, with the addresses the mapper keeps; the rest are dropped, not fatal. */
function closerPeers (components: KadGetComponents, answer: KadGetValue): PeerInfo[] {
  const peers: PeerInfo[] = []
  for (const named of answer.closerPeers) {
    const peer = parsePeer(named)
    if (peer === undefined) continue
    const mapped = components.peerInfoMapper(peer)
    if (mapped.multiaddrs.length > 0) peers.push(mapped)
  }
  return peers
}

function parsePeer (named: KadGetValue.Peer): PeerInfo | undefined {
  if (named.id.byteLength === 0 || named.id.byteLength > MAX_PEER_ID_BYTES) return undefined
  let id: PeerId
  try {
    id = peerIdFromMultihash(Digest.decode(named.id))
  } catch {
    return undefined
  }
  const multiaddrs: Multiaddr[] = []
  for (const bytes of named.addrs) {
    if (bytes.byteLength > MAX_ADDR_BYTES) continue
    try {
      multiaddrs.push(multiaddr(bytes))
    } catch {}
  }
  return { id, multiaddrs }
}
