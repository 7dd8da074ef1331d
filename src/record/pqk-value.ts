import { unmarshalKeyRecord } from './codec.js'
import { isRevocationBytes, unmarshalRevocation } from './revocation-codec.js'
import type { RevocationValidator } from './revocation.js'
import type { RevocationCertificate } from './revocation-types.js'
import type { KeyRecord } from './types.js'
import type { KeyRecordValidator } from './validate.js'

/**
 * What a `/pqk/<peer>` DHT value holds: the peer's key record, or its
 * revocation certificate. A revocation's bytes start 0x82 0x01 (its first
 * field is number 16), a canonical KeyRecord's start 0x0a (field 1), so the
 * first bytes decide which decoder reads them; any other bytes go to the
 * KeyRecord decoder and are refused there, with the codes they always had.
 */
export type PqkValue =
  | { kind: 'record', record: KeyRecord }
  | { kind: 'revocation', revocation: RevocationCertificate }

/**
 * Decode a `/pqk/` value and check its structure only (no signatures):
 * for a value this node validated before (the one it holds), or as the
 * first step of validatePqkValue. Throws InvalidRecordError or
 * RevocationError.
 */
export function decodePqkValue (bytes: Uint8Array): PqkValue {
  return isRevocationBytes(bytes)
    ? { kind: 'revocation', revocation: unmarshalRevocation(bytes) }
    : { kind: 'record', record: unmarshalKeyRecord(bytes) }
}

export interface PqkValueValidators {
  records: KeyRecordValidator
  revocations: RevocationValidator
}

/** Fully validate a `/pqk/` value found under `routingKey`: a valid record or a valid revocation of that key's peer. */
export function validatePqkValue (validators: PqkValueValidators, routingKey: Uint8Array, bytes: Uint8Array): PqkValue {
  return isRevocationBytes(bytes)
    ? { kind: 'revocation', revocation: validators.revocations.validateForRoutingKey(routingKey, bytes) }
    : { kind: 'record', record: validators.records.validateForRoutingKey(routingKey, bytes) }
}

/** The exact bytes of a value, whichever kind. */
export function pqkValueBytes (value: PqkValue): Uint8Array {
  return value.kind === 'record' ? value.record.bytes : value.revocation.bytes
}
