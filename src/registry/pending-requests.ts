/**
 * Key requests in flight, one per peer, in memory only: a restart forgets
 * them, which only means a request may be sent again. Entries expire after a
 * timeout, and the table is bounded in total so a flood of new peers cannot
 * grow it without limit.
 */
export class PendingRequests {
  /** PeerId string -> Unix milliseconds when the request stops blocking another. */
  private readonly deadlines = new Map<string, number>()

  constructor (
    private readonly timeoutMs: number,
    private readonly max: number,
    private readonly now: () => number
  ) {}

  /**
   * Record a request for `key` unless an unexpired one is pending or the
   * table is full (after dropping expired entries). True when recorded.
   */
  tryAdd (key: string): boolean {
    const now = this.now()
    const deadline = this.deadlines.get(key)
    if (deadline !== undefined && deadline > now) {
      return false
    }
    if (deadline === undefined && this.deadlines.size >= this.max) {
      this.removeExpired()
      if (this.deadlines.size >= this.max) {
        return false
      }
    }
    this.deadlines.set(key, now + this.timeoutMs)
    return true
  }

  complete (key: string): void {
    this.deadlines.delete(key)
  }

  /** Drop expired entries; returns how many. */
  removeExpired (): number {
    const now = this.now()
    let removed = 0
    for (const [key, deadline] of this.deadlines) {
      if (deadline <= now) {
        this.deadlines.delete(key)
        removed++
      }
    }
    return removed
  }

  get size (): number {
    return this.deadlines.size
  }

  clear (): void {
    this.deadlines.clear()
  }
}
