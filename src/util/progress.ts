import type { KeydirLogger } from './log.js'

/** libp2p's progress-event form, as kad-dht's and libp2p's `onProgress` options give theirs. */
export interface ProgressEvent<Type extends string = string, Detail = unknown> {
  type: Type
  detail: Detail
}

/** Hand an event to a caller's listener: a listener that throws is logged, and the work goes on. */
export function reportProgress<E extends ProgressEvent> (listener: ((event: E) => void) | undefined, event: E, log: KeydirLogger): void {
  if (listener === undefined) return
  try {
    listener(event)
  } catch (err) {
    log.warn({ event: event.type, err: (err as Error).message }, 'an onProgress listener threw; the work it reports on goes on')
  }
}

/**
 * The listeners of one piece of work that several callers share (one
 * lookup per peer at a time): each caller hears its events while it waits,
 * from the moment it joins; one that stops waiting (its signal aborted)
 * hears no more.
 */
export class SharedProgress<E extends ProgressEvent> {
  private readonly listeners = new Set<(event: E) => void>()

  constructor (private readonly log: KeydirLogger) {}

  readonly emit = (event: E): void => {
    for (const listener of this.listeners) reportProgress(listener, event, this.log)
  }

  /**
   * `listener` hears the events from now until the returned function is
   * called. Join before starting the work: its first events may come in the
   * same turn.
   */
  join (listener: ((event: E) => void) | undefined): () => void {
    if (listener === undefined) return () => {}
    // A function passed twice (two waits of one caller) is heard once, and leaves with the first to end.
    this.listeners.add(listener)
    return () => { this.listeners.delete(listener) }
  }
}
