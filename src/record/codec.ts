import { KeyRecord as KeyRecordMessage } from '../../protobuf/key-record.js'
import { isMlKem768EncapsulationKey } from '../crypto/checks.js'
import { ML_DSA_65, ML_KEM_768 } from '../crypto/types.js'
import { x25519KeyProblem } from '../crypto/x-wing.js'
import { InvalidRecordError } from '../errors.js'
import { protonsMisencodesUint64 } from '../util/protons-uint64.js'
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

  // One encoding per record: trailing bytes, duplicate or unknown fields and
  // non-minimal varints would let two byte strings carry one record.
  if (!isCanonical(bytes, message)) {
    throw new InvalidRecordError('ERR_RECORD_NOT_CANONICAL', 'record bytes are not the canonical encoding (fields out of order, repeated, unknown or not minimally encoded, or bytes left over)')
  }
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
 * Whether `bytes` are exactly what marshalKeyRecord makes of `message`, the
 * message protons decoded from them: every non-default field once, in field
 * order, tags and lengths as minimal varints, nothing else. Decoded byte
 * fields are views into `bytes`, so a field's data is checked by where it
 * lies. Re-encoding the record and comparing would say the same, at the
 * cost of a 6.5 KB allocation and copy per record (about 2% of a fresh
 * validation).
 */
function isCanonical (bytes: Uint8Array, message: KeyRecordMessage): boolean {
  const layout = new CanonicalLayout(bytes)
  return layout.bytesField(1, message.peerId) &&
    layout.bytesField(2, message.mlDsaPublicKey) &&
    layout.bytesField(3, message.mlKemPublicKey) &&
    layout.varintField(4, message.seq) &&
    layout.varintField(5, message.issuedAt) &&
    layout.varintField(6, message.expiresAt) &&
    (message.rotation == null || (
      layout.varint(7 << 3 | WIRE_LENGTH_DELIMITED) &&
      layout.varint(fieldSize(message.rotation.previousFingerprint) + fieldSize(message.rotation.signature)) &&
      layout.bytesField(1, message.rotation.previousFingerprint) &&
      layout.bytesField(2, message.rotation.signature))) &&
    layout.bytesField(8, message.libp2pSignature) &&
    layout.bytesField(9, message.mlDsaSignature) &&
    layout.bytesField(10, message.previousRecordHash) &&
    message.history.every(link =>
      layout.varint(11 << 3 | WIRE_LENGTH_DELIMITED) &&
      layout.varint(fieldSize(link.previousFingerprint) + fieldSize(link.signature) + fieldSize(link.mlDsaPublicKey)) &&
      layout.bytesField(1, link.previousFingerprint) &&
      layout.bytesField(2, link.signature) &&
      layout.bytesField(3, link.mlDsaPublicKey)) &&
    layout.varintField(12, BigInt(message.version)) &&
    layout.bytesField(13, message.x25519PublicKey) &&
    layout.atEnd()
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
    throw new InvalidRecordError('ERR_RECORD_NOT_CANONICAL', 'record writes out version 1, which is encoded by leaving field 12 out')
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

const WIRE_VARINT = 0
const WIRE_LENGTH_DELIMITED = 2

/** A cursor through `bytes` that expects one canonical piece after another. */
class CanonicalLayout {
  private at = 0

  constructor (private readonly bytes: Uint8Array) {}

  /** The minimal varint of `value` (at most 2^53 - 1, as every value here is). */
  varint (value: number): boolean {
    let rest = value
    while (rest >= 0x80) {
      if (this.bytes[this.at++] !== ((rest % 0x80) | 0x80)) return false
      rest = Math.floor(rest / 0x80)
    }
    return this.bytes[this.at++] === rest
  }

  /** A length-delimited field holding `data`, which must lie right here; an empty one is omitted. */
  bytesField (field: number, data: Uint8Array): boolean {
    if (data.length === 0) return true
    if (!this.varint(field << 3 | WIRE_LENGTH_DELIMITED) || !this.varint(data.length)) return false
    const here = data.buffer === this.bytes.buffer && data.byteOffset === this.bytes.byteOffset + this.at
    this.at += data.length
    return here
  }

  /** A varint field; zero is omitted. */
  varintField (field: number, value: bigint): boolean {
    return value === 0n || (this.varint(field << 3 | WIRE_VARINT) && this.varint(Number(value)))
  }

  atEnd (): boolean {
    return this.at === this.bytes.length
  }
}

/** The encoded size of a length-delimited field with a one-byte tag, omitted when empty. */
function fieldSize (data: Uint8Array): number {
  return data.length === 0 ? 0 : 1 + varintSize(data.length) + data.length
}

function varintSize (value: number): number {
  let size = 1
  for (let rest = value; rest >= 0x80; rest = Math.floor(rest / 0x80)) size++
  return size
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
