import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { negotiate } from '../../src/api/index.js'
import { apiFixture, assertApiError, type ApiFixture } from '../helpers-daemon/api.js'

describe('routing and error envelopes', () => {
  let f: ApiFixture

  before(async () => { f = await apiFixture() })
  after(async () => { await f.api.close() })

  test('an unknown path is 404 ERR_NO_ROUTE', async () => {
    assertApiError(await f.api.app.inject({ url: '/v2/keys' }), 404, 'ERR_NO_ROUTE')
    assertApiError(await f.api.app.inject({ url: '/' }), 404, 'ERR_NO_ROUTE')
    assertApiError(await f.api.app.inject({ method: 'DELETE', url: '/v1/peers' }), 404, 'ERR_NO_ROUTE')
  })

  test('responses are not cached and not sniffed', async () => {
    const res = await f.api.app.inject({ url: '/healthz' })
    assert.equal(res.headers['cache-control'], 'no-store')
    assert.equal(res.headers['x-content-type-options'], 'nosniff')
  })

  test('HEAD works where GET does', async () => {
    const res = await f.api.app.inject({ method: 'HEAD', url: '/healthz' })
    assert.equal(res.statusCode, 200)
  })
})

describe('negotiate', () => {
  const types = ['application/json', 'application/vnd.keydir.key-record'] as const
  const cases: Array<[string | undefined, string | undefined]> = [
    [undefined, 'application/json'],
    ['', 'application/json'],
    ['*/*', 'application/json'],
    ['application/*', 'application/json'],
    ['application/vnd.keydir.key-record', 'application/vnd.keydir.key-record'],
    ['APPLICATION/VND.KEYDIR.KEY-RECORD', 'application/vnd.keydir.key-record'],
    ['application/vnd.keydir.key-record, application/json', 'application/vnd.keydir.key-record'],
    ['application/json, application/vnd.keydir.key-record', 'application/json'],
    ['application/json;q=0.2, application/vnd.keydir.key-record;q=0.9', 'application/vnd.keydir.key-record'],
    ['*/*;q=0.5, application/vnd.keydir.key-record', 'application/vnd.keydir.key-record'],
    ['application/vnd.keydir.key-record;q=0, */*', 'application/json'],
    ['application/vnd.keydir.key-record;q=0', undefined],
    ['text/html', undefined],
    ['text/html;q=abc, application/json;q=nan', undefined],
    [';;;,,,', undefined]
  ]
  for (const [accept, expected] of cases) {
    test(`${JSON.stringify(accept)} -> ${String(expected)}`, () => {
      assert.equal(negotiate(accept, types), expected)
    })
  }
})
