import { RegistryError } from '../errors.js'
import { peerIdOf } from '../util/peer-id.js'
import type { PeerId } from '@libp2p/interface'

/** The registry's database key of a peer (its base58btc string) and the PeerId itself. */
export interface PeerKey {
  key: string
  peerId: PeerId
}

/** Parse a PeerId or its string form; throws RegistryError ERR_BAD_PEER_ID. */
export function parsePeer (peerId: PeerId | string): PeerKey {
  if (typeof peerId !== 'string') {
    return { key: peerId.toString(), peerId }
  }
  let parsed: PeerId
  try {
    parsed = peerIdOf(peerId)
  } catch (err) {
    throw new RegistryError('ERR_BAD_PEER_ID', `"${peerId.slice(0, 100)}" is not a valid PeerId`, { cause: err })
  }
  return { key: parsed.toString(), peerId: parsed }
}

/** parsePeer for a key read from disk: a bad one goes to `onError` and gives undefined. */
export function tryParsePeer (key: string, onError: (err: Error) => void): PeerKey | undefined {
  try {
    return parsePeer(key)
  } catch (err) {
    onError(err as Error)
    return undefined
  }
}
