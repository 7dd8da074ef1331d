import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { writeFile } from 'node:fs/promises'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { apiProof, parseChallenge } from '../../src/api/proof.js'
import { callApi, callApiBytes, isNodeAlive } from '../../src/cli/client.js'
import { KeydirError } from '../../src/errors.js'
import { tempDir } from '../helpers-daemon/cli.js'
import type { AddressInfo } from 'node:net'

const RECORD_TYPE = 'application/vnd.keydir.key-record'

/** A stand-in for the node's API: each path answers the way a test needs, and every Accept header is kept. */
const answers: Record<string, (req: IncomingMessage, res: ServerResponse) => void> = {
  '/ok': (_req, res) => { res.writeHead(200, { 'content-type': 'application/json' }).end('{"hello":"world"}') },
  '/envelope': (_req, res) => { res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":{"code":"ERR_NOT_FOUND","message":"no valid keys found"}}') },
  '/proxy-page': (_req, res) => { res.writeHead(502, { 'content-type': 'text/html' }).end('<html>Bad Gateway</html>') },
  '/null': (_req, res) => { res.writeHead(500, { 'content-type': 'application/json' }).end('null') },
  '/not-json': (_req, res) => { res.writeHead(200, { 'content-type': 'text/plain' }).end('hello') },
  // Headers at once, then a body that never ends.
  '/stall': (_req, res) => { res.writeHead(200, { 'content-type': 'application/json' }); res.write('{"part') },
  '/record': (_req, res) => { res.writeHead(200, { 'content-type': 'Application/Vnd.Keydir.Key-Record' }).end(Buffer.from([1, 2, 3])) },
  '/record-as-json': (_req, res) => { res.writeHead(200, { 'content-type': 'application/json' }).end('{}') }
}

/**
 * Prove every answer as the node does, with `token` (undefined: no proof at
 * all): the answer's status and body are caught as they are written.
 */
function proving (token: string | undefined, handler: (req: IncomingMessage, res: ServerResponse) => void): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const challenge = parseChallenge(req.headers['keydir-challenge'])
    if (token === undefined || challenge === undefined) {
      handler(req, res)
      return
    }
    const chunks: Buffer[] = []
    const write = res.write.bind(res)
    const end = res.end.bind(res)
    const writeHead = res.writeHead.bind(res)
    let head: unknown[] = []
    res.writeHead = (...args: unknown[]) => { head = args; return res }
    res.write = ((chunk: unknown) => { chunks.push(Buffer.from(chunk as string)); return true }) as typeof res.write
    res.end = ((chunk?: unknown) => {
      if (chunk !== undefined && typeof chunk !== 'function') chunks.push(Buffer.from(chunk as string))
      const status = Number(head[0] ?? 200)
      const body = Buffer.concat(chunks)
      const proof = apiProof(token, { challenge, method: req.method ?? '', target: req.url ?? '', status, body })
      ;(writeHead as (...a: unknown[]) => ServerResponse)(status, { ...(head[1] as object), 'keydir-proof': proof })
      if (req.url === '/stall') {
        write(body)
        return res
      }
      return end(body)
    }) as typeof res.end
    handler(req, res)
    // The stalling answer never ends: send what it wrote so far.
    if (req.url === '/stall') res.end()
  }
}

async function listen (handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<{ server: Server, url: string }> {
  const server = createServer(handler)
  await new Promise<void>(resolve => { server.listen(0, '127.0.0.1', resolve) })
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` }
}

async function close (server: Server): Promise<void> {
  server.closeAllConnections()
  await new Promise(resolve => { server.close(resolve) })
}

/** A data dir whose api.json names `url` and this (live) process, with an owner-only token. */
async function dataDirFor (url: string, token: string): Promise<string> {
  const dir = await tempDir()
  await writeFile(join(dir, 'api.json'), JSON.stringify({ url, pid: process.pid, peerId: '', startedAt: 0 }))
  await writeFile(join(dir, 'api.token'), `${token}\n`, { mode: 0o600 })
  return dir
}

const rejectsWith = async (call: Promise<unknown>, code: string, message?: RegExp): Promise<void> => {
  await assert.rejects(call, (err: unknown) => {
    assert.ok(err instanceof KeydirError, String(err))
    assert.equal(err.code, code)
    if (message !== undefined) assert.match(err.message, message)
    return true
  })
}

describe('the CLI\'s API client', () => {
  let server: Server
  let dir: string
  const accepts: string[] = []

  before(async () => {
    const token = randomBytes(32).toString('base64url')
    let url
    ;({ server, url } = await listen(proving(token, (req, res) => {
      accepts.push(req.headers.accept ?? '')
      const answer = answers[req.url ?? '']
      if (answer === undefined) res.writeHead(500).end()
      else answer(req, res)
    })))
    dir = await dataDirFor(url, token)
  })
  after(async () => { await close(server) })

  test('a JSON answer is returned decoded, asked for with Accept: application/json', async () => {
    assert.deepEqual(await callApi(dir, '/ok'), { hello: 'world' })
    assert.equal(accepts.at(-1), 'application/json')
  })

  test('an error envelope gives its code and message', async () => {
    await rejectsWith(callApi(dir, '/envelope'), 'ERR_NOT_FOUND', /^no valid keys found$/)
    await rejectsWith(callApiBytes(dir, '/envelope', RECORD_TYPE), 'ERR_NOT_FOUND', /^no valid keys found$/)
  })

  test('a failure without an envelope gives its HTTP status', async () => {
    await rejectsWith(callApi(dir, '/proxy-page'), 'HTTP_502', /answered HTTP 502/)
    await rejectsWith(callApi(dir, '/null'), 'HTTP_500')
    await rejectsWith(callApiBytes(dir, '/proxy-page', RECORD_TYPE), 'HTTP_502')
  })

  test('a success that is not JSON is ERR_API_RESPONSE', async () => {
    await rejectsWith(callApi(dir, '/not-json'), 'ERR_API_RESPONSE', /not JSON/)
  })

  test('a body that stalls past the timeout is ERR_API_TIMEOUT', async () => {
    await rejectsWith(callApi(dir, '/stall', { timeoutMs: 300 }), 'ERR_API_TIMEOUT', /did not answer within 300 ms/)
    await rejectsWith(callApiBytes(dir, '/stall', RECORD_TYPE, { timeoutMs: 300 }), 'ERR_API_TIMEOUT')
  })

  test('bytes come back under the media type asked for, compared without case', async () => {
    assert.deepEqual(await callApiBytes(dir, '/record', RECORD_TYPE), new Uint8Array([1, 2, 3]))
    assert.equal(accepts.at(-1), RECORD_TYPE)
    await rejectsWith(callApiBytes(dir, '/record-as-json', RECORD_TYPE), 'ERR_API_RESPONSE', /answered application\/json where application\/vnd\.keydir\.key-record was asked for/)
  })
})

describe('the client proves the node before it sends the token or trusts an answer', () => {
  const token = randomBytes(32).toString('base64url')
  const seen: Array<{ method: string, url: string, authorization: string | undefined, challenge: string | undefined }> = []
  const record = (req: IncomingMessage): void => {
    seen.push({ method: req.method ?? '', url: req.url ?? '', authorization: req.headers.authorization, challenge: req.headers['keydir-challenge'] as string | undefined })
  }
  /** What a stranger at the address answers: a fine-looking status, keys, a record, an "ok" to anything. */
  const impostorAnswer = (req: IncomingMessage, res: ServerResponse): void => {
    record(req)
    if (req.url === '/v1/keys/x/record') res.writeHead(200, { 'content-type': RECORD_TYPE }).end(Buffer.from([6, 6, 6]))
    else if (req.url === '/v1/missing') res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":{"code":"ERR_NOT_FOUND","message":"go to evil.example"}}')
    else res.writeHead(200, { 'content-type': 'application/json' }).end('{"peerId":"12D3KooWForged","anchor":{"multiaddr":"/ip4/6.6.6.6/tcp/1"}}')
  }
  const servers: Server[] = []
  after(async () => { await Promise.all(servers.map(close)) })

  for (const [name, proverToken] of [['proves nothing', undefined], ['proves with another token', 'another-token-0123456789abcdef']] as const) {
    test(`a server that ${name}: no token sent, no answer trusted, ERR_API_NOT_OURS`, async () => {
      const { server, url } = await listen(proving(proverToken, impostorAnswer))
      servers.push(server)
      const dir = await dataDirFor(url, token)
      seen.length = 0
      const notOurs = /did not prove it is the node of this data dir.*api\.json is stale or another process listens there.*keydir start --dir/
      await rejectsWith(callApi(dir, '/v1/rotate', { method: 'POST', auth: true }), 'ERR_API_NOT_OURS', notOurs)
      await rejectsWith(callApi(dir, '/v1/publish', { method: 'POST', auth: true }), 'ERR_API_NOT_OURS', notOurs)
      await rejectsWith(callApi(dir, '/v1/status'), 'ERR_API_NOT_OURS', notOurs)
      await rejectsWith(callApi(dir, '/v1/keys/x', { timeoutMs: null }), 'ERR_API_NOT_OURS', notOurs)
      await rejectsWith(callApiBytes(dir, '/v1/keys/x/record', RECORD_TYPE), 'ERR_API_NOT_OURS', notOurs)
      // Its error envelope is not believed either.
      await rejectsWith(callApi(dir, '/v1/missing'), 'ERR_API_NOT_OURS', notOurs)
      assert.ok(seen.length > 0)
      for (const request of seen) {
        assert.equal(request.authorization, undefined, `${request.method} ${request.url} carried the token`)
        assert.match(request.challenge ?? '', /^[A-Za-z0-9_-]{43}$/)
        assert.notEqual(request.method, 'POST', 'a POST is sent only after the node proved itself')
      }
      assert.equal(new Set(seen.map(r => r.challenge)).size, seen.length, 'a fresh challenge every time')
    })
  }

  test('the node proves itself first, then gets the token; each answer is proved', async () => {
    const { server, url } = await listen(proving(token, (req, res) => {
      record(req)
      res.writeHead(200, { 'content-type': 'application/json' }).end(req.url === '/healthz' ? '{"status":"ok"}' : '{"rotated":true}')
    }))
    servers.push(server)
    const dir = await dataDirFor(url, token)
    seen.length = 0
    assert.deepEqual(await callApi(dir, '/v1/rotate', { method: 'POST', auth: true }), { rotated: true })
    assert.deepEqual(seen.map(r => [r.method, r.url, r.authorization]), [['GET', '/healthz', undefined], ['POST', '/v1/rotate', `Bearer ${token}`]])
  })

  test('a proof of another answer (a replayed header) is refused', async () => {
    let replayed: string | undefined
    const { server, url } = await listen((req, res) => {
      const challenge = parseChallenge(req.headers['keydir-challenge'])
      if (challenge === undefined) { res.writeHead(400).end(); return }
      // A proof for the right challenge, but of a body other than the one sent.
      replayed = apiProof(token, { challenge, method: 'GET', target: req.url ?? '', status: 200, body: '{"peerId":"real"}' })
      res.writeHead(200, { 'content-type': 'application/json', 'keydir-proof': replayed }).end('{"peerId":"forged"}')
    })
    servers.push(server)
    const dir = await dataDirFor(url, token)
    await rejectsWith(callApi(dir, '/v1/status'), 'ERR_API_NOT_OURS')
    assert.ok(replayed !== undefined)
  })

  test('without a token no answer can be proved: ERR_API_TOKEN, and nothing is POSTed', async () => {
    const { server, url } = await listen(proving(token, (req, res) => { record(req); res.writeHead(200).end('{}') }))
    servers.push(server)
    const dir = await tempDir()
    await writeFile(join(dir, 'api.json'), JSON.stringify({ url, pid: process.pid, peerId: '', startedAt: 0 }))
    seen.length = 0
    await rejectsWith(callApi(dir, '/v1/status'), 'ERR_API_TOKEN', /api\.token.*keydir start --dir/)
    await rejectsWith(callApi(dir, '/v1/rotate', { method: 'POST', auth: true }), 'ERR_API_TOKEN', /api\.token.*keydir start --dir/)
    assert.deepEqual(seen.map(r => [r.method, r.url]), [['GET', '/v1/status']])
  })
})

describe('which api.json names a live node', () => {
  const probe = (outcome: 'alive' | 'ESRCH' | 'EPERM') => (): true => {
    if (outcome === 'alive') return true
    throw Object.assign(new Error(outcome), { code: outcome })
  }

  test('a pid this user can signal is alive; one that has exited is not', () => {
    assert.equal(isNodeAlive(1234, probe('alive')), true)
    assert.equal(isNodeAlive(1234, probe('ESRCH')), false)
  })

  test('EPERM, another user\'s process (a pid reused after a crash or reboot), is not our node', () => {
    assert.equal(isNodeAlive(1234, probe('EPERM')), false)
  })

  test('no pid, or a pid that is no process id, is not alive', () => {
    for (const pid of [0, -1, 1.5, Number.NaN, 2 ** 53]) assert.equal(isNodeAlive(pid, probe('alive')), false, String(pid))
  })
})
