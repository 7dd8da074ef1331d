import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { describe, it } from 'node:test'
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client'
import { addProcessMetrics, createKeydirMetrics, KNOWN_SERIES } from '../../src/metrics/index.js'
import { EVIDENCE_SOURCE_VALUES, KEY_CHANGE_VALUES, PEER_OUTCOME_VALUES } from '../../src/metrics/known-series.js'
import { KEY_CHANGE_KINDS } from '../../src/node/index.js'
import { PEER_OUTCOMES } from '../../src/reputation/index.js'
import { keydirVersion } from '../../src/util/version.js'
import type { EvidenceSource } from '../../src/registry/index.js'

/** The registry's EvidenceSource values, each in the metrics' list: a compile error otherwise. */
const EVIDENCE_SOURCES_COVERED: [Exclude<EvidenceSource, typeof EVIDENCE_SOURCE_VALUES[number]>] extends [never] ? true : false = true

/**
 * The metrics module: every keydir metric on one registry, and the
 * registry's counts read per scrape from what the registry keeps, never
 * from a listing (issue 18's `/metrics` at 100,000 peers).
 */
describe('keydir metrics', () => {
  it('registers every metric once, named keydir_*, or process_* and nodejs_* for the defaults', async () => {
    const metrics = createKeydirMetrics()
    const names = (await metrics.registry.getMetricsAsJSON()).map(m => m.name)
    assert.equal(new Set(names).size, names.length)
    for (const name of names) assert.match(name, /^(keydir|process|nodejs)_/)
    for (const name of ['keydir_verified_peers', 'keydir_registry_records', 'keydir_unsolicited_records_total', 'keydir_registry_collected_total']) {
      assert.ok(names.includes(name), `${name} is registered`)
    }
  })

  it('reads the registry counts when scraped, and stops once detached', async () => {
    const metrics = createKeydirMetrics()
    let counts = { records: 5, verified: 3, unsolicited: 2 }
    let reads = 0
    const detach = metrics.countRegistryWith(() => { reads++; return counts })
    const text = await metrics.registry.metrics()
    assert.match(text, /^keydir_verified_peers 3$/m)
    assert.match(text, /^keydir_registry_records\{kind="all"\} 5$/m)
    assert.match(text, /^keydir_registry_records\{kind="unsolicited"\} 2$/m)
    assert.equal(reads, 2, 'one read per gauge per scrape')
    counts = { records: 6, verified: 4, unsolicited: 2 }
    assert.match(await metrics.registry.metrics(), /^keydir_verified_peers 4$/m)
    detach()
    const before = reads
    await metrics.registry.metrics()
    assert.equal(reads, before, 'a detached count is not read')
  })

  it('a detach of an older count leaves the newer one in place', async () => {
    const metrics = createKeydirMetrics()
    const detachOld = metrics.countRegistryWith(() => ({ records: 1, verified: 1, unsolicited: 0 }))
    metrics.countRegistryWith(() => ({ records: 9, verified: 7, unsolicited: 0 }))
    detachOld()
    assert.match(await metrics.registry.metrics(), /^keydir_verified_peers 7$/m)
  })

  it('has prom-client\'s process_* and nodejs_* defaults, made once for every node of the process', async () => {
    const a = createKeydirMetrics()
    const b = createKeydirMetrics()
    const text = await a.registry.metrics()
    for (const name of ['process_cpu_user_seconds_total', 'process_resident_memory_bytes', 'process_start_time_seconds', 'nodejs_eventloop_lag_seconds', 'nodejs_heap_size_used_bytes', 'nodejs_gc_duration_seconds', 'nodejs_version_info']) {
      assert.match(text, new RegExp(`^# TYPE ${name} `, 'm'), name)
      // One metric object (one event-loop monitor, one GC observer), whatever the number of nodes.
      assert.equal(a.registry.getSingleMetric(name), b.registry.getSingleMetric(name), name)
    }
    assert.match(await b.registry.metrics(), /^process_cpu_user_seconds_total \d/m)
    // Twice on one registry is a no-op; a registry with its own defaults keeps them.
    addProcessMetrics(a.registry)
    const own = new Registry()
    collectDefaultMetrics({ register: own })
    const ownCpu = own.getSingleMetric('process_cpu_user_seconds_total')
    createKeydirMetrics(own)
    assert.equal(own.getSingleMetric('process_cpu_user_seconds_total'), ownCpu)
    const without = createKeydirMetrics(new Registry(), { processMetrics: false })
    assert.doesNotMatch(await without.registry.metrics(), /^process_|^nodejs_/m)
  })

  it('a process that made several nodes\' metrics exits on its own: no timer or monitor keeps it alive', async () => {
    const module = new URL('../../src/metrics/index.js', import.meta.url).href
    const script = `const { createKeydirMetrics } = await import(${JSON.stringify(module)})
for (let i = 0; i < 5; i++) await createKeydirMetrics().registry.metrics()`
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: 'ignore' })
    // A bound on a hang, not a timing: the child ends by itself in well under a second.
    const killer = setTimeout(() => { child.kill('SIGKILL') }, 30_000)
    const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>(resolve => { child.on('close', (c, s) => { resolve([c, s]) }) })
    clearTimeout(killer)
    assert.deepEqual([code, signal], [0, null])
  })

  it('keydir_build_info is 1, labelled with keydir\'s version, Node.js and OpenSSL', async () => {
    const text = await createKeydirMetrics().registry.metrics()
    assert.ok(text.includes(`keydir_build_info{version="${keydirVersion()}",node="${process.version}",openssl="${process.versions.openssl}"} 1\n`), text.split('\n').find(l => l.startsWith('keydir_build_info')))
    assert.notEqual(keydirVersion(), '0.0.0', 'the version is read from package.json')
  })

  it('every labelled counter and histogram has its known series at 0 from the start', async () => {
    const metrics = createKeydirMetrics()
    // Reasons are error codes: no fixed list, no series before the first refusal.
    const openEnded = new Set(['keydir_verification_failures_total'])
    for (const name of Object.keys(KNOWN_SERIES)) assert.ok(metrics.registry.getSingleMetric(name) !== undefined, `${name} is a metric`)
    for (const { name } of metrics.registry.getMetricsAsArray()) {
      const metric = metrics.registry.getSingleMetric(name)
      if (!name.startsWith('keydir_') || !(metric instanceof Counter || metric instanceof Histogram)) continue
      // prom-client keeps a metric's label names on it, untyped.
      const { labelNames } = metric as unknown as { labelNames: readonly string[] }
      if (labelNames.length === 0 || openEnded.has(name)) continue
      const { values } = await metric.get()
      assert.ok(KNOWN_SERIES[name] !== undefined, `${name} is labelled: its known series belong in known-series.ts`)
      for (const series of KNOWN_SERIES[name]) {
        const found = values.filter(v => Object.entries(series).every(([k, want]) => v.labels[k] === want))
        assert.ok(found.length > 0, `${name}${JSON.stringify(series)} is there`)
        assert.ok(found.every(v => v.value === 0), `${name}${JSON.stringify(series)} is 0`)
      }
    }
    assert.match(await metrics.registry.metrics(), /^keydir_key_exchanges_total\{result="failure",role="responder"\} 0$/m)
  })

  it('the known label values are the layers\' own lists', () => {
    assert.deepEqual(PEER_OUTCOME_VALUES, [...PEER_OUTCOMES])
    assert.deepEqual(KEY_CHANGE_VALUES, [...KEY_CHANGE_KINDS])
    assert.equal(EVIDENCE_SOURCES_COVERED, true)
  })
})
