import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { MAX_SCORED_PEERS_SHOWN } from '../../src/metrics/index.js'
import { PeerReputation } from '../../src/reputation/index.js'
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

  test('peer outcomes are all present at zero, and no peer is below the threshold, before any note', async () => {
    const fresh = await apiFixture()
    try {
      const body = (await fresh.api.app.inject({ url: '/metrics' })).body
      for (const outcome of ['valid', 'stale', 'invalid', 'withheld', 'timeout', 'refused']) {
        assert.match(body, new RegExp(`^keydir_peer_outcomes_total\\{outcome="${outcome}"\\} 0$`, 'm'), outcome)
      }
      assert.match(body, /^keydir_peers_below_threshold 0$/m)
      assert.doesNotMatch(body, /^keydir_peer_score\{/m)
    } finally {
      await fresh.api.close()
    }
  })
})

describe('GET /metrics: peer scores', () => {
  test('counts outcomes, peers below the threshold, and shows the lowest and highest scores, bounded', async () => {
    const f = await apiFixture()
    try {
      const scores = new PeerReputation({ onOutcome: outcome => { f.node.metrics.peerOutcomes.inc({ outcome }) } })
      const detach = f.node.metrics.showScoresWith(scores)
      for (let i = 0; i < 2 * MAX_SCORED_PEERS_SHOWN + 50; i++) scores.note(`QmPeer${i}`, 'valid')
      for (let i = 0; i < 3; i++) scores.note('QmWorst', 'invalid')
      scores.note('QmBad', 'invalid')
      const body = (await f.api.app.inject({ url: '/metrics' })).body
      assert.match(body, /^keydir_peer_outcomes_total\{outcome="invalid"\} 4$/m)
      assert.match(body, new RegExp(`^keydir_peer_outcomes_total\\{outcome="valid"\\} ${2 * MAX_SCORED_PEERS_SHOWN + 50}$`, 'm'))
      assert.match(body, /^keydir_peers_below_threshold 1$/m)
      assert.match(body, /^keydir_peer_score\{peer="QmWorst"\} -24$/m)
      assert.match(body, /^keydir_peer_score\{peer="QmBad"\} -8$/m)
      assert.equal(body.match(/^keydir_peer_score\{/gm)?.length, 2 * MAX_SCORED_PEERS_SHOWN)
      detach()
      assert.match((await f.api.app.inject({ url: '/metrics' })).body, /^keydir_peers_below_threshold 0$/m)
    } finally {
      await f.api.close()
    }
  })
})
