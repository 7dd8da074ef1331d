import { SharedProgress } from '../util/progress.js'
import { abortable } from './abortable.js'
import type { ResolvedRecord, ResolveOptions, ResolveProgressEvents } from './resolver.js'
import type { KeydirLogger } from '../util/log.js'

/**
 * Network work shared by every resolve that asks for it while it runs (one
 * lookup per peer at a time): each caller may give up on its own signal,
 * and hears the progress from when it joins until it stops waiting.
 */
export class SharedRuns {
  private readonly runs = new Map<string, { result: Promise<ResolvedRecord>, progress: SharedProgress<ResolveProgressEvents> }>()

  constructor (private readonly log: KeydirLogger) {}

  /** Runs under way. */
  get size (): number {
    return this.runs.size
  }

  /** The run under `key`, started by `start` if none is; the caller joins before it starts, since its first events may come in the same turn. */
  async join (key: string, options: Pick<ResolveOptions, 'signal' | 'onProgress'>, start: (onProgress: (event: ResolveProgressEvents) => void) => Promise<ResolvedRecord>): Promise<ResolvedRecord> {
    let run = this.runs.get(key)
    const progress = run?.progress ?? new SharedProgress<ResolveProgressEvents>(this.log)
    const leave = progress.join(options.onProgress)
    if (run === undefined) {
      run = { progress, result: start(progress.emit).finally(() => this.runs.delete(key)) }
      this.runs.set(key, run)
    }
    try {
      return await abortable(run.result, options.signal)
    } finally {
      leave()
    }
  }
}
