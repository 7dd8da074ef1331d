import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { expandXWingSeed } from '../crypto/x-wing.js'
import type { PqKeyFile } from './pq-key.js'
import type { Identity } from './types.js'
import type { PqCrypto } from '../crypto/types.js'
import type { PrivateKey } from '@libp2p/interface'

/** Expand checked key material into a usable Identity; the seeds are kept for rewriting pq.key. */
export function buildIdentity (privateKey: PrivateKey, pq: PqKeyFile, crypto: PqCrypto): Identity {
  const identity: Identity = {
    privateKey,
    peerId: peerIdFromPrivateKey(privateKey),
    mlDsaSeed: pq.mlDsaSeed,
    mlKemSeed: pq.mlKemSeed,
    mlDsaSigner: crypto.mlDsa65.createSigner(pq.mlDsaSeed),
    mlKem: crypto.mlKem768.createDecapsulator(pq.mlKemSeed),
    retiredKem: pq.retiredKem ?? []
  }
  if (pq.kemSeed != null) {
    identity.kemSeed = pq.kemSeed
    identity.x25519PublicKey = expandXWingSeed(pq.kemSeed).x25519PublicKey
  }
  if (pq.rotation != null) {
    identity.rotation = pq.rotation
  }
  if (pq.history != null && pq.history.length > 0) {
    identity.history = pq.history
  }
  return identity
}
