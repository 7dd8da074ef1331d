import { RegistryError } from '../errors.js'
import { unmarshalKeyRecord } from '../record/index.js'
import { parsePeer } from './peer-key.js'
import { isTrustLevel } from './trust.js'
import type { TrustLevel } from './types.js'
import type { KeyRecord, KeyRecordValidator } from '../record/index.js'
import type { PeerId } from '@libp2p/interface'

/**
 * What storePeerKeys takes in, checked before any lock is taken: the trust
 * level must be known; bytes are validated (for `expected` if given, else for
 * the peer they name); a KeyRecord object is taken as validated by the
 * caller. Either way an expired record is refused.
 */
export function recordToStore (validator: KeyRecordValidator, now: number, input: KeyRecord | Uint8Array, trust: TrustLevel, expected: PeerId | string | undefined): KeyRecord {
  if (!isTrustLevel(trust)) {
    throw new RegistryError('ERR_BAD_TRUST', `unknown trust level "${String(trust).slice(0, 32)}"`)
  }
  let record: KeyRecord
  if (input instanceof Uint8Array) {
    const bytes = input.slice() // our own copy: the caller may reuse its buffer
    const peerId = expected !== undefined ? parsePeer(expected).peerId : unmarshalKeyRecord(bytes).peerId
    record = validator.validate(peerId, bytes)
  } else {
    record = input
    if (expected !== undefined && parsePeer(expected).key !== record.peerId.toString()) {
      throw new RegistryError('ERR_PEER_ID_MISMATCH', `record is for ${record.peerId.toString()}, not ${parsePeer(expected).key}`)
    }
  }
  if (record.expiresAt <= now) {
    throw new RegistryError('ERR_RECORD_EXPIRED', `record of ${record.peerId.toString()} has expired`)
  }
  return record
}
