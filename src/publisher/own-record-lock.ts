import { KeydirError } from '../errors.js'
import type { AbortOptions } from '@libp2p/interface'

export interface OwnRecordTaskOptions extends AbortOptions {
  /**
   * A background task (the start-up publish, the regular republish, a
   * low-coverage retry) gives way: its `yieldSignal` is aborted as soon as a
   * foreground task (rotate, publish, revoke) waits, since that one will put
   * a newer record anyway. Default false.
   */
  background?: boolean
}

/** Handed to each task. */
export interface OwnRecordTask {
  /** Aborted (ERR_SUPERSEDED) when a foreground task waits behind this background task; never for a foreground task. */
  yieldSignal: AbortSignal
}

/**
 * The one way in to the node's own record: everything that signs it, changes
 * the keys behind it or puts it into the DHT runs here, one task at a time,
 * in the order called. Two rotations at once would otherwise both rotate
 * from the same key, and the node would end with one key in pq.key and
 * another pinned and published (issue 18, item 2). A task waits its turn;
 * `options.signal` aborts the wait (the task never starts then), not a task
 * that has started.
 */
export class OwnRecordLock {
  private tail: Promise<void> = Promise.resolve()
  /** Yield controllers of the background tasks running or waiting. */
  private readonly background = new Set<AbortController>()

  async run<T> (task: (turn: OwnRecordTask) => Promise<T>, options: OwnRecordTaskOptions = {}): Promise<T> {
    options.signal?.throwIfAborted()
    const yielding = new AbortController()
    if (options.background === true) {
      this.background.add(yielding)
    } else {
      for (const controller of this.background) {
        controller.abort(new KeydirError('ERR_SUPERSEDED', 'a publish or rotation of this node\'s record took over'))
      }
    }
    const previous = this.tail
    const done = Promise.withResolvers<void>()
    // The next task waits for this one and, if this one stops waiting, still for the one before.
    this.tail = previous.then(async () => done.promise)
    try {
      await waitFor(previous, options.signal)
      if (options.background === true) yielding.signal.throwIfAborted()
      return await task({ yieldSignal: yielding.signal })
    } finally {
      this.background.delete(yielding)
      done.resolve()
    }
  }

  /** Settles once no task runs or waits. */
  async idle (): Promise<void> {
    let tail: Promise<void>
    do {
      tail = this.tail
      await tail
    } while (tail !== this.tail)
  }
}

/** `promise` (which never rejects), or the signal's reason if it aborts first. */
async function waitFor (promise: Promise<void>, signal?: AbortSignal): Promise<void> {
  if (signal == null) {
    await promise
    return
  }
  signal.throwIfAborted()
  const aborted = Promise.withResolvers<never>()
  const onAbort = (): void => { aborted.reject(signal.reason) }
  signal.addEventListener('abort', onAbort, { once: true })
  try {
    await Promise.race([promise, aborted.promise])
  } finally {
    signal.removeEventListener('abort', onAbort)
  }
}
