import { setTimeout as sleep } from 'node:timers/promises'

/** Whether a process with this pid exists (signal 0 probes without sending anything). */
export function isAlive (pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}

export interface WaitForOptions {
  /** Give up after this long (default 30 s). */
  timeoutMs?: number
  /** What was waited for, for the failure message. */
  what?: () => string
}

/** Poll `check` every 100 ms until it returns something other than undefined, or fail after the timeout. */
export async function waitFor<T> (check: () => Promise<T | undefined> | T | undefined, options: WaitForOptions = {}): Promise<T> {
  const deadline = Date.now() + (options.timeoutMs ?? 30_000)
  for (;;) {
    const value = await check()
    if (value !== undefined) return value
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${options.what?.() ?? 'a condition'}`)
    await sleep(100)
  }
}
