const second = 1000

/**
 * How long after the first SIGINT or SIGTERM another one is taken as the
 * same request. A terminal's Ctrl-C reaches every process of its foreground
 * group, npm and the node under `npm start` alike, and npm forwards it to
 * the node again (npm/cli#5021): without this, one Ctrl-C would count twice
 * and force an unclean exit. Playwright's test runner waits a second too.
 */
export const DUPLICATE_SIGNAL_MS = 1 * second

const SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM']

/**
 * The daemon's SIGINT and SIGTERM, listened to from before it starts: the
 * first asks for a clean stop (`requested`); one more within
 * DUPLICATE_SIGNAL_MS is that same request; any later one, while the stop is
 * under way, calls `force`. A stop for another reason (`keydir stop`)
 * changes nothing: the first signal after it (a process manager's) still
 * waits for the clean stop.
 */
export class StopSignals {
  readonly requested: Promise<NodeJS.Signals>
  #since: number | undefined
  readonly #onSignal: (signal: NodeJS.Signals) => void

  constructor (force: (signal: NodeJS.Signals) => void, now: () => number = Date.now) {
    const { promise, resolve } = Promise.withResolvers<NodeJS.Signals>()
    this.requested = promise
    this.#onSignal = signal => {
      if (this.#since === undefined) {
        this.#since = now()
        resolve(signal)
      } else if (now() - this.#since >= DUPLICATE_SIGNAL_MS) {
        force(signal)
      }
    }
    for (const signal of SIGNALS) process.on(signal, this.#onSignal)
  }

  /** Stop listening (the process keeps Node's default action again). */
  dispose (): void {
    for (const signal of SIGNALS) process.off(signal, this.#onSignal)
  }
}
