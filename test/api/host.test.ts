import assert from 'node:assert/strict'
import { request as httpRequest } from 'node:http'
import { after, before, describe, test } from 'node:test'
import { createApiServer, hostAllowed } from '../../src/api/index.js'
import { createFakeNode, makeFakePeer } from '../helpers-daemon/fake-node.js'
import { apiFixture, assertApiError, type ApiFixture } from '../helpers-daemon/api.js'

/** A GET with a Host header of our choosing (fetch sets its own). */
async function getWithHost (url: string, path: string, host: string | undefined): Promise<{ statusCode: number, headers: Record<string, unknown>, body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${url}${path}`, { method: 'GET', setHost: host !== undefined, headers: host === undefined ? {} : { host } }, res => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => { resolve({ statusCode: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString() }) })
      res.on('error', reject)
    })
    req.on('error', reject)
    req.end()
  })
}

describe('the API answers only requests for its own names (DNS rebinding)', () => {
  let f: ApiFixture
  let peerPath: string

  before(async () => {
    f = await apiFixture()
    const peer = await makeFakePeer()
    f.node.addPeer(peer)
    peerPath = `/v1/keys/${peer.peerId.toString()}`
  })
  after(async () => { await f.api.close() })

  test('Host: attacker.example is refused with 421 ERR_HOST_NOT_ALLOWED on every read endpoint', async () => {
    for (const url of ['/v1/status', '/v1/peers', '/metrics', '/healthz', peerPath, `${peerPath}?refresh=true`]) {
      for (const host of ['attacker.example', 'attacker.example:7357', 'localhost.attacker.example', '127.0.0.1.nip.io:7357']) {
        const error = assertApiError(await f.api.app.inject({ url, headers: { host } }), 421, 'ERR_HOST_NOT_ALLOWED')
        assert.match(error.message, /127\.0\.0\.1|localhost/, 'says which names to use')
      }
    }
    assert.equal(f.node.resolveCalls.length, 0, 'no lookup ran for a refused request')
    const counted = (await f.node.metrics.apiRefusals.get()).values.find(v => v.labels.reason === 'ERR_HOST_NOT_ALLOWED')?.value
    assert.equal(counted, 24, 'every refusal is counted')
  })

  test('POSTs are refused on Host before the token is looked at', async () => {
    const res = await f.api.app.inject({ method: 'POST', url: '/v1/rotate', headers: { host: 'attacker.example', authorization: 'Bearer x' } })
    assertApiError(res, 421, 'ERR_HOST_NOT_ALLOWED')
    assert.equal(f.node.rotateCount, 0)
  })

  test('loopback names pass, with or without a port', async () => {
    for (const host of ['localhost', 'localhost:7357', 'LocalHost:80', '127.0.0.1', '127.0.0.1:7357', '127.9.8.7:1', '[::1]', '[::1]:7357']) {
      const res = await f.api.app.inject({ url: '/v1/status', headers: { host } })
      assert.equal(res.statusCode, 200, `${host}: ${res.body}`)
    }
  })

  test('on a real socket: attacker.example refused; localhost:PORT, 127.0.0.1:PORT and no Host at all pass', async () => {
    const node = await createFakeNode()
    const api = createApiServer({ node })
    const url = await api.listen({ host: '127.0.0.1', port: 0 })
    const port = new URL(url).port
    try {
      assertApiError(await getWithHost(url, '/v1/status', 'attacker.example'), 421, 'ERR_HOST_NOT_ALLOWED')
      assertApiError(await getWithHost(url, '/metrics', `attacker.example:${port}`), 421, 'ERR_HOST_NOT_ALLOWED')
      for (const host of [`localhost:${port}`, `127.0.0.1:${port}`, `[::1]:${port}`]) {
        assert.equal((await getWithHost(url, '/v1/status', host)).statusCode, 200, host)
      }
      // HTTP/1.1 without Host is refused by Node itself (400); an empty Host passes, as no browser sends one.
      assert.equal((await getWithHost(url, '/v1/status', '')).statusCode, 200)
    } finally {
      await api.close()
    }
  })

  test('the allow-list: loopback names, the configured host, and IP literals when listening on every address', () => {
    for (const host of ['localhost', 'localhost:1', '127.0.0.1', '127.255.0.1:9', '[::1]', '[::1]:7357', '[0:0:0:0:0:0:0:1]:1']) {
      assert.ok(hostAllowed(host, undefined), host)
    }
    for (const host of ['attacker.example', 'localhost.', 'localhost:', 'localhost:x', '127.0.0.1:99999', '128.0.0.1', '::1', '[::1', '[::2]', '10.0.0.5', 'keydir.lan', '[::1]x', 'user@localhost']) {
      assert.ok(!hostAllowed(host, undefined), host)
    }
    // Listening on one LAN address or name: that host too, nothing else.
    assert.ok(hostAllowed('10.0.0.5:7357', '10.0.0.5'))
    assert.ok(!hostAllowed('10.0.0.6:7357', '10.0.0.5'))
    assert.ok(hostAllowed('KEYDIR.lan:7357', 'keydir.lan'))
    assert.ok(hostAllowed('[fd00::5]:7357', 'fd00::5'))
    assert.ok(!hostAllowed('attacker.example', 'keydir.lan'))
    // Listening on every address: any IP literal (a rebinding page has a name), still no other name.
    for (const listen of ['0.0.0.0', '::']) {
      assert.ok(hostAllowed('192.168.1.7:7357', listen))
      assert.ok(hostAllowed('[fd00::5]:7357', listen))
      assert.ok(!hostAllowed('attacker.example:7357', listen))
      assert.ok(!hostAllowed('192.168.1.7.nip.io', listen))
    }
  })
})
