import assert from 'node:assert/strict'
import { request as httpRequest } from 'node:http'
import { connect } from 'node:net'
import { describe, test } from 'node:test'
import { createApiServer } from '../../src/api/index.js'
import { createFakeNode, makeFakePeer } from '../helpers-daemon/fake-node.js'

/** A raw HTTP GET (fetch refuses some of what we want to send). */
async function rawGet (url: string, path: string): Promise<{ status: number, headers: Record<string, unknown>, body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${url}${path}`, { method: 'GET' }, res => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => { resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString() }) })
      res.on('error', reject)
    })
    req.on('error', reject)
    req.end()
  })
}

describe('the API on a real socket', () => {
  test('listens on a free port and answers over HTTP', async () => {
    const node = await createFakeNode()
    const api = createApiServer({ node })
    const url = await api.listen({ host: '127.0.0.1', port: 0 })
    try {
      assert.match(url, /^http:\/\/127\.0\.0\.1:\d+$/)
      const res = await fetch(`${url}/v1/keys/${node.peerId.toString()}`)
      assert.equal(res.status, 200)
      assert.equal(((await res.json()) as { trust: string }).trust, 'self')
    } finally {
      await api.close()
    }
  })

  test('a request line beyond the header limit is a JSON 431', async () => {
    const node = await createFakeNode()
    const api = createApiServer({ node })
    const url = await api.listen({ host: '127.0.0.1', port: 0 })
    try {
      const res = await rawGet(url, `/v1/peers?trust=${'a'.repeat(100_000)}`)
      assert.equal(res.status, 431)
      assert.equal(JSON.parse(res.body).error.code, 'ERR_HEADERS_TOO_LARGE')
    } finally {
      await api.close()
    }
  })

  test('close lets in-flight requests finish, and aborts those that outlast the bound with a 503', async () => {
    const node = await createFakeNode()
    const quick = await makeFakePeer()
    const stuck = await makeFakePeer()
    node.addPeer(quick)
    let openGate = (): void => {}
    node.gates.set(quick.peerId.toString(), new Promise<void>(resolve => { openGate = resolve }))
    node.hanging.add(stuck.peerId.toString())
    const api = createApiServer({ node, closeTimeoutMs: 200 })
    const url = await api.listen({ host: '127.0.0.1', port: 0 })
    const { port } = new URL(url)

    // A request in flight when close starts (over a raw socket, so nothing retries).
    const socket = connect(Number(port), '127.0.0.1')
    let raw = ''
    socket.setEncoding('utf8').on('data', (s: string) => { raw += s })
    const socketClosed = new Promise(resolve => { socket.on('close', resolve) })
    socket.write(`GET /v1/keys/${quick.peerId.toString()} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`)
    const stuckResponse = fetch(`${url}/v1/keys/${stuck.peerId.toString()}`)
    // Wait until both lookups reached the node.
    while (node.resolveCalls.length < 2) await new Promise(resolve => setTimeout(resolve, 10))

    const closed = api.close()
    const again = api.close()
    openGate()
    await socketClosed
    assert.match(raw, /^HTTP\/1\.1 200 /)
    assert.ok(raw.includes(`"peerId":"${quick.peerId.toString()}"`))

    const res = await stuckResponse
    assert.equal(res.status, 503)
    assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'ERR_SHUTTING_DOWN')
    await closed
    await again
    await assert.rejects(fetch(`${url}/healthz`), 'no longer accepting')
  })
})
