import { mlDsaPeerIdString } from '../record/index.js'
import type { ResolvedKeys } from './types.js'
import type { KeyRecord } from '../record/index.js'
import type { FollowedRotation, TrustLevel } from '../registry/index.js'
import type { ResolvedRecord } from '../resolver/index.js'

/** ML-DSA PeerIds by record: a record is immutable, and a cached resolve should not hash its 1952-byte key again. */
const mlDsaPeerIds = new WeakMap<KeyRecord, string>()

/** The ML-DSA PeerId (RFC 0004 draft) of a record's ML-DSA-65 key. */
export function mlDsaPeerIdOf (record: KeyRecord): string {
  let id = mlDsaPeerIds.get(record)
  if (id === undefined) {
    id = mlDsaPeerIdString(record.mlDsaPublicKey)
    mlDsaPeerIds.set(record, id)
  }
  return id
}

/**
 * The shape `resolve` returns, built from a validated record (`rotated`:
 * the rotation this resolve followed, if it followed one; `asked`: which
 * PeerId it was asked by).
 */
export function resolvedKeys (record: KeyRecord, trust: TrustLevel, source: ResolvedKeys['source'], stale = false, rotated?: FollowedRotation,
  asked?: Pick<ResolvedRecord, 'asked' | 'previousMlDsaPeerId'>): ResolvedKeys {
  const keys: ResolvedKeys = {
    peerId: record.peerId,
    mlDsaPeerId: mlDsaPeerIdOf(record),
    mlDsaPublicKey: record.mlDsaPublicKey,
    mlKemPublicKey: record.mlKemPublicKey,
    seq: record.seq,
    issuedAt: record.issuedAt,
    expiresAt: record.expiresAt,
    trust,
    source,
    record,
    stale,
    asked: asked?.asked ?? 'peerId'
  }
  if (asked?.previousMlDsaPeerId !== undefined) keys.previousMlDsaPeerId = asked.previousMlDsaPeerId
  // Set only when present, so a version-1 record's keys have the shape they had.
  if (record.x25519PublicKey !== undefined) keys.x25519PublicKey = record.x25519PublicKey
  if (rotated !== undefined) keys.rotated = { fromSeq: rotated.fromSeq, toSeq: rotated.toSeq, handOvers: rotated.handOvers }
  return keys
}
