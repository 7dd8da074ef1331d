import { ByteWriter } from '../util/byte-writer.js'
import { RECORD_DOMAIN, RECORD_V2_DOMAIN, ROTATION_DOMAIN } from './constants.js'
import type { KeyRecordContent, RotationLink, RotationProof } from './types.js'
import type { PeerId } from '@libp2p/interface'

/**
 * The canonical byte strings that signatures cover. They are built from the
 * fields with fixed widths, never by re-encoding a decoded protobuf, so a
 * verifier in any language rebuilds them byte for byte
 * (docs/record-format.md).
 */

const encoder = new TextEncoder()
export const RECORD_CONTEXT = encoder.encode(RECORD_DOMAIN)
/** A version-2 record's domain prefix and ML-DSA-65 context. */
export const RECORD_V2_CONTEXT = encoder.encode(RECORD_V2_DOMAIN)

/**
 * The ML-DSA-65 context a record is signed under: RECORD_V2_CONTEXT for a
 * record with an X25519 key (version 2), RECORD_CONTEXT otherwise. The same
 * string opens its signed bytes.
 */
export function recordContext (content: Pick<KeyRecordContent, 'x25519PublicKey'>): Uint8Array {
  return content.x25519PublicKey === undefined ? RECORD_CONTEXT : RECORD_V2_CONTEXT
}
export const ROTATION_CONTEXT = encoder.encode(ROTATION_DOMAIN)

/**
 * What the libp2p key and the record's ML-DSA-65 key both sign. A record
 * without a previous record hash and without history signs exactly the
 * bytes it did before those fields existed; one with either appends them.
 * A version-2 record (one with an X25519 key) has its own layout, below.
 */
export function recordSignedBytes (content: KeyRecordContent): Uint8Array {
  if (content.x25519PublicKey !== undefined) return recordV2SignedBytes(content, content.x25519PublicKey)
  const peerId = content.peerId.toMultihash().bytes
  const { rotation } = content
  // An empty hash is no hash: the protobuf cannot carry it, so it must not be signed either.
  const previousRecordHash = content.previousRecordHash?.length === 0 ? undefined : content.previousRecordHash
  const history = content.history ?? []
  const extended = previousRecordHash != null || history.length > 0
  const length = RECORD_CONTEXT.length + 1 + 2 + peerId.length + 2 + content.mlDsaPublicKey.length + 2 + content.mlKemPublicKey.length + 3 * 8 + 1 +
    rotationLength(rotation) +
    (extended ? 1 + 2 + (previousRecordHash?.length ?? 0) + 1 + linksLength(history) : 0)
  const writer = new ByteWriter(length)
    .domain(RECORD_CONTEXT)
    .prefixed(peerId)
    .prefixed(content.mlDsaPublicKey)
    .prefixed(content.mlKemPublicKey)
    .u64(content.seq)
    .u64(content.issuedAt)
    .u64(content.expiresAt)
  writeRotation(writer, rotation)
  if (!extended) {
    return writer.finish()
  }
  // The history extension: present exactly when the record has either field,
  // so every content has one byte string and every byte string one content.
  writer.u8(1)
    .prefixed(previousRecordHash ?? EMPTY)
    .u8(history.length)
  writeLinks(writer, history)
  return writer.finish()
}

const EMPTY = new Uint8Array(0)

/** The rotation part both record versions sign: 0x00, or 0x01 and the proof's two fields. */
function writeRotation (writer: ByteWriter, rotation: RotationProof | undefined): void {
  if (rotation == null) {
    writer.u8(0)
  } else {
    writer.u8(1)
      .prefixed(rotation.previousFingerprint)
      .prefixed(rotation.signature)
  }
}

function rotationLength (rotation: RotationProof | undefined): number {
  return rotation == null ? 0 : 2 + rotation.previousFingerprint.length + 2 + rotation.signature.length
}

/** The history links, newest first, each as its three length-prefixed fields (the count is written by the caller). */
function writeLinks (writer: ByteWriter, history: RotationLink[]): void {
  for (const link of history) {
    writer.prefixed(link.previousFingerprint)
      .prefixed(link.signature)
      .prefixed(link.mlDsaPublicKey)
  }
}

function linksLength (history: RotationLink[]): number {
  return history.reduce((sum, link) => sum + 6 + link.previousFingerprint.length + link.signature.length + link.mlDsaPublicKey.length, 0)
}

/**
 * A version-2 record's signed bytes: its own domain, so that no version-1
 * record's bytes are a version-2 record's (stripping the X25519 key breaks
 * both signatures), and one fixed layout with every field always written
 * (an absent previous record hash as an empty field, no history as a zero
 * count), so every content has one byte string.
 */
function recordV2SignedBytes (content: KeyRecordContent, x25519PublicKey: Uint8Array): Uint8Array {
  const peerId = content.peerId.toMultihash().bytes
  const { rotation } = content
  const previousRecordHash = content.previousRecordHash ?? EMPTY
  const history = content.history ?? []
  const length = RECORD_V2_CONTEXT.length + 1 + 2 + peerId.length + 2 + content.mlDsaPublicKey.length + 2 + content.mlKemPublicKey.length +
    2 + x25519PublicKey.length + 3 * 8 + 1 +
    rotationLength(rotation) +
    2 + previousRecordHash.length + 1 + linksLength(history)
  const writer = new ByteWriter(length)
    .domain(RECORD_V2_CONTEXT)
    .prefixed(peerId)
    .prefixed(content.mlDsaPublicKey)
    .prefixed(content.mlKemPublicKey)
    .prefixed(x25519PublicKey)
    .u64(content.seq)
    .u64(content.issuedAt)
    .u64(content.expiresAt)
  writeRotation(writer, rotation)
  writer.prefixed(previousRecordHash)
    .u8(history.length)
  writeLinks(writer, history)
  return writer.finish()
}

/** What the previous ML-DSA-65 key signs to hand the peer over to a new one. */
export function rotationSignedBytes (peerId: PeerId, previousFingerprint: Uint8Array, newMlDsaPublicKey: Uint8Array): Uint8Array {
  return new ByteWriter()
    .domain(ROTATION_CONTEXT)
    .prefixed(peerId.toMultihash().bytes)
    .prefixed(previousFingerprint)
    .prefixed(newMlDsaPublicKey)
    .finish()
}
