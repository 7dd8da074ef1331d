import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { negotiate } from '../../src/api/index.js'
import { apiFixture, assertApiError, type ApiFixture } from '../helpers-daemon/api.js'

describe('routing and error envelopes', () => {
  let f: ApiFixture

  before(async () => { f = await apiFixture() })
  after(async () => { await f.api.close() })

  test('an unknown path is 404 ERR_NO_ROUTE, whatever the method, and the message lists the endpoints', async () => {
    for (const method of ['GET', 'POST', 'DELETE'] as const) {
      for (const url of ['/v2/keys', '/v1/nope', '/v1/peers/', '/v1/rotate/now']) {
        const error = assertApiError(await f.api.app.inject({ method, url }), 404, 'ERR_NO_ROUTE')
        assert.match(error.message, /GET \/v1\/keys\/\{peerId\}/)
        assert.match(error.message, /POST \/v1\/rotate/)
        assert.match(error.message, /GET \/,/)
        assert.doesNotMatch(error.message, /status-page/)
      }
    }
  })

  test('a served path with another method is 405 with Allow, not 400 or 404 (issue 23)', async () => {
    const peerId = f.node.peerId.toString()
    for (const method of ['POST', 'DELETE', 'PUT'] as const) {
      const res = await f.api.app.inject({ method, url: `/v1/keys/${peerId}` })
      const error = assertApiError(res, 405, 'ERR_METHOD_NOT_ALLOWED')
      assert.equal(res.headers.allow, 'GET, HEAD')
      assert.match(error.message, /takes GET, HEAD/)
    }
    const rotate = await f.api.app.inject({ url: '/v1/rotate' })
    assertApiError(rotate, 405, 'ERR_METHOD_NOT_ALLOWED')
    assert.equal(rotate.headers.allow, 'POST')
    // A path under a PeerId route with another method: 405 whether or not the PeerId is valid.
    const seal = await f.api.app.inject({ url: '/v1/seal/not-a-peer-id' })
    assertApiError(seal, 405, 'ERR_METHOD_NOT_ALLOWED')
    assert.equal(seal.headers.allow, 'POST')
    assert.equal((await f.api.app.inject({ method: 'DELETE', url: '/v1/keys/' })).headers.allow, 'GET, HEAD')
    // With the route's own method, a bad PeerId stays a 400.
    assertApiError(await f.api.app.inject({ url: '/v1/keys/a/b' }), 400, 'ERR_BAD_PEER_ID')
    assertApiError(await f.api.app.inject({ url: '/v1/evidence/a/b' }), 400, 'ERR_BAD_PEER_ID')
  })

  test('every route answers each method it does not take with 405 and its own methods in Allow', async () => {
    const peerId = f.node.peerId.toString()
    const routes = servedRoutes(f.api.app.printRoutes({ commonPrefix: false }))
    assert.ok(routes.size >= 15, `the routes were read: ${[...routes.keys()].join(', ')}`)
    for (const [pattern, methods] of routes) {
      const url = pattern.replace(':peerId', peerId)
      for (const method of ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const) {
        if (methods.includes(method)) continue
        const res = await f.api.app.inject({ method, url })
        assert.equal(res.statusCode, 405, `${method} ${pattern}: ${res.body}`)
        assert.equal(res.headers.allow, methods.join(', '), `${method} ${pattern}`)
        if (method !== 'HEAD') assertApiError(res, 405, 'ERR_METHOD_NOT_ALLOWED')
      }
    }
  })

  test('413 names the endpoint and its limit in bytes; 415 says what to send', async () => {
    const token = 'test-token-0123456789abcdefghijklmnop'
    const withToken = await apiFixture({ token })
    try {
      const auth = { authorization: `Bearer ${token}` }
      const big = assertApiError(await withToken.api.app.inject({ method: 'POST', url: '/v1/publish', headers: { ...auth, 'content-type': 'application/json' }, payload: `"${'x'.repeat(2000)}"` }), 413, 'ERR_BODY_TOO_LARGE')
      assert.match(big.message, /POST \/v1\/publish takes: at most 1024 bytes \(1 KiB\)/)
      const revocation = assertApiError(await withToken.api.app.inject({ method: 'POST', url: '/v1/revocations', headers: { ...auth, 'content-type': 'application/vnd.keydir.revocation' }, payload: Buffer.alloc(20_000) }), 413, 'ERR_BODY_TOO_LARGE')
      assert.match(revocation.message, /POST \/v1\/revocations takes: at most 10240 bytes \(10 KiB\)/)
      const seal = assertApiError(await withToken.api.app.inject({ method: 'POST', url: `/v1/seal/${withToken.node.peerId.toString()}`, headers: { ...auth, 'content-type': 'application/octet-stream' }, payload: Buffer.alloc(1024 * 1024 + 1) }), 413, 'ERR_BODY_TOO_LARGE')
      assert.match(seal.message, /POST \/v1\/seal\/\{peerId\} takes: at most 1048576 bytes \(1 MiB\)/)

      const xml = assertApiError(await withToken.api.app.inject({ method: 'POST', url: '/v1/rotate', headers: { ...auth, 'content-type': 'application/xml' }, payload: '<a/>' }), 415, 'ERR_UNSUPPORTED_MEDIA_TYPE')
      assert.match(xml.message, /POST \/v1\/rotate does not read a body of type "application\/xml": send the request without a body/)
      const octets = assertApiError(await withToken.api.app.inject({ method: 'POST', url: '/v1/revocations', headers: { ...auth, 'content-type': 'application/octet-stream' }, payload: Buffer.from([1]) }), 415, 'ERR_UNSUPPORTED_MEDIA_TYPE')
      assert.match(octets.message, /send it as Content-Type: application\/vnd\.keydir\.revocation/)
    } finally {
      await withToken.api.close()
    }
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

/**
 * The routes fastify holds, from its `printRoutes` tree (`├── /v1/keys/:peerId (GET, HEAD)`,
 * a child indented four columns under its parent's path): pattern -> methods.
 */
function servedRoutes (tree: string): Map<string, string[]> {
  const routes = new Map<string, string[]>()
  const stack: string[] = []
  for (const line of tree.split('\n')) {
    const match = /^([│ ]*)[├└]── (\S+) \(([A-Z, ]+)\)$/.exec(line)
    if (match === null) continue
    const depth = match[1].length / 4
    stack.length = depth
    const pattern = (stack[depth - 1] ?? '') + match[2]
    stack.push(pattern)
    routes.set(pattern, match[3].split(', '))
  }
  return routes
}

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
