import { createHash } from 'node:crypto'
import { base58btc } from 'multiformats/bases/base58'
import { equals as uint8ArrayEquals } from 'uint8arrays/equals'
import { ML_DSA_65 } from '../crypto/types.js'
import { InvalidRecordError } from '../errors.js'
import { ROUTING_KEY_PREFIX } from './constants.js'

/**
 * The PeerId an ML-DSA-65 key has under libp2p's RFC 0004 draft
 * (libp2p/specs PR 710, docs/record-format.md "ML-DSA PeerId"): the libp2p
 * PublicKey protobuf `{ Type = 4 (MLDSA), Data = 0x02 || key }`, too long
 * for an identity multihash, so the PeerId is its SHA-256 multihash. Such
 * a PeerId names the key but does not carry it: a keydir record, which
 * carries the key and is signed by it, is where it is found.
 */

/** The key type RFC 0004 adds to libp2p's KeyType enum. */
export const MLDSA_KEY_TYPE = 4
/** RFC 0004's variant prefix, the first byte of `Data`, for ML-DSA-65. */
export const ML_DSA_65_VARIANT = 0x02

/** The libp2p PublicKey protobuf of an ML-DSA-65 key, as RFC 0004 encodes it (1,958 bytes). */
export function mlDsaLibp2pPublicKey (mlDsaPublicKey: Uint8Array): Uint8Array {
  if (mlDsaPublicKey.length !== ML_DSA_65.publicKey) {
    throw new InvalidRecordError('ERR_BAD_KEY_LENGTH', `ML-DSA-65 public key must be ${ML_DSA_65.publicKey} bytes, got ${mlDsaPublicKey.length}`)
  }
  const dataLength = 1 + mlDsaPublicKey.length
  // Field 1 (Type, varint) = 4; field 2 (Data, length-delimited) with a two-byte varint length (1953 = 0xa1 0x0f).
  const out = new Uint8Array(2 + 1 + 2 + dataLength)
  out.set([0x08, MLDSA_KEY_TYPE, 0x12, (dataLength & 0x7f) | 0x80, dataLength >> 7, ML_DSA_65_VARIANT])
  out.set(mlDsaPublicKey, 6)
  return out
}

/** The ML-DSA PeerId's multihash bytes: `0x12 0x20 || SHA-256(PublicKey protobuf)`, 34 bytes. */
export function mlDsaPeerIdBytes (mlDsaPublicKey: Uint8Array): Uint8Array {
  const digest = createHash('sha256').update(mlDsaLibp2pPublicKey(mlDsaPublicKey)).digest()
  const out = new Uint8Array(34)
  out.set([0x12, 0x20])
  out.set(digest, 2)
  return out
}

/** The ML-DSA PeerId in text: base58btc of the multihash, no multibase prefix (it starts `Qm`). */
export function mlDsaPeerIdString (mlDsaPublicKey: Uint8Array): string {
  return base58btc.baseEncode(mlDsaPeerIdBytes(mlDsaPublicKey))
}

/** Whether PeerId multihash bytes can be an ML-DSA PeerId: a SHA-256 multihash (`0x12 0x20` + 32 bytes). An RSA PeerId has the same shape. */
export function isSha256Multihash (bytes: Uint8Array): boolean {
  return bytes.length === 34 && bytes[0] === 0x12 && bytes[1] === 0x20
}

/**
 * Whether `multihash` (a PeerId asked for, or the rest of a `/pqk/` key)
 * names the record: its Ed25519 PeerId's bytes, or the ML-DSA PeerId of
 * its ML-DSA-65 key (docs/record-format.md, "ML-DSA PeerId").
 */
export function peerIdNamesRecord (multihash: Uint8Array, record: { peerId: { toMultihash: () => { bytes: Uint8Array } }, mlDsaPublicKey: Uint8Array }): boolean {
  if (uint8ArrayEquals(record.peerId.toMultihash().bytes, multihash)) return true
  return isSha256Multihash(multihash) && uint8ArrayEquals(mlDsaPeerIdBytes(record.mlDsaPublicKey), multihash)
}

/** The DHT key a record is also put under: `/pqk/` + its ML-DSA PeerId's multihash. */
export function mlDsaRoutingKey (mlDsaPublicKey: Uint8Array): Uint8Array {
  const multihash = mlDsaPeerIdBytes(mlDsaPublicKey)
  const key = new Uint8Array(ROUTING_KEY_PREFIX.length + multihash.length)
  key.set(ROUTING_KEY_PREFIX)
  key.set(multihash, ROUTING_KEY_PREFIX.length)
  return key
}
