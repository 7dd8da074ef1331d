import { peerIdFromMultihash } from '@libp2p/peer-id'
import { Libp2pRecord } from '@libp2p/record'
import { lpStream } from '@libp2p/utils'
import { multiaddr } from '@multiformats/multiaddr'
import * as Digest from 'multiformats/hashes/digest'
import { equals as uint8ArrayEquals } from 'uint8arrays/equals'
import { KadGetValue } from '../../../protobuf/kad-get.js'
import { KeydirError } from '../../errors.js'
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
  /** libp2p's: a stream over a held connection, or over a new one to the addresses its peer store knows, or else to the ones the path was given. */
  libp2p: Pick<Libp2p, 'dialProtocol' | 'getConnections' | 'peerStore'>
  /** The DHT protocol (keydir's `/numi/kad/1.0.0` unless configured). */
  protocol: string
  /** Filters the addresses other peers name (kad-dht's peerInfoMapper: private ones go unless on a local network). */
  peerInfoMapper: (peer: PeerInfo) => PeerInfo
}

/** An answer that came but could not be read (ERR_DHT_BAD_ANSWER): counted against its peer as invalid, not as a timeout. */
export class MalformedAnswer extends KeydirError {
  constructor (message: string, options?: ErrorOptions) {
    super('ERR_DHT_BAD_ANSWER', message, options)
    this.name = 'MalformedAnswer'
  }
}

/**
 * The peer could not be reached. `namedAddresses`: only at the addresses
 * another peer named for it, which may be that peer's lie: not the named
 * peer's fault.
 */
export class Unreachable extends KeydirError {
  constructor (message: string, readonly namedAddresses: boolean, options?: ErrorOptions) {
    super('ERR_DHT_UNREACHABLE', message, options)
    this.name = 'Unreachable'
  }
}

/** The libp2p Kademlia message type GET_VALUE. */
const GET_VALUE = 1
/** kad-dht names at most K closer peers: the first K are taken, the rest dropped (the message's size bounds the decoding). */
const MAX_CLOSER_PEERS = 20
/** Addresses taken per named peer (more are dropped), and the bytes of a PeerId or an address, at most. */
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
      const lp = lpStream(stream, { maxDataLength: MAX_KAD_MESSAGE_BYTES })
      await lp.write(KadGetValue.encode({ type: GET_VALUE, key: key as Uint8Array<ArrayBuffer>, record: new Uint8Array(0), closerPeers: [] }), options)
      const bytes = await lp.read(options).catch(err => {
        // A length prefix the peer got wrong is its doing; a lost stream or our own signal is silence.
        throw UNREADABLE.has((err as Error).name) ? new MalformedAnswer(`unreadable GET_VALUE answer: ${(err as Error).message}`, { cause: err }) : err
      })
      void stream.close(options).catch(() => {})
      return decodeKadAnswer(bytes.subarray(), key, components.peerInfoMapper)
    } catch (err) {
      stream.abort(err as Error)
      throw err
    }
  }
}

/** Over a connection held already; else dialled at the addresses the path was given (the peer store's when it has none). */
async function openStream (components: KadGetComponents, peer: PeerInfo, options: AbortOptions): Promise<Stream> {
  const { libp2p, protocol } = components
  const known = peer.multiaddrs.length === 0 || libp2p.getConnections(peer.id).length > 0 || await hasAddresses(libp2p, peer.id)
  try {
    if (known) return await libp2p.dialProtocol(peer.id, protocol, options)
    const suffix = `/p2p/${peer.id.toString()}`
    return await libp2p.dialProtocol(peer.multiaddrs.map(address => address.toString().endsWith(suffix) ? address : address.encapsulate(suffix)), protocol, options)
  } catch (err) {
    if (options.signal?.aborted === true) throw err
    throw new Unreachable(`could not open a DHT stream to ${peer.id.toString()}: ${(err as Error).message}`, !known, { cause: err })
  }
}

async function hasAddresses (libp2p: KadGetComponents['libp2p'], peer: PeerId): Promise<boolean> {
  try {
    return (await libp2p.peerStore.get(peer)).addresses.length > 0
  } catch {
    return false
  }
}

/** Errors of reading a length prefix the peer got wrong (too long, malformed): the sender's doing. */
const UNREADABLE = new Set(['InvalidMessageLengthError', 'InvalidDataLengthError', 'InvalidDataLengthLengthError', 'StreamBufferError'])

/**
 * What a GET_VALUE answer's bytes (without their length prefix) say: the
 * value under `key`, and the closer peers that parse, the first K, with
 * the first addresses of each that the mapper keeps. MalformedAnswer for
 * bytes that are no Kademlia message, or a record that does not
 * deserialize or is filed under another key.
 */
export function decodeKadAnswer (bytes: Uint8Array, key: Uint8Array, peerInfoMapper: (peer: PeerInfo) => PeerInfo): KadAnswer {
  let answer: KadGetValue
  try {
    answer = KadGetValue.decode(bytes)
  } catch (err) {
    throw new MalformedAnswer(`the GET_VALUE answer is no Kademlia message: ${(err as Error).message}`, { cause: err })
  }
  return { value: recordValue(answer, key), closer: closerPeers(peerInfoMapper, answer) }
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
function closerPeers (peerInfoMapper: (peer: PeerInfo) => PeerInfo, answer: KadGetValue): PeerInfo[] {
  const peers: PeerInfo[] = []
  for (const named of answer.closerPeers.slice(0, MAX_CLOSER_PEERS)) {
    const peer = parsePeer(named)
    if (peer === undefined) continue
    const mapped = peerInfoMapper(peer)
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
  for (const bytes of named.addrs.slice(0, MAX_ADDRS_PER_PEER)) {
    if (bytes.byteLength > MAX_ADDR_BYTES) continue
    try {
      multiaddrs.push(multiaddr(bytes))
    } catch {}
  }
  return { id, multiaddrs }
}
