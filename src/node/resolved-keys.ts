import type { ResolvedKeys } from './types.js'
import type { KeyRecord } from '../record/index.js'
import type { FollowedRotation, TrustLevel } from '../registry/index.js'

/** The shape `resolve` returns, built from a validated record (`rotated`: the rotation this resolve followed, if it followed one). */
export function resolvedKeys (record: KeyRecord, trust: TrustLevel, source: ResolvedKeys['source'], stale = false, rotated?: FollowedRotation): ResolvedKeys {
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
  if (rotated !== undefined) keys.rotated = { fromSeq: rotated.fromSeq, toSeq: rotated.toSeq, handOvers: rotated.handOvers }
  return keys
}
