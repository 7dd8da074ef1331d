import assert from 'node:assert/strict'
import { createApiServer, type ApiServer, type ApiServerInit } from '../../src/api/index.js'
import { createFakeNode, type FakeKeyDirectory } from './fake-node.js'

export interface ApiFixture {
  node: FakeKeyDirectory
  api: ApiServer
}

/** A fake node behind an API server (not listening: use `api.app.inject`). */
export async function apiFixture (init: Partial<ApiServerInit> = {}): Promise<ApiFixture> {
  const node = await createFakeNode()
  const api = createApiServer({ node, ...init })
  await api.app.ready()
  return { node, api }
}

/** The response must be the error envelope with this status and code, and nothing else (no stack). */
export function assertApiError (res: { statusCode: number, headers: Record<string, unknown>, body: string }, status: number, code: string): { code: string, message: string } {
  assert.equal(res.statusCode, status, `expected ${status} ${code}, got ${res.statusCode}: ${res.body}`)
  assert.match(String(res.headers['content-type']), /^application\/json/)
  const body = JSON.parse(res.body) as { error: { code: string, message: string } }
  assert.deepEqual(Object.keys(body), ['error'])
  assert.deepEqual(Object.keys(body.error).sort(), ['code', 'message'])
  assert.equal(body.error.code, code)
  assert.equal(typeof body.error.message, 'string')
  assert.ok(body.error.message.length > 0)
  assert.doesNotMatch(res.body, /\bat .*\.js:\d+/, 'no stack trace')
  return body.error
}
