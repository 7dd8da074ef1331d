import { LRUCache } from 'lru-cache'
import type { RegistryEntry } from './types.js'

/**
 * The registry's in-memory layer: decoded, validated entries in an LRU, so
 * a cached resolve is a map lookup and an expiry check, and the keys of all
 * stored records, so the registry can say its size without a scan.
 * Entries are written through: whatever is here is also on disk, or is
 * being written with its peer's lock held (PeerKeyRegistry.admitPeerKeys).
 */
export class HotLayer {
  private readonly entries: LRUCache<string, RegistryEntry>
  private readonly stored = new Set<string>()

  constructor (max: number, private readonly now: () => number) {
    this.entries = new LRUCache({ max })
  }

  /** The unexpired entry under `key`; an expired one is dropped from memory (it stays on disk). */
  get (key: string): RegistryEntry | undefined {
    const entry = this.entries.get(key)
    if (entry !== undefined && entry.record.expiresAt <= this.now()) {
      this.entries.delete(key)
      return undefined
    }
    return entry
  }

  /** An entry just stored or loaded from disk. */
  put (key: string, entry: RegistryEntry): void {
    this.entries.set(key, entry)
    this.stored.add(key)
  }

  /** Whether a record is stored under `key` (in memory or only on disk). */
  has (key: string): boolean {
    return this.stored.has(key)
  }

  /**
   * Drop the entry under `key` from memory, so the next read loads it from
   * disk; `stored` says whether a record is still stored there.
   */
  evict (key: string, { stored }: { stored: boolean }): void {
    this.entries.delete(key)
    if (!stored) this.stored.delete(key)
  }

  /** The record under `key` was deleted from disk. */
  forget (key: string): void {
    this.entries.delete(key)
    this.stored.delete(key)
  }

  /** Start afresh from the keys found on disk. */
  reset (storedKeys: Iterable<string>): void {
    this.entries.clear()
    this.stored.clear()
    for (const key of storedKeys) {
      this.stored.add(key)
    }
  }

  get storedCount (): number {
    return this.stored.size
  }
}
