import type { ResolvedKeys } from './types.js'
import type { KeyRecord } from '../record/index.js'
import type { TrustLevel } from '../registry/index.js'

/** The shape `resolve` returns, built from a validated record. */
export function resolvedKeys (record: KeyRecord, trust: TrustLevel, source: ResolvedKeys['source'], stale = false): ResolvedKeys {
  return {
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
}
