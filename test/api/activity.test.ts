import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { apiFixture, assertApiError, type ApiFixture } from '../helpers-daemon/api.js'

describe('GET /v1/activity', () => {
  let f: ApiFixture

  before(async () => { f = await apiFixture({ token: 'test-token-0123456789abcdefghijklmnop' }) })
  after(async () => { await f.api.close() })

  test('answers zeros before anything happened, with the time they were read', async () => {
    const before = Date.now()
    const res = await f.api.app.inject({ url: '/v1/activity' })
    assert.equal(res.statusCode, 200)
    const body = res.json()
    assert.deepEqual({ ...body, at: 0 }, {
      at: 0,
      lookups: { hit: 0, miss: 0 },
      exchanges: { requester: { success: 0, failure: 0 }, responder: { success: 0, failure: 0 } }
    })
    assert.ok(body.at >= before && body.at <= Date.now())
  })

  test('counts lookups and exchanges as the metrics do, without the token', async () => {
    const m = f.node.metrics
    m.registryLookups.inc({ result: 'hit' }, 5)
    m.registryLookups.inc({ result: 'miss' }, 2)
    m.keyExchanges.inc({ result: 'success', role: 'requester' }, 3)
    m.keyExchanges.inc({ result: 'failure', role: 'requester' })
    m.keyExchanges.inc({ result: 'success', role: 'responder' }, 7)
    const body = (await f.api.app.inject({ url: '/v1/activity' })).json()
    assert.deepEqual(body.lookups, { hit: 5, miss: 2 })
    assert.deepEqual(body.exchanges, { requester: { success: 3, failure: 1 }, responder: { success: 7, failure: 0 } })
  })

  test('takes no query parameters', async () => {
    assertApiError(await f.api.app.inject({ url: '/v1/activity?window=5m' }), 400, 'ERR_UNKNOWN_PARAM')
  })
})
