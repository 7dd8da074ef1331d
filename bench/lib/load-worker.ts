/**
 * The HTTP load generator, in its own process so that it does not share an
 * event loop (or, on two cores, a core) with the server it measures. The
 * parent sends one LoadJob over IPC per run and gets a LoadResult back.
 */
import autocannon from 'autocannon'

export interface LoadJob {
  url: string
  paths: string[]
  headers?: Record<string, string>
  connections: number
  pipelining: number
  durationSeconds: number
}

export interface LoadResult {
  requestsPerSecond: number
  requests: number
  latencyMs: { p50: number, p90: number, p97_5: number, p99: number, max: number, average: number }
  bytesPerSecond: number
  errors: number
  non2xx: number
  /** This load generator's own CPU time (user + system) per request: when it nears 1e6 / (req/s), the generator is the limit. */
  clientCpuUsPerRequest: number
}

async function run (job: LoadJob): Promise<LoadResult> {
  const cpu = process.cpuUsage()
  const result = await autocannon({
    url: job.url,
    connections: job.connections,
    pipelining: job.pipelining,
    duration: job.durationSeconds,
    requests: job.paths.map(path => ({ method: 'GET', path, headers: job.headers }))
  })
  const used = process.cpuUsage(cpu)
  return {
    requestsPerSecond: result.requests.total / result.duration,
    requests: result.requests.total,
    latencyMs: {
      p50: result.latency.p50,
      p90: result.latency.p90,
      p97_5: result.latency.p97_5,
      p99: result.latency.p99,
      max: result.latency.max,
      average: result.latency.average
    },
    bytesPerSecond: result.throughput.average,
    errors: result.errors,
    non2xx: result.non2xx,
    clientCpuUsPerRequest: (used.user + used.system) / Math.max(1, result.requests.total)
  }
}

process.on('message', (job: LoadJob) => {
  run(job).then(result => process.send?.({ ok: true, result }), (err: Error) => process.send?.({ ok: false, error: err.message }))
})
process.on('disconnect', () => process.exit(0))
