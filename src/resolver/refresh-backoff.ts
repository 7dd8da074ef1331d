import { lazyLru } from '../util/lru.js'

/** The first wait after a re-check could not reach the network; it doubles with each failure in a row. */
export const REFRESH_RETRY_BASE_MS = 15_000
/** Peers whose failures are remembered; past that, the least recently failed is forgotten (and re-checked as before). */
export const MAX_BACKED_OFF_PEERS = 10_000

/**
 * How long a registry entry's re-check waits after the network could not
 * be reached for that peer: REFRESH_RETRY_BASE_MS, doubled with each
 * failure in a row, never longer than `capMs` (the resolver's
 * refreshAfterMs, so a peer is re-checked at least as often as a fresh
 * entry would be; 0 turns the wait off). Without it every resolve of an
 * unreachable peer's entry started a lookup of up to the resolve timeout.
 * A failure whose re-check started more than `capMs` after the last wait
 * ended is not in a row: a peer re-checked rarely starts again from the
 * first wait.
 */
export class RefreshBackoff {
  private readonly failures = lazyLru<string, { count: number, until: number }>(MAX_BACKED_OFF_PEERS)

  constructor (private readonly capMs: number) {}

  /** Whether a re-check of `key` should wait at `now`. */
  waiting (key: string, now: number): boolean {
    const entry = this.failures.get(key)
    return entry !== undefined && now < entry.until
  }

  /** A re-check started at `startedAt` failed at `now` (a lookup may take up to the resolve timeout). */
  failed (key: string, now: number, startedAt = now): void {
    const last = this.failures.get(key)
    const inARow = last !== undefined && startedAt <= last.until + this.capMs
    const count = inARow ? last.count + 1 : 1
    const waitMs = Math.min(REFRESH_RETRY_BASE_MS * 2 ** Math.min(count - 1, 30), this.capMs)
    this.failures.set(key, { count, until: now + waitMs })
  }

  reached (key: string): void {
    this.failures.delete(key)
  }
}
