import { LRUCache } from 'lru-cache'

/**
 * An LRU cache of at most `max` entries whose memory grows with what it
 * holds. lru-cache given `max` allocates its lists for `max` entries up
 * front (about 220 KB for 10,000), once per cache and node; bounded by
 * `maxSize` with every entry of size 1, it grows them as entries come.
 * A node has a dozen such caches, and a bench process fifty nodes. Full,
 * its lists take about twice as much (plain arrays with room to grow, not
 * typed ones): 400-600 KB for 10,000 entries, beside the entries
 * themselves (a verified record is about 6.5 KB).
 */
export function lazyLru<K extends NonNullable<unknown>, V extends NonNullable<unknown>> (max: number): LRUCache<K, V> {
  return new LRUCache<K, V>({ maxSize: max, sizeCalculation: () => 1 })
}
