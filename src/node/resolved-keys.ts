import type { ResolvedKeys } from './types.js'
import type { KeyRecord } from '../record/index.js'
import type { TrustLevel } from '../registry/index.js'

/** The shape `resolve` returns, built from a validated record. */
export function resolvedKeys (record: KeyRecord, trust: TrustLevel, source: ResolvedKeys['source'], stale = false): ResolvedKeys {
  const keys: ResolvedKeys = {
    peerId: record.peerId,
    mlDsaPublicKey: record.mlDsaPublicKey,
    mlKemPublicKey: record.mlKemPublicKey,
    seq: record.seq,
    issuedAt: record.issuedAt,
    expiresAt: record.expiresAt,
    trust,
    source,
    record,
    stale
  }
  // Set only when present, so a version-1 record's keys have the shape they had.
  if (record.x25519PublicKey !== undefined) keys.x25519PublicKey = record.x25519PublicKey
  return keys
}
