import { KeyRecord as KeyRecordMessage } from '../../protobuf/key-record.js'
import { isMlKem768EncapsulationKey } from '../crypto/checks.js'
import { ML_DSA_65, ML_KEM_768 } from '../crypto/types.js'
import { x25519KeyProblem } from '../crypto/x-wing.js'
import { InvalidRecordError } from '../errors.js'
import { protonsMisencodesUint64 } from '../util/protons-uint64.js'
import { wireFormProblem, type WireSchema } from '../util/wire-form.js'
import { ED25519_SIGNATURE_LENGTH, FINGERPRINT_LENGTH, MAX_HISTORY_LINKS, MAX_RECORD_BYTES, RECORD_HASH_LENGTH, RECORD_VERSION_2, X25519_PUBLIC_KEY_LENGTH } from './constants.js'
import { checkChainStructure } from './history.js'
import { ed25519PeerIdFromBytes } from './routing-key.js'
import type { KeyRecord, KeyRecordContent, RotationLink, RotationProof } from './types.js'

/**
 * Wire <-> domain conversion for key records. `unmarshalKeyRecord` checks
 * structure only (size, canonical protobuf, field lengths and ranges, PeerId
 * form): cheap checks that come before any signature is verified.
 */

export function marshalKeyRecord (content: KeyRecordContent, libp2pSignature: Uint8Array, mlDsaSignature: Uint8Array): Uint8Array {
  encodable('seq', content.seq)
  encodable('issuedAt', content.issuedAt)
  encodable('expiresAt', content.expiresAt)
  return KeyRecordMessage.encode({
    peerId: content.peerId.toMultihash().bytes,
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
    mlDsaSignature: mlDsaSignature as Uint8Array<ArrayBuffer>,
    previousRecordHash: (content.previousRecordHash ?? EMPTY) as Uint8Array<ArrayBuffer>,
    history: (content.history ?? []).map(link => ({
      previousFingerprint: link.previousFingerprint as Uint8Array<ArrayBuffer>,
      signature: link.signature as Uint8Array<ArrayBuffer>,
      mlDsaPublicKey: link.mlDsaPublicKey as Uint8Array<ArrayBuffer>
    })),
    // Version 1 is the absent field: a version-1 record keeps its bytes.
    version: content.x25519PublicKey === undefined ? 0 : RECORD_VERSION_2,
    x25519PublicKey: (content.x25519PublicKey ?? EMPTY) as Uint8Array<ArrayBuffer>
  })
}

const EMPTY = new Uint8Array(0)

export function unmarshalKeyRecord (input: Uint8Array): KeyRecord {
  if (input.length > MAX_RECORD_BYTES) {
    throw new InvalidRecordError('ERR_RECORD_TOO_LARGE', `record is ${input.length} bytes, the limit is ${MAX_RECORD_BYTES}`)
  }
  // Our own plain Uint8Array copy: the decoded fields are views into it, so a
  // caller reusing its buffer (or handing us a Buffer) cannot change a record
  // that has been validated and cached.
  const bytes = new Uint8Array(input)
  // The wire form first, so that the code a hostile record gets depends on its bytes, not on protons.
  switch (wireFormProblem(bytes, KEY_RECORD_WIRE)) {
    case 'malformed':
      throw new InvalidRecordError('ERR_RECORD_MALFORMED', 'record is not a KeyRecord protobuf: truncated, a wire type other than the field\'s, a group, or a value out of its type\'s range')
    case 'not-canonical':
      throw notCanonical()
    case undefined:
  }
  let message: KeyRecordMessage
  try {
    message = KeyRecordMessage.decode(bytes)
  } catch (err) {
    throw new InvalidRecordError('ERR_RECORD_MALFORMED', 'record is not a valid KeyRecord protobuf', { cause: err })
  }

  const peerId = ed25519PeerIdFromBytes(message.peerId)
  expectLength('ERR_BAD_KEY_LENGTH', 'ML-DSA-65 public key', message.mlDsaPublicKey, ML_DSA_65.publicKey)
  expectLength('ERR_BAD_KEY_LENGTH', 'ML-KEM-768 public key', message.mlKemPublicKey, ML_KEM_768.publicKey)
  if (!isMlKem768EncapsulationKey(message.mlKemPublicKey)) {
    throw new InvalidRecordError('ERR_BAD_ML_KEM_KEY', 'ML-KEM-768 public key fails FIPS 203\'s encapsulation-key check: a coefficient is not below q = 3329')
  }
  const x25519PublicKey = versionedX25519Key(message)
  expectLength('ERR_BAD_SIGNATURE_LENGTH', 'libp2p signature', message.libp2pSignature, ED25519_SIGNATURE_LENGTH)
  expectLength('ERR_BAD_SIGNATURE_LENGTH', 'ML-DSA-65 signature', message.mlDsaSignature, ML_DSA_65.signature)

  let rotation: RotationProof | undefined
  if (message.rotation != null) {
    expectLength('ERR_BAD_ROTATION_PROOF', 'rotation fingerprint', message.rotation.previousFingerprint, FINGERPRINT_LENGTH)
    expectLength('ERR_BAD_ROTATION_PROOF', 'rotation signature', message.rotation.signature, ML_DSA_65.signature)
    rotation = { previousFingerprint: message.rotation.previousFingerprint, signature: message.rotation.signature }
  }
  if (message.previousRecordHash.length !== 0) {
    expectLength('ERR_BAD_HASH_LENGTH', 'previous record hash', message.previousRecordHash, RECORD_HASH_LENGTH)
  }
  if (message.history.length > MAX_HISTORY_LINKS) {
    throw new InvalidRecordError('ERR_HISTORY_TOO_LONG', `record carries ${message.history.length} history links, at most ${MAX_HISTORY_LINKS} are allowed`)
  }
  const history: RotationLink[] = message.history.map(link => {
    expectLength('ERR_BAD_ROTATION_PROOF', 'history link fingerprint', link.previousFingerprint, FINGERPRINT_LENGTH)
    expectLength('ERR_BAD_ROTATION_PROOF', 'history link signature', link.signature, ML_DSA_65.signature)
    expectLength('ERR_BAD_ROTATION_PROOF', 'history link key', link.mlDsaPublicKey, ML_DSA_65.publicKey)
    return { previousFingerprint: link.previousFingerprint, signature: link.signature, mlDsaPublicKey: link.mlDsaPublicKey }
  })

  const seq = safeInteger('seq', message.seq)
  if (seq < 1) {
    throw new InvalidRecordError('ERR_FIELD_RANGE', 'seq must be at least 1')
  }
  const issuedAt = safeInteger('issuedAt', message.issuedAt)
  const expiresAt = safeInteger('expiresAt', message.expiresAt)

  const record: KeyRecord = {
    peerId,
    mlDsaPublicKey: message.mlDsaPublicKey,
    mlKemPublicKey: message.mlKemPublicKey,
    seq,
    issuedAt,
    expiresAt,
    rotation,
    libp2pSignature: message.libp2pSignature,
    mlDsaSignature: message.mlDsaSignature,
    bytes
  }
  // Set only when present, so a record without them has the same shape as before they existed.
  if (message.previousRecordHash.length !== 0) record.previousRecordHash = message.previousRecordHash
  if (history.length !== 0) record.history = history
  if (x25519PublicKey !== undefined) record.x25519PublicKey = x25519PublicKey
  // Links that do not join up (missing, reordered) or a key met twice: no holder could follow it.
  checkChainStructure(record)
  return record
}

/**
 * The record's version (field 12) and its X25519 key (field 13), which
 * come together: a version-1 record has neither (the version field is
 * absent: 1 written out is not canonical), a version-2 record both.
 * Undefined for version 1.
 */
function versionedX25519Key (message: KeyRecordMessage): Uint8Array | undefined {
  // Version 1 is the absent field; written out it is a second encoding of the same record.
  if (message.version === 1) {
    throw notCanonical('it writes out version 1, which is encoded by leaving field 12 out')
  }
  if (message.version !== 0 && message.version !== RECORD_VERSION_2) {
    throw new InvalidRecordError('ERR_UNKNOWN_RECORD_VERSION', `record version ${message.version} is not one keydir knows (keydir knows version 1, which omits the field, and version 2)`)
  }
  const hasKey = message.x25519PublicKey.length !== 0
  if ((message.version === RECORD_VERSION_2) !== hasKey) {
    throw new InvalidRecordError('ERR_RECORD_VERSION_MISMATCH', hasKey
      ? 'record carries an X25519 public key but is not version 2'
      : 'record is version 2 but carries no X25519 public key')
  }
  if (!hasKey) return undefined
  checkX25519PublicKey(message.x25519PublicKey)
  return message.x25519PublicKey
}

/**
 * A record's X25519 key: 32 bytes (ERR_BAD_KEY_LENGTH), canonical, u below
 * 2^255 - 19 with the top bit clear (ERR_X25519_NOT_CANONICAL), and not a
 * point of small order, whose shared secrets anyone knows
 * (ERR_X25519_SMALL_ORDER).
 */
export function checkX25519PublicKey (key: Uint8Array): void {
  switch (x25519KeyProblem(key)) {
    case 'length':
      throw new InvalidRecordError('ERR_BAD_KEY_LENGTH', `X25519 public key must be ${X25519_PUBLIC_KEY_LENGTH} bytes, got ${key.length}`)
    case 'not-canonical':
      throw new InvalidRecordError('ERR_X25519_NOT_CANONICAL', 'X25519 public key is not canonical: its top bit is set or its value is 2^255 - 19 or more')
    case 'small-order':
      throw new InvalidRecordError('ERR_X25519_SMALL_ORDER', 'X25519 public key is a point of small order: a message sealed to it would have a shared secret anyone knows')
    case undefined:
  }
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
  return encodable(field, Number(value))
}

/**
 * Refused both ways, decoding and encoding, so that no record holds a number
 * this implementation cannot write back (the registry stores a peer's
 * highest seq with the same encoder).
 */
function encodable (field: string, value: number): number {
  if (protonsMisencodesUint64(value)) {
    throw new InvalidRecordError('ERR_FIELD_RANGE', `${field} ${value} is in 2^31 … 2^32 - 1, which keydir's protobuf encoder cannot write; choose a value outside it (keydir uses the clock in Unix ms)`)
  }
  return value
}

const ROTATION_LINK_WIRE: WireSchema = { 1: { type: 'bytes' }, 2: { type: 'bytes' }, 3: { type: 'bytes' } }

/** protobuf/key-record.proto, as the wire-form check reads it. */
export const KEY_RECORD_WIRE: WireSchema = {
  1: { type: 'bytes' },
  2: { type: 'bytes' },
  3: { type: 'bytes' },
  4: { type: 'uint64' },
  5: { type: 'uint64' },
  6: { type: 'uint64' },
  7: { type: 'message', schema: { 1: { type: 'bytes' }, 2: { type: 'bytes' } } },
  8: { type: 'bytes' },
  9: { type: 'bytes' },
  10: { type: 'bytes' },
  11: { type: 'repeated-message', schema: ROTATION_LINK_WIRE },
  12: { type: 'uint32' },
  13: { type: 'bytes' }
}

function notCanonical (why = 'fields out of order, repeated, unknown, holding their default or not minimally encoded'): InvalidRecordError {
  return new InvalidRecordError('ERR_RECORD_NOT_CANONICAL', `record bytes are not the canonical encoding: ${why}`)
}
