import { generateKeyPairFromSeed, privateKeyFromProtobuf, privateKeyToProtobuf } from '@libp2p/crypto/keys'
import { equals as uint8ArrayEquals } from 'uint8arrays/equals'
import { corrupt } from './read-secret-file.js'
import type { PrivateKey } from '@libp2p/interface'

/** libp2p.key holds the libp2p protobuf form: what js-libp2p and go-libp2p both read. */
export function encodeLibp2pKey (privateKey: PrivateKey): Uint8Array {
  return privateKeyToProtobuf(privateKey)
}

const ED25519_SEED_LENGTH = 32

/**
 * Decode libp2p.key, accepting only a well-formed Ed25519 key. `path` names
 * the file in the error.
 */
export async function decodeLibp2pKey (bytes: Uint8Array, path: string): Promise<PrivateKey> {
  let key: PrivateKey
  try {
    key = privateKeyFromProtobuf(bytes)
  } catch (err) {
    throw corrupt(path, 'is not a libp2p private key', err)
  }
  if (key.type !== 'Ed25519') {
    throw corrupt(path, `holds a ${key.type} key, but keydir needs an Ed25519 key`)
  }
  // Trailing or extra bytes mean the file is not what we wrote.
  if (!uint8ArrayEquals(privateKeyToProtobuf(key), bytes)) {
    throw corrupt(path, 'has bytes beyond its Ed25519 key')
  }
  // The stored key is seed || public key, and the PeerId comes from the
  // public half: a flipped bit there would silently give another PeerId.
  const derived = await generateKeyPairFromSeed('Ed25519', key.raw.subarray(0, ED25519_SEED_LENGTH))
  if (!derived.publicKey.equals(key.publicKey)) {
    throw corrupt(path, 'has an Ed25519 public key that does not match its private key')
  }
  return key
}
