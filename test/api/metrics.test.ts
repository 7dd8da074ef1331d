import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { apiFixture, type ApiFixture } from '../helpers-daemon/api.js'

describe('GET /metrics', () => {
  let f: ApiFixture

  before(async () => { f = await apiFixture() })
  after(async () => { await f.api.close() })

  test('serves every keydir metric in Prometheus text format', async () => {
    f.node.metrics.keyDiscoverySeconds.observe({ path: 'dht' }, 0.01)
    f.node.metrics.keyExchanges.inc({ result: 'success', role: 'requester' })
    const res = await f.api.app.inject({ url: '/metrics' })
    assert.equal(res.statusCode, 200)
    assert.match(String(res.headers['content-type']), /^text\/plain; version=0\.0\.4/)
    const names = f.node.metrics.registry.getMetricsAsArray().map(m => m.name)
    assert.ok(names.length >= 9)
    for (const name of names) assert.match(res.body, new RegExp(`^# TYPE ${name} `, 'm'), name)
    assert.match(res.body, /^keydir_key_discovery_seconds_count\{path="dht"\} 1$/m)
    assert.match(res.body, /^keydir_key_exchanges_total\{result="success",role="requester"\} 1$/m)
  })
})
