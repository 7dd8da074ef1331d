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

export interface InterleavedResult {
  a: BenchResult
  b: BenchResult
  /** Median over batches of b's time over a's: how much longer b's work takes than a's, per second of work. */
  timeRatio: number
  /** b's p50 latency over a's. */
  p50Ratio: number
}

/**
 * Times two synchronous ops interleaved one by one (a b, b a, a b, ...), so
 * that machine noise (a neighbour's burst, a frequency change) falls on both
 * alike: on a shared VM the ratio of two ops timed in separate batches moved
 * by 20-30% between runs, more than the difference being measured. Each
 * batch runs pairs for `batchMs`; an op's rate in a batch is its ops over the
 * time spent in it.
 */
export function benchInterleaved (nameA: string, fnA: () => unknown, nameB: string, fnB: () => unknown, opts: BenchOptions): InterleavedResult {
  const timed = (fn: () => unknown, into: number[]): number => {
    const start = performance.now()
    fn()
    const ms = performance.now() - start
    into.push(ms * 1000)
    return ms
  }
  const warm: number[] = []
  const warmupStart = performance.now()
  do {
    timed(fnA, warm)
    timed(fnB, warm)
  } while (performance.now() - warmupStart < opts.warmupMs)
  const pairMs = (performance.now() - warmupStart) / (warm.length / 2)
  const pairsPerBatch = Math.max(1, Math.round(opts.batchMs / pairMs))

  const latencies: [number[], number[]] = [[], []]
  const rates: [number[], number[]] = [[], []]
  const ratios: number[] = []
  for (let batch = 0; batch < opts.batches; batch++) {
    const spent = [0, 0]
    for (let pair = 0; pair < pairsPerBatch; pair++) {
      // Which goes first alternates, so that neither always runs just after the other.
      const first = pair % 2
      spent[first] += timed(first === 0 ? fnA : fnB, latencies[first])
      spent[1 - first] += timed(first === 0 ? fnB : fnA, latencies[1 - first])
    }
    rates[0].push(pairsPerBatch / (spent[0] / 1000))
    rates[1].push(pairsPerBatch / (spent[1] / 1000))
    ratios.push(spent[1] / spent[0])
  }
  const result = (name: string, i: 0 | 1): BenchResult => ({
    name,
    opsPerSecond: percentile(rates[i], 50),
    medianUs: percentile(latencies[i], 50),
    p95Us: percentile(latencies[i], 95),
    ops: latencies[i].length
  })
  const a = result(nameA, 0)
  const b = result(nameB, 1)
  return { a, b, timeRatio: percentile(ratios, 50), p50Ratio: b.medianUs / a.medianUs }
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

/** Percentiles and spread of a sample, in the sample's unit. */
export interface Summary {
  count: number
  p50: number
  p95: number
  p99: number
  mean: number
  min: number
  max: number
}

export function summarize (values: number[]): Summary {
  const sorted = [...values].sort((a, b) => a - b)
  const at = (p: number): number => sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN
  return {
    count: sorted.length,
    p50: at(50),
    p95: at(95),
    p99: at(99),
    mean: sorted.length === 0 ? Number.NaN : sorted.reduce((sum, v) => sum + v, 0) / sorted.length,
    min: sorted[0] ?? Number.NaN,
    max: sorted[sorted.length - 1] ?? Number.NaN
  }
}

/** Most latencies benchConcurrent keeps for its percentiles. */
const SAMPLE_SIZE = 200_000

export interface ConcurrentOptions {
  /** Callers running at once, each awaiting its op before starting the next. */
  concurrency: number
  /** Timed batches; the reported rate is their median. */
  batches: number
  batchMs: number
  warmupMs: number
}

export interface ConcurrentResult {
  name: string
  concurrency: number
  /** Median over batches of completed ops per second, all callers together. */
  opsPerSecond: number
  /** Per-op latency from call to settle, in microseconds (includes waiting behind the other callers). */
  medianUs: number
  p95Us: number
  p99Us: number
  ops: number
  /** Process CPU time (user + system) per op over the timed batches, in microseconds. */
  cpuUsPerOp: number
}

/**
 * `concurrency` callers each calling async `fn` in a loop for `batchMs`,
 * `batches` times: the throughput of an async path under concurrent callers
 * and each call's latency. Latency samples are capped per batch so that
 * recording them does not dominate very fast ops.
 */
export async function benchConcurrent (name: string, fn: () => Promise<unknown>, opts: ConcurrentOptions): Promise<ConcurrentResult> {
  // Latencies are kept as a uniform sample of at most SAMPLE_SIZE (reservoir sampling): a sub-µs op runs millions
  // of times, and sorting every latency would take longer than the bench.
  let seen = 0
  const record = (latenciesUs: number[], us: number): void => {
    seen++
    if (latenciesUs.length < SAMPLE_SIZE) latenciesUs.push(us)
    else {
      const slot = Math.floor(Math.random() * seen)
      if (slot < SAMPLE_SIZE) latenciesUs[slot] = us
    }
  }
  const runFor = async (ms: number, latenciesUs: number[] | undefined): Promise<number> => {
    const deadline = performance.now() + ms
    let done = 0
    const caller = async (): Promise<void> => {
      while (performance.now() < deadline) {
        const start = performance.now()
        await fn()
        if (latenciesUs !== undefined) record(latenciesUs, (performance.now() - start) * 1000)
        done++
      }
    }
    await Promise.all(Array.from({ length: opts.concurrency }, caller))
    return done
  }

  await runFor(opts.warmupMs, undefined)
  const rates: number[] = []
  const latenciesUs: number[] = []
  const cpuStart = process.cpuUsage()
  let ops = 0
  for (let batch = 0; batch < opts.batches; batch++) {
    const start = performance.now()
    const done = await runFor(opts.batchMs, latenciesUs)
    rates.push(done / ((performance.now() - start) / 1000))
    ops += done
  }
  const cpu = process.cpuUsage(cpuStart)
  const latency = summarize(latenciesUs)
  return {
    name,
    concurrency: opts.concurrency,
    opsPerSecond: percentile(rates, 50),
    medianUs: latency.p50,
    p95Us: latency.p95,
    p99Us: latency.p99,
    ops,
    cpuUsPerOp: (cpu.user + cpu.system) / ops
  }
}

export interface PairedResult {
  a: BenchResult & { cpuUsPerOp: number }
  b: BenchResult & { cpuUsPerOp: number }
  /** Median over batches of b's time over a's. */
  timeRatio: number
  /** b's p50 latency over a's. */
  p50Ratio: number
}

/**
 * benchInterleaved for ops that may be async: a and b run one after the
 * other, which goes first alternating, each awaited before the next starts,
 * so that machine noise falls on both alike. Each op's process CPU time
 * (user + system, all threads: node:crypto's thread pool too) is summed per side.
 */
export async function benchPaired (nameA: string, fnA: () => unknown, nameB: string, fnB: () => unknown, opts: BenchOptions): Promise<PairedResult> {
  const cpu: [number, number] = [0, 0]
  const timed = async (fn: () => unknown, side: 0 | 1, into: number[] | undefined): Promise<number> => {
    const cpuStart = process.cpuUsage()
    const start = performance.now()
    await runOnce(fn)
    const ms = performance.now() - start
    if (into !== undefined) {
      const used = process.cpuUsage(cpuStart)
      cpu[side] += used.user + used.system
      into.push(ms * 1000)
    }
    return ms
  }
  let pairs = 0
  const warmupStart = performance.now()
  do {
    await timed(fnA, 0, undefined)
    await timed(fnB, 1, undefined)
    pairs++
  } while (performance.now() - warmupStart < opts.warmupMs)
  const pairMs = (performance.now() - warmupStart) / pairs
  const pairsPerBatch = Math.max(1, Math.round(opts.batchMs / pairMs))

  const latencies: [number[], number[]] = [[], []]
  const rates: [number[], number[]] = [[], []]
  const ratios: number[] = []
  for (let batch = 0; batch < opts.batches; batch++) {
    const spent = [0, 0]
    for (let pair = 0; pair < pairsPerBatch; pair++) {
      const first = (pair % 2) as 0 | 1
      const second = (1 - first) as 0 | 1
      spent[first] += await timed(first === 0 ? fnA : fnB, first, latencies[first])
      spent[second] += await timed(second === 0 ? fnA : fnB, second, latencies[second])
    }
    rates[0].push(pairsPerBatch / (spent[0] / 1000))
    rates[1].push(pairsPerBatch / (spent[1] / 1000))
    ratios.push(spent[1] / spent[0])
  }
  const result = (name: string, i: 0 | 1): BenchResult & { cpuUsPerOp: number } => ({
    name,
    opsPerSecond: percentile(rates[i], 50),
    medianUs: percentile(latencies[i], 50),
    p95Us: percentile(latencies[i], 95),
    ops: latencies[i].length,
    cpuUsPerOp: cpu[i] / latencies[i].length
  })
  const a = result(nameA, 0)
  const b = result(nameB, 1)
  return { a, b, timeRatio: percentile(ratios, 50), p50Ratio: b.medianUs / a.medianUs }
}
