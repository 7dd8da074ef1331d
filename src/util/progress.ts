import type { KeydirLogger } from './log.js'

/** libp2p's progress-event form, as kad-dht's and libp2p's `onProgress` options give theirs. */
export interface ProgressEvent<Type extends string = string, Detail = unknown> {
  type: Type
  detail: Detail
}

type Listener<E> = (event: E) => unknown

/** Listeners that threw once: warned about once, then logged at debug, so a broken listener does not flood the log. */
const warned = new WeakSet<object>()

/**
 * Hand an event to a caller's listener. One that throws, or returns a
 * promise that rejects, is logged, and the work goes on.
 */
export function reportProgress<E extends ProgressEvent> (listener: Listener<E> | undefined, event: E, log: KeydirLogger): void {
  if (listener === undefined) return
  const failed = (err: unknown): void => {
    const fields = { event: event.type, err: (err as Error)?.message ?? String(err) }
    if (warned.has(listener)) {
      log.debug(fields, 'an onProgress listener failed again')
    } else {
      warned.add(listener)
      log.warn(fields, 'an onProgress listener failed; the work it reports on goes on (later failures of it are logged at debug)')
    }
  }
  try {
    const returned = listener(event)
    if (typeof (returned as PromiseLike<unknown> | undefined)?.then === 'function') Promise.resolve(returned).catch(failed)
  } catch (err) {
    failed(err)
  }
}

/**
 * The listeners of one piece of work that several callers share (one
 * lookup per peer at a time): each caller hears its events while it waits,
 * from the moment it joins; one that stops waiting (its signal aborted)
 * hears no more.
 */
export class SharedProgress<E extends ProgressEvent> {
  /** Each listener with the number of waits it was passed to: one function passed by two callers is heard once, until both have left. */
  private readonly listeners = new Map<Listener<E>, number>()

  constructor (private readonly log: KeydirLogger) {}

  readonly emit = (event: E): void => {
    for (const listener of this.listeners.keys()) reportProgress(listener, event, this.log)
  }

  /**
   * `listener` hears the events from now until the returned function is
   * called. Join before starting the work: its first events may come in the
   * same turn.
   */
  join (listener: Listener<E> | undefined): () => void {
    if (listener === undefined) return () => {}
    this.listeners.set(listener, (this.listeners.get(listener) ?? 0) + 1)
    let left = false
    return () => {
      if (left) return
      left = true
      const waits = (this.listeners.get(listener) ?? 1) - 1
      if (waits === 0) this.listeners.delete(listener)
      else this.listeners.set(listener, waits)
    }
  }
}
