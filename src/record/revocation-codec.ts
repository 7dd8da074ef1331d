import { RevocationCertificate as RevocationMessage } from '../../protobuf/revocation.js'
import { ML_DSA_65 } from '../crypto/types.js'
import { RevocationError } from '../errors.js'
import { ByteWriter } from '../util/byte-writer.js'
import { protonsMisencodesUint64 } from '../util/protons-uint64.js'
import { wireFormProblem, type WireSchema } from '../util/wire-form.js'
import { ED25519_SIGNATURE_LENGTH, FINGERPRINT_LENGTH, MAX_REVOCATION_BYTES, REVOCATION_DOMAIN } from './constants.js'
import { REVOCATION_REASONS } from './revocation-types.js'
import { ed25519PeerIdFromBytes } from './routing-key.js'
import type { RevocationCertificate, RevocationContent, RevocationReason } from './revocation-types.js'
import type { RotationProof } from './types.js'

/**
 * Wire <-> domain conversion for revocation certificates, and the bytes
 * their two signatures cover. `unmarshalRevocation` checks structure only
 * (size, wire form, PeerId form, field lengths and ranges): the
 * cheap checks that come before any signature is verified.
 */

export const REVOCATION_CONTEXT = new TextEncoder().encode(REVOCATION_DOMAIN)

/**
 * The first two bytes of every revocation certificate: the tag of field 16
 * (peer_id, length-delimited) as a varint. A KeyRecord starts with 0x0a
 * (field 1), so these tell the two apart under one `/pqk/` key.
 */
export const REVOCATION_TAG = Uint8Array.from([0x82, 0x01])

/** Whether `bytes` start as a revocation certificate does (and so cannot be a canonical KeyRecord). */
export function isRevocationBytes (bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === REVOCATION_TAG[0] && bytes[1] === REVOCATION_TAG[1]
}

/** What the libp2p key and the certificate's ML-DSA-65 key both sign (docs/record-format.md). */
export function revocationSignedBytes (content: RevocationContent): Uint8Array {
  const peerId = content.peerId.toMultihash().bytes
  const { rotation } = content
  const length = REVOCATION_CONTEXT.length + 1 + 2 + peerId.length + 2 + content.mlDsaPublicKey.length + 8 + 1 + 1 +
    (rotation == null ? 0 : 2 + rotation.previousFingerprint.length + 2 + rotation.signature.length)
  const writer = new ByteWriter(length)
    .domain(REVOCATION_CONTEXT)
    .prefixed(peerId)
    .prefixed(content.mlDsaPublicKey)
    .u64(content.issuedAt)
    .u8(reasonCode(content.reason))
  if (rotation == null) {
    return writer.u8(0).finish()
  }
  return writer.u8(1)
    .prefixed(rotation.previousFingerprint)
    .prefixed(rotation.signature)
    .finish()
}

export function marshalRevocation (content: RevocationContent, libp2pSignature: Uint8Array, mlDsaSignature: Uint8Array): Uint8Array {
  issuedAtInRange(content.issuedAt)
  return RevocationMessage.encode(toMessage(content, libp2pSignature, mlDsaSignature))
}

/**
 * Decode a revocation certificate and check its structure. Throws
 * RevocationError: ERR_REVOCATION_TOO_LARGE, ERR_REVOCATION_MALFORMED,
 * ERR_REVOCATION_BAD_PEER_ID, ERR_REVOCATION_BAD_KEY_LENGTH,
 * ERR_REVOCATION_BAD_SIGNATURE_LENGTH, ERR_REVOCATION_BAD_ROTATION_PROOF,
 * ERR_REVOCATION_FIELD_RANGE, ERR_REVOCATION_NOT_CANONICAL.
 */
export function unmarshalRevocation (input: Uint8Array): RevocationCertificate {
  if (input.length > MAX_REVOCATION_BYTES) {
    throw new RevocationError('ERR_REVOCATION_TOO_LARGE', `revocation certificate is ${input.length} bytes, the limit is ${MAX_REVOCATION_BYTES}`)
  }
  if (!isRevocationBytes(input)) {
    throw new RevocationError('ERR_REVOCATION_MALFORMED', 'bytes do not start with field 16 (peer_id), as every revocation certificate does')
  }
  // Our own copy: the decoded fields are views into it, so a caller reusing
  // its buffer cannot change a certificate that has been validated.
  const bytes = new Uint8Array(input)
  switch (wireFormProblem(bytes, REVOCATION_WIRE)) {
    case 'malformed':
      throw new RevocationError('ERR_REVOCATION_MALFORMED', 'bytes are not a RevocationCertificate protobuf: truncated, a wire type other than the field\'s, a group, or a value out of its type\'s range')
    case 'not-canonical':
      throw new RevocationError('ERR_REVOCATION_NOT_CANONICAL', 'revocation bytes are not the canonical encoding (fields out of order, repeated, unknown, holding their default or not minimally encoded)')
    case undefined:
  }
  let message: RevocationMessage
  try {
    message = RevocationMessage.decode(bytes)
  } catch (err) {
    throw new RevocationError('ERR_REVOCATION_MALFORMED', 'bytes are not a valid RevocationCertificate protobuf', { cause: err })
  }

  let peerId
  try {
    peerId = ed25519PeerIdFromBytes(message.peerId)
  } catch (err) {
    throw new RevocationError('ERR_REVOCATION_BAD_PEER_ID', `revocation peer_id: ${(err as Error).message}`, { cause: err })
  }
  expectLength('ERR_REVOCATION_BAD_KEY_LENGTH', 'ML-DSA-65 public key', message.mlDsaPublicKey, ML_DSA_65.publicKey)
  expectLength('ERR_REVOCATION_BAD_SIGNATURE_LENGTH', 'libp2p signature', message.libp2pSignature, ED25519_SIGNATURE_LENGTH)
  expectLength('ERR_REVOCATION_BAD_SIGNATURE_LENGTH', 'ML-DSA-65 signature', message.mlDsaSignature, ML_DSA_65.signature)
  let rotation: RotationProof | undefined
  if (message.rotation != null) {
    expectLength('ERR_REVOCATION_BAD_ROTATION_PROOF', 'rotation fingerprint', message.rotation.previousFingerprint, FINGERPRINT_LENGTH)
    expectLength('ERR_REVOCATION_BAD_ROTATION_PROOF', 'rotation signature', message.rotation.signature, ML_DSA_65.signature)
    rotation = { previousFingerprint: message.rotation.previousFingerprint, signature: message.rotation.signature }
  }
  if (message.issuedAt > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new RevocationError('ERR_REVOCATION_FIELD_RANGE', 'revocation issued_at is larger than 2^53 - 1')
  }
  const issuedAt = issuedAtInRange(Number(message.issuedAt))
  const reason = REVOCATION_REASONS[message.reason]
  if (reason === undefined) {
    throw new RevocationError('ERR_REVOCATION_FIELD_RANGE', `revocation reason ${message.reason} is not one of 0 to ${REVOCATION_REASONS.length - 1}`)
  }

  const certificate: RevocationCertificate = {
    peerId,
    mlDsaPublicKey: message.mlDsaPublicKey,
    issuedAt,
    reason,
    rotation,
    libp2pSignature: message.libp2pSignature,
    mlDsaSignature: message.mlDsaSignature,
    bytes
  }
  return certificate
}

function toMessage (content: RevocationContent, libp2pSignature: Uint8Array, mlDsaSignature: Uint8Array): RevocationMessage {
  return {
    peerId: content.peerId.toMultihash().bytes,
    mlDsaPublicKey: content.mlDsaPublicKey as Uint8Array<ArrayBuffer>,
    issuedAt: BigInt(content.issuedAt),
    reason: reasonCode(content.reason),
    rotation: content.rotation == null
      ? undefined
      : {
          previousFingerprint: content.rotation.previousFingerprint as Uint8Array<ArrayBuffer>,
          signature: content.rotation.signature as Uint8Array<ArrayBuffer>
        },
    libp2pSignature: libp2pSignature as Uint8Array<ArrayBuffer>,
    mlDsaSignature: mlDsaSignature as Uint8Array<ArrayBuffer>
  }
}

/** The wire value of a reason; throws for a name that is not one. */
export function reasonCode (reason: RevocationReason): number {
  const code = REVOCATION_REASONS.indexOf(reason)
  if (code < 0) {
    throw new RevocationError('ERR_REVOCATION_FIELD_RANGE', `unknown revocation reason ${JSON.stringify(reason)}: one of ${REVOCATION_REASONS.join(', ')}`)
  }
  return code
}

/**
 * issued_at is present (not 0), a safe integer, and outside 2^31 … 2^32 - 1,
 * which keydir's protobuf encoder writes wrongly; refused both ways, as for
 * records.
 */
function issuedAtInRange (issuedAt: number): number {
  if (!Number.isSafeInteger(issuedAt) || issuedAt < 1) {
    throw new RevocationError('ERR_REVOCATION_FIELD_RANGE', `revocation issued_at must be 1 to 2^53 - 1 Unix ms, got ${issuedAt}`)
  }
  if (protonsMisencodesUint64(issuedAt)) {
    throw new RevocationError('ERR_REVOCATION_FIELD_RANGE', `revocation issued_at ${issuedAt} is in 2^31 … 2^32 - 1, which keydir's protobuf encoder cannot write`)
  }
  return issuedAt
}

function expectLength (code: string, what: string, bytes: Uint8Array, length: number): void {
  if (bytes.length !== length) {
    throw new RevocationError(code, `revocation ${what} must be ${length} bytes, got ${bytes.length}`)
  }
}

/** protobuf/revocation.proto, as the wire-form check reads it. */
const REVOCATION_WIRE: WireSchema = {
  16: { type: 'bytes' },
  17: { type: 'bytes' },
  18: { type: 'uint64' },
  19: { type: 'uint32' },
  20: { type: 'message', schema: { 1: { type: 'bytes' }, 2: { type: 'bytes' } } },
  21: { type: 'bytes' },
  22: { type: 'bytes' }
}
