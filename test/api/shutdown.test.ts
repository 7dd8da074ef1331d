import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { apiFixture, assertApiError } from '../helpers-daemon/api.js'

const token = 'test-token-0123456789abcdefghijklmnop'
const auth = { authorization: `Bearer ${token}` }

describe('POST /v1/shutdown', () => {
  test('with the token: 202 with the pid, and the daemon is asked to stop once the answer is out', async () => {
    let requests = 0
    const f = await apiFixture({ token, requestShutdown: () => { requests++ } })
    try {
      const res = await f.api.app.inject({ method: 'POST', url: '/v1/shutdown', headers: auth })
      assert.equal(res.statusCode, 202, res.body)
      assert.deepEqual(res.json(), { stopping: true, pid: process.pid })
      assert.equal(requests, 1)
    } finally {
      await f.api.close()
    }
  })

  test('without the token, or with a wrong one, 401 and nothing stops', async () => {
    let requests = 0
    const f = await apiFixture({ token, requestShutdown: () => { requests++ } })
    try {
      for (const headers of [{}, { authorization: 'Bearer wrong' }]) {
        const res = await f.api.app.inject({ method: 'POST', url: '/v1/shutdown', headers })
        assertApiError(res, 401, 'ERR_UNAUTHORIZED')
      }
      assertApiError(await f.api.app.inject({ method: 'POST', url: '/v1/shutdown?now=1', headers: auth }), 400, 'ERR_UNKNOWN_PARAM')
      assert.equal(requests, 0)
    } finally {
      await f.api.close()
    }
  })

  test('a node without a token cannot be stopped through the API (403)', async () => {
    let requests = 0
    const f = await apiFixture({ requestShutdown: () => { requests++ } })
    try {
      assertApiError(await f.api.app.inject({ method: 'POST', url: '/v1/shutdown', headers: auth }), 403, 'ERR_WRITES_DISABLED')
      assert.equal(requests, 0)
    } finally {
      await f.api.close()
    }
  })

  test('an API server not started by keydir start cannot stop its process: 501', async () => {
    const f = await apiFixture({ token })
    try {
      const error = assertApiError(await f.api.app.inject({ method: 'POST', url: '/v1/shutdown', headers: auth }), 501, 'ERR_SHUTDOWN_UNAVAILABLE')
      assert.match(error.message, /stop it the way it was started/)
    } finally {
      await f.api.close()
    }
  })
})
