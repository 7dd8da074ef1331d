/**
 * Serializes async work per key: each call for a key starts after the
 * previous one for that key has settled. Work for different keys runs
 * concurrently. The registry takes one key per peer, so a peer's pin and
 * record are read and written by one operation at a time.
 */
export class KeyedLock {
  private readonly tails = new Map<string, Promise<void>>()

  /** `options.signal` ends the wait for the work before (rejecting with its reason, `fn` not run); it does not reach `fn`. */
  async run<T> (key: string, fn: () => Promise<T>, options: { signal?: AbortSignal } = {}): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve()
    let release!: () => void
    const done = new Promise<void>(resolve => { release = resolve })
    const tail = previous.then(async () => done)
    this.tails.set(key, tail)
    try {
      await (options.signal === undefined ? previous : untilOrAborted(previous, options.signal))
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

/** `promise`, or a rejection with `signal`'s reason once it aborts, whichever comes first. */
async function untilOrAborted (promise: Promise<void>, signal: AbortSignal): Promise<void> {
  signal.throwIfAborted()
  let onAbort!: () => void
  const aborted = new Promise<never>((_resolve, reject) => {
    onAbort = () => { reject(signal.reason as Error) }
    signal.addEventListener('abort', onAbort, { once: true })
  })
  try {
    await Promise.race([promise, aborted])
  } finally {
    signal.removeEventListener('abort', onAbort)
  }
}
