/**
 * Serializes async work per key: each call for a key starts after the
 * previous one for that key has settled. Work for different keys runs
 * concurrently. The registry takes one key per peer, so a peer's pin and
 * record are read and written by one operation at a time.
 */
export class KeyedLock {
  private readonly tails = new Map<string, Promise<void>>()

  async run<T> (key: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve()
    let release!: () => void
    const done = new Promise<void>(resolve => { release = resolve })
    const tail = previous.then(async () => done)
    this.tails.set(key, tail)
    try {
      await previous
      return await fn()
    } finally {
      release()
      if (this.tails.get(key) === tail) {
        this.tails.delete(key)
      }
    }
  }

  /**
   * A synchronous read that must not see a write for `key` half done: now,
   * when nothing is queued for the key, else after what is queued.
   */
  async read<T> (key: string, fn: () => T): Promise<T> {
    return this.isIdle(key) ? fn() : this.run(key, async () => fn())
  }

  /** Whether no work is queued or running for `key`. */
  isIdle (key: string): boolean {
    return !this.tails.has(key)
  }

  /** Resolves once no work is queued or running for any key. */
  async idle (): Promise<void> {
    while (this.tails.size > 0) {
      await Promise.all(this.tails.values())
    }
  }
}
