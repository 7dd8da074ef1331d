import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { apiFixture, assertApiError, type ApiFixture } from '../helpers-daemon/api.js'

const token = 'test-token-0123456789abcdefghijklmnop'

describe('POST /v1/publish and /v1/rotate', () => {
  let f: ApiFixture
  let off: ApiFixture

  before(async () => {
    f = await apiFixture({ token })
    off = await apiFixture()
  })
  after(async () => {
    await f.api.close()
    await off.api.close()
  })

  for (const action of ['publish', 'rotate'] as const) {
    test(`${action} with the bearer token answers the node's record`, async () => {
      const before = action === 'publish' ? f.node.publishCount : f.node.rotateCount
      const res = await f.api.app.inject({ method: 'POST', url: `/v1/${action}`, headers: { authorization: `Bearer ${token}` } })
      assert.equal(res.statusCode, 200, res.body)
      const body = res.json()
      assert.deepEqual(Object.keys(body).sort(), ['expiresAt', 'issuedAt', 'mlDsaFingerprint', 'mlDsaPublicKey', 'mlKemPublicKey', 'peerId', 'record', 'rotated', 'seq'])
      assert.equal(body.peerId, f.node.peerId.toString())
      assert.equal(action === 'publish' ? f.node.publishCount : f.node.rotateCount, before + 1)
    })

    test(`${action} without a token, or with a wrong one, is 401 and changes nothing`, async () => {
      const count = f.node.publishCount + f.node.rotateCount
      for (const authorization of [undefined, 'Bearer wrong', `Bearer ${token}x`, `Basic ${token}`, token, 'Bearer ', `Bearer ${'x'.repeat(600)}`]) {
        const headers: Record<string, string> = authorization === undefined ? {} : { authorization }
        const res = await f.api.app.inject({ method: 'POST', url: `/v1/${action}`, headers })
        assertApiError(res, 401, 'ERR_UNAUTHORIZED')
        assert.equal(res.headers['www-authenticate'], 'Bearer')
      }
      assert.equal(f.node.publishCount + f.node.rotateCount, count)
    })

    test(`${action} is off (403) on a server without a token`, async () => {
      const res = await off.api.app.inject({ method: 'POST', url: `/v1/${action}`, headers: { authorization: `Bearer ${token}` } })
      assertApiError(res, 403, 'ERR_WRITES_DISABLED')
      assert.equal(off.node.publishCount + off.node.rotateCount, 0)
    })
  }

  test('a body beyond the limit is 413', async () => {
    const res = await f.api.app.inject({
      method: 'POST',
      url: '/v1/publish',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      payload: JSON.stringify({ pad: 'x'.repeat(10_000) })
    })
    assertApiError(res, 413, 'ERR_BODY_TOO_LARGE')
  })

  test('GET on a POST endpoint is 405 with Allow: POST', async () => {
    const res = await f.api.app.inject({ url: '/v1/rotate' })
    assertApiError(res, 405, 'ERR_METHOD_NOT_ALLOWED')
    assert.equal(res.headers.allow, 'POST')
  })
})
