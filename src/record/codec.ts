import { KeyRecord as KeyRecordMessage } from '../../protobuf/key-record.js'
import { ML_DSA_65, ML_KEM_768 } from '../crypto/types.js'
import { InvalidRecordError } from '../errors.js'
import { ED25519_SIGNATURE_LENGTH, FINGERPRINT_LENGTH, MAX_RECORD_BYTES } from './constants.js'
import { ed25519PeerIdFromBytes } from './routing-key.js'
import type { KeyRecord, KeyRecordContent, RotationProof } from './types.js'

/**
 * Wire <-> domain conversion for key records. `unmarshalKeyRecord` checks
 * structure only (size, canonical protobuf, field lengths and ranges, PeerId
 * form): cheap checks that come before any signature is verified.
 */

export function marshalKeyRecord (content: KeyRecordContent, libp2pSignature: Uint8Array, mlDsaSignature: Uint8Array): Uint8Array {
  return KeyRecordMessage.encode({
    peerId: content.peerId.toMultihash().bytes as Uint8Array<ArrayBuffer>,
    mlDsaPublicKey: content.mlDsaPublicKey as Uint8Array<ArrayBuffer>,
    mlKemPublicKey: content.mlKemPublicKey as Uint8Array<ArrayBuffer>,
    seq: BigInt(content.seq),
    issuedAt: BigInt(content.issuedAt),
    expiresAt: BigInt(content.expiresAt),
    rotation: content.rotation == null
      ? undefined
      : {
          previousFingerprint: content.rotation.previousFingerprint as Uint8Array<ArrayBuffer>,
          signature: content.rotation.signature as Uint8Array<ArrayBuffer>
        },
    libp2pSignature: libp2pSignature as Uint8Array<ArrayBuffer>,
    mlDsaSignature: mlDsaSignature as Uint8Array<ArrayBuffer>
  })
}

export function unmarshalKeyRecord (input: Uint8Array): KeyRecord {
  if (input.length > MAX_RECORD_BYTES) {
    throw new InvalidRecordError('ERR_RECORD_TOO_LARGE', `record is ${input.length} bytes, the limit is ${MAX_RECORD_BYTES}`)
  }
  // Our own plain Uint8Array copy: the decoded fields are views into it, so a
  // caller reusing its buffer (or handing us a Buffer) cannot change a record
  // that has been validated and cached.
  const bytes = new Uint8Array(input)
  let message: KeyRecordMessage
  try {
    message = KeyRecordMessage.decode(bytes)
  } catch (err) {
    throw new InvalidRecordError('ERR_RECORD_MALFORMED', 'record is not a valid KeyRecord protobuf', { cause: err })
  }

  const peerId = ed25519PeerIdFromBytes(message.peerId)
  expectLength('ERR_BAD_KEY_LENGTH', 'ML-DSA-65 public key', message.mlDsaPublicKey, ML_DSA_65.publicKey)
  expectLength('ERR_BAD_KEY_LENGTH', 'ML-KEM-768 public key', message.mlKemPublicKey, ML_KEM_768.publicKey)
  expectLength('ERR_BAD_SIGNATURE_LENGTH', 'libp2p signature', message.libp2pSignature, ED25519_SIGNATURE_LENGTH)
  expectLength('ERR_BAD_SIGNATURE_LENGTH', 'ML-DSA-65 signature', message.mlDsaSignature, ML_DSA_65.signature)

  let rotation: RotationProof | undefined
  if (message.rotation != null) {
    expectLength('ERR_BAD_ROTATION_PROOF', 'rotation fingerprint', message.rotation.previousFingerprint, FINGERPRINT_LENGTH)
    expectLength('ERR_BAD_ROTATION_PROOF', 'rotation signature', message.rotation.signature, ML_DSA_65.signature)
    rotation = { previousFingerprint: message.rotation.previousFingerprint, signature: message.rotation.signature }
  }

  const seq = safeInteger('seq', message.seq)
  if (seq < 1) {
    throw new InvalidRecordError('ERR_FIELD_RANGE', 'seq must be at least 1')
  }
  const record: KeyRecord = {
    peerId,
    mlDsaPublicKey: message.mlDsaPublicKey,
    mlKemPublicKey: message.mlKemPublicKey,
    seq,
    issuedAt: safeInteger('issuedAt', message.issuedAt),
    expiresAt: safeInteger('expiresAt', message.expiresAt),
    rotation,
    libp2pSignature: message.libp2pSignature,
    mlDsaSignature: message.mlDsaSignature,
    bytes
  }

  // One encoding per record: trailing bytes, duplicate or unknown fields and
  // non-minimal varints would let two byte strings carry one record.
  // Buffer.compare is a memcmp; a byte-by-byte JS loop over 6.5 KB cost more than the decode itself.
  const canonical = marshalKeyRecord(record, record.libp2pSignature, record.mlDsaSignature)
  if (canonical.byteLength !== bytes.byteLength || Buffer.compare(canonical, bytes) !== 0) {
    throw new InvalidRecordError('ERR_RECORD_NOT_CANONICAL', 'record bytes are not the canonical encoding (extra, duplicate or unknown fields)')
  }
  return record
}

function expectLength (code: string, what: string, bytes: Uint8Array, length: number): void {
  if (bytes.length !== length) {
    throw new InvalidRecordError(code, `${what} must be ${length} bytes, got ${bytes.length}`)
  }
}

function safeInteger (field: string, value: bigint): number {
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new InvalidRecordError('ERR_FIELD_RANGE', `${field} is larger than 2^53 - 1`)
  }
  return Number(value)
}
