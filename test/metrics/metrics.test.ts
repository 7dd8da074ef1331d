import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { createKeydirMetrics } from '../../src/metrics/index.js'

/**
 * The metrics module: every keydir metric on one registry, and the
 * registry's counts read per scrape from what the registry keeps, never
 * from a listing (issue 18's `/metrics` at 100,000 peers).
 */
describe('keydir metrics', () => {
  it('registers every metric once, named keydir_*', async () => {
    const metrics = createKeydirMetrics()
    const names = (await metrics.registry.getMetricsAsJSON()).map(m => m.name)
    assert.equal(new Set(names).size, names.length)
    for (const name of names) assert.match(name, /^keydir_/)
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
})
