import { unmarshalKeyRecord } from './codec.js'
import { isEquivocationBytes, unmarshalEquivocationProof, type EquivocationProof } from './equivocation-codec.js'
import { isRevocationBytes, unmarshalRevocation } from './revocation-codec.js'
import type { EquivocationValidator } from './equivocation.js'
import type { RevocationValidator } from './revocation.js'
import type { RevocationCertificate } from './revocation-types.js'
import type { KeyRecord } from './types.js'
import type { KeyRecordValidator } from './validate.js'

/**
 * What a `/pqk/<peer>` DHT value holds: the peer's key record, its
 * revocation certificate, or a proof that it equivocated (two records of
 * one seq). The first bytes decide which decoder reads them: a revocation
 * starts 0x82 0x01 (field 16), a proof 0x8a 0x01 (field 17), a canonical
 * KeyRecord 0x0a (field 1); any other bytes go to the KeyRecord decoder and
 * are refused there, with the codes they always had.
 */
export type PqkValue =
  | { kind: 'record', record: KeyRecord }
  | { kind: 'revocation', revocation: RevocationCertificate }
  | PqkEquivocationValue

/** An equivocation proof as a `/pqk/` value. */
export interface PqkEquivocationValue {
  kind: 'equivocation'
  proof: EquivocationProof
}

/** A proof as a `/pqk/` value. */
export function equivocationValue (proof: EquivocationProof): PqkEquivocationValue {
  return { kind: 'equivocation', proof }
}

/**
 * Decode a `/pqk/` value and check its structure only (no signatures):
 * for a value this node validated before (the one it holds), or as the
 * first step of validatePqkValue. Throws InvalidRecordError,
 * RevocationError or EvidenceError.
 */
export function decodePqkValue (bytes: Uint8Array): PqkValue {
  if (isRevocationBytes(bytes)) return { kind: 'revocation', revocation: unmarshalRevocation(bytes) }
  if (isEquivocationBytes(bytes)) return equivocationValue(unmarshalEquivocationProof(bytes))
  return { kind: 'record', record: unmarshalKeyRecord(bytes) }
}

export interface PqkValueValidators {
  records: KeyRecordValidator
  revocations: RevocationValidator
  /** Without it, a proof under a `/pqk/` key is refused as a malformed record (ERR_RECORD_MALFORMED). */
  equivocations?: EquivocationValidator
}

/** Fully validate a `/pqk/` value found under `routingKey`: a valid record, revocation or proof of that key's peer. */
export function validatePqkValue (validators: PqkValueValidators, routingKey: Uint8Array, bytes: Uint8Array): PqkValue {
  if (isRevocationBytes(bytes)) return { kind: 'revocation', revocation: validators.revocations.validateForRoutingKey(routingKey, bytes) }
  if (isEquivocationBytes(bytes) && validators.equivocations !== undefined) {
    return equivocationValue(validators.equivocations.validateForRoutingKey(routingKey, bytes))
  }
  return { kind: 'record', record: validators.records.validateForRoutingKey(routingKey, bytes) }
}

/** The exact bytes of a value, whichever kind. */
export function pqkValueBytes (value: PqkValue): Uint8Array {
  switch (value.kind) {
    case 'record': return value.record.bytes
    case 'revocation': return value.revocation.bytes
    case 'equivocation': return value.proof.bytes
  }
}
