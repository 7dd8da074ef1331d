import type { ListPeersFilter, TrustLevel } from './types.js'

/** Strongest first. */
export const TRUST_LEVELS: readonly TrustLevel[] = ['self', 'anchor', 'direct', 'dht']

const RANK: Record<TrustLevel, number> = { self: 3, anchor: 2, direct: 1, dht: 0 }

export function isTrustLevel (value: unknown): value is TrustLevel {
  return typeof value === 'string' && Object.hasOwn(RANK, value)
}

/** The stronger of two trust levels. */
export function strongerTrust (a: TrustLevel, b: TrustLevel): TrustLevel {
  return RANK[a] >= RANK[b] ? a : b
}

/**
 * Whether a source of this trust confirms the record by itself: our own
 * record, an anchor's key, or the peer's own answer. DHT records are
 * verified only when marked so.
 */
export function confirmsRecord (trust: TrustLevel): boolean {
  return trust !== 'dht'
}

export function matchesFilter (entry: { trust: TrustLevel, verified: boolean }, filter: ListPeersFilter): boolean {
  return (filter.trust === undefined || entry.trust === filter.trust) &&
    (filter.verified === undefined || entry.verified === filter.verified)
}
