import { lazyLru } from '../util/lru.js'
import type { LRUCache } from 'lru-cache'
import type { PeerSummary, RegistryCounts, RegistryEntry } from './types.js'

/**
 * The registry's in-memory layer: decoded, validated entries in an LRU, so
 * a cached resolve is a map lookup and an expiry check, and a summary of
 * every stored record (PeerSummary), so the registry can count, filter,
 * collect expired records and bound unsolicited peers without a scan of
 * LevelDB. Entries are written through: whatever is here is also on disk,
 * or is being written with its peer's lock held (PeerKeyRegistry.admitPeerKeys).
 */
export class HotLayer {
  private readonly entries: LRUCache<string, RegistryEntry>
  private readonly summaries = new Map<string, PeerSummary>()
  /** Keys of unsolicited peers, oldest first (Set keeps insertion order). */
  private readonly unsolicitedKeys = new Set<string>()
  private verified = 0

  constructor (max: number, private readonly now: () => number) {
    this.entries = lazyLru(max)
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

  /** An entry just stored, or loaded from disk (its summary is already known then). */
  put (key: string, entry: RegistryEntry, summary?: PeerSummary): void {
    this.entries.set(key, entry)
    if (summary !== undefined) this.setSummary(key, summary)
  }

  /** The summary of the record stored under `key`, if one is stored (in memory or only on disk). */
  summary (key: string): PeerSummary | undefined {
    return this.summaries.get(key)
  }

  setSummary (key: string, summary: PeerSummary): void {
    this.dropSummary(key)
    this.summaries.set(key, summary)
    if (summary.verified) this.verified++
    if (summary.unsolicited) this.unsolicitedKeys.add(key)
  }

  /** Whether a record is stored under `key` (in memory or only on disk). */
  has (key: string): boolean {
    return this.summaries.has(key)
  }

  /**
   * Drop the entry under `key` from memory, so the next read loads it from
   * disk, and put back the summary that was stored before (none: nothing is).
   */
  evict (key: string, previous: PeerSummary | undefined): void {
    this.entries.delete(key)
    if (previous === undefined) this.dropSummary(key)
    else this.setSummary(key, previous)
  }

  /** The record under `key` was deleted from disk. */
  forget (key: string): void {
    this.entries.delete(key)
    this.dropSummary(key)
  }

  /** Start afresh from the summaries found on disk; unsolicited peers line up oldest first, by when they were stored. */
  reset (stored: Iterable<[string, PeerSummary]>): void {
    this.entries.clear()
    this.summaries.clear()
    this.unsolicitedKeys.clear()
    this.verified = 0
    const byAge = [...stored].sort(([, a], [, b]) => a.storedAt - b.storedAt)
    for (const [key, summary] of byAge) {
      this.setSummary(key, summary)
    }
  }

  /** The unsolicited peer stored longest. */
  oldestUnsolicited (): string | undefined {
    return this.unsolicitedKeys.values().next().value
  }

  /**
   * Take `key` out of the count of unsolicited peers now, while its eviction
   * is written: the next admission then makes room with the next oldest,
   * so a burst of new peers cannot overshoot the bound.
   */
  releaseUnsolicited (key: string): void {
    this.unsolicitedKeys.delete(key)
  }

  /** Every stored key with its summary; the map may change between two steps of the iteration. */
  storedSummaries (): IterableIterator<[string, PeerSummary]> {
    return this.summaries.entries()
  }

  get counts (): RegistryCounts {
    return { records: this.summaries.size, verified: this.verified, unsolicited: this.unsolicitedKeys.size }
  }

  private dropSummary (key: string): void {
    const old = this.summaries.get(key)
    if (old === undefined) return
    this.summaries.delete(key)
    if (old.verified) this.verified--
    this.unsolicitedKeys.delete(key)
  }
}
