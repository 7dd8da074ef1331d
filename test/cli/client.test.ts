import assert from 'node:assert/strict'
import { writeFile } from 'node:fs/promises'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { callApi, callApiBytes } from '../../src/cli/client.js'
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

describe('the CLI\'s API client', () => {
  let server: Server
  let dir: string
  const accepts: string[] = []

  before(async () => {
    server = createServer((req, res) => {
      accepts.push(req.headers.accept ?? '')
      const answer = answers[req.url ?? '']
      if (answer === undefined) res.writeHead(500).end()
      else answer(req, res)
    })
    await new Promise<void>(resolve => { server.listen(0, '127.0.0.1', resolve) })
    dir = await tempDir()
    const { port } = server.address() as AddressInfo
    await writeFile(join(dir, 'api.json'), JSON.stringify({ url: `http://127.0.0.1:${port}`, pid: process.pid, peerId: '', startedAt: 0 }))
  })
  after(async () => {
    server.closeAllConnections()
    await new Promise(resolve => { server.close(resolve) })
  })

  const rejectsWith = async (call: Promise<unknown>, code: string, message?: RegExp): Promise<void> => {
    await assert.rejects(call, (err: unknown) => {
      assert.ok(err instanceof KeydirError, String(err))
      assert.equal(err.code, code)
      if (message !== undefined) assert.match(err.message, message)
      return true
    })
  }

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
