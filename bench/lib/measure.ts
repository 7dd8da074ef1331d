/**
 * Timing for benches: a warm-up sizes the batches, then several timed
 * batches give a median rate (steadier than a mean under GC or noisy
 * neighbours) and every op's own latency gives the percentiles.
 */
export interface BenchOptions {
  /** Timed batches; the reported rate is their median. */
  batches: number
  /** Wall time one batch should take, in ms; sets how many ops it runs. */
  batchMs: number
  /** Untimed runs first, in ms: warms the JIT and measures the op for batch sizing. */
  warmupMs: number
}

export interface BenchResult {
  name: string
  /** Median over batches of ops per second. */
  opsPerSecond: number
  /** Per-op latency percentiles, in microseconds. */
  medianUs: number
  p95Us: number
  /** Timed ops in all batches. */
  ops: number
}

/** Times `fn`, which may be sync or async; a sync fn is not awaited, so no microtask is counted. */
export async function benchOp (name: string, fn: () => unknown, opts: BenchOptions): Promise<BenchResult> {
  let warmupOps = 0
  const warmupStart = performance.now()
  do {
    await runOnce(fn)
    warmupOps++
  } while (performance.now() - warmupStart < opts.warmupMs)
  const opMs = (performance.now() - warmupStart) / warmupOps
  const opsPerBatch = Math.max(1, Math.round(opts.batchMs / opMs))

  const rates: number[] = []
  const latenciesUs: number[] = []
  for (let batch = 0; batch < opts.batches; batch++) {
    const batchStart = performance.now()
    for (let op = 0; op < opsPerBatch; op++) {
      const opStart = performance.now()
      await runOnce(fn)
      latenciesUs.push((performance.now() - opStart) * 1000)
    }
    rates.push(opsPerBatch / ((performance.now() - batchStart) / 1000))
  }

  return {
    name,
    opsPerSecond: percentile(rates, 50),
    medianUs: percentile(latenciesUs, 50),
    p95Us: percentile(latenciesUs, 95),
    ops: latenciesUs.length
  }
}

function runOnce (fn: () => unknown): Promise<unknown> | undefined {
  const result = fn()
  return result instanceof Promise ? result : undefined
}

/** Nearest-rank percentile. */
export function percentile (values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN
}
