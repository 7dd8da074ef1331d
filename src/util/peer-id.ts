import { peerIdFromString } from '@libp2p/peer-id'
import { LRUCache } from 'lru-cache'
import type { PeerId } from '@libp2p/interface'

/**
 * PeerIds parsed from strings, by the string. Parsing (base58 and the public
 * key inside) costs about 9 µs, fifteen times a cached resolve itself; a
 * PeerId is an immutable value, so one parse serves every later call.
 * Strings that fail to parse are not kept.
 */
const parsed = new LRUCache<string, PeerId>({ max: 4096 })

/**
 * The one PeerId parse: a PeerId as it is, a string (base58btc or CIDv1)
 * parsed once. Throws libp2p's error for a string that is no PeerId; each
 * boundary (CLI, HTTP, library, config, registry) turns that into its own
 * typed error.
 */
export function peerIdOf (value: PeerId | string): PeerId {
  if (typeof value !== 'string') return value
  const known = parsed.get(value)
  if (known !== undefined) return known
  const peerId = peerIdFromString(value)
  parsed.set(value, peerId)
  return peerId
}
