import { peerIdFromMultihash } from '@libp2p/peer-id'
import { LRUCache } from 'lru-cache'
import * as Digest from 'multiformats/hashes/digest'
import { InvalidRecordError } from '../errors.js'
import { bytesKey } from '../util/bytes-key.js'
import { MAX_PEER_ID_BYTES, ROUTING_KEY_PREFIX } from './constants.js'
import type { PeerId } from '@libp2p/interface'

/** The DHT key of a peer's record: the bytes of `/pqk/` then the PeerId's multihash. */
export function routingKeyFor (peerId: PeerId): Uint8Array {
  const multihash = peerId.toMultihash().bytes
  const key = new Uint8Array(ROUTING_KEY_PREFIX.length + multihash.length)
  key.set(ROUTING_KEY_PREFIX)
  key.set(multihash, ROUTING_KEY_PREFIX.length)
  return key
}

/** The PeerId multihash bytes inside a routing key; throws on a key outside our namespace. */
export function peerIdBytesFromRoutingKey (key: Uint8Array): Uint8Array {
  let prefixMatches = key.length > ROUTING_KEY_PREFIX.length
  for (let i = 0; prefixMatches && i < ROUTING_KEY_PREFIX.length; i++) prefixMatches = key[i] === ROUTING_KEY_PREFIX[i]
  if (!prefixMatches) {
    throw new InvalidRecordError('ERR_BAD_ROUTING_KEY', 'routing key is not in the /pqk/ namespace')
  }
  return key.subarray(ROUTING_KEY_PREFIX.length)
}

type Ed25519PeerId = PeerId & { publicKey: { raw: Uint8Array } }

/**
 * PeerIds parsed before, by their bytes. A node meets the same peers again
 * and again, and building a PeerId (multihash, public key object) costs
 * about 1% of a record's validation. Entries own their bytes: a cached
 * PeerId does not keep the record it came from alive.
 */
const parsedPeerIds = new LRUCache<string, Ed25519PeerId>({ max: 4096 })

/**
 * Parse PeerId multihash bytes from the network. Only Ed25519 PeerIds are
 * accepted: their public key is inside the PeerId, so a record can be
 * checked against it with nothing else.
 */
export function ed25519PeerIdFromBytes (bytes: Uint8Array): Ed25519PeerId {
  if (bytes.length === 0 || bytes.length > MAX_PEER_ID_BYTES) {
    throw new InvalidRecordError('ERR_BAD_PEER_ID', `PeerId must be 1 to ${MAX_PEER_ID_BYTES} bytes, got ${bytes.length}`)
  }
  const id = bytesKey(bytes)
  const known = parsedPeerIds.get(id)
  if (known !== undefined) return known
  let peerId: PeerId
  try {
    peerId = peerIdFromMultihash(Digest.decode(new Uint8Array(bytes)))
  } catch (err) {
    throw new InvalidRecordError('ERR_BAD_PEER_ID', 'PeerId bytes are not a valid multihash', { cause: err })
  }
  if (peerId.type !== 'Ed25519' || peerId.publicKey == null) {
    throw new InvalidRecordError('ERR_BAD_PEER_ID', `only Ed25519 PeerIds are supported, got ${peerId.type}`)
  }
  parsedPeerIds.set(id, peerId)
  return peerId
}
