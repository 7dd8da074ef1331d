import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { KEY_RECORD_CONTENT_TYPE } from '../../src/api/index.js'
import { apiProof, newChallenge, proofMatches } from '../../src/api/proof.js'
import { makeFakePeer } from '../helpers-daemon/fake-node.js'
import { apiFixture, assertApiError, type ApiFixture } from '../helpers-daemon/api.js'

const token = 'a-token-of-this-data-dir-0123456789abcdef'

describe('every answer to a Keydir-Challenge carries a Keydir-Proof', () => {
  let f: ApiFixture
  let peerPath: string

  before(async () => {
    f = await apiFixture({ token })
    const peer = await makeFakePeer()
    f.node.addPeer(peer)
    peerPath = `/v1/keys/${peer.peerId.toString()}`
  })
  after(async () => { await f.api.close() })

  const check = async (method: 'GET' | 'POST', url: string, headers: Record<string, string> = {}): Promise<{ statusCode: number, rawPayload: Buffer }> => {
    const challenge = newChallenge()
    const res = await f.api.app.inject({ method, url, headers: { 'keydir-challenge': challenge, ...headers } })
    const proof = res.headers['keydir-proof']
    assert.equal(typeof proof, 'string', `${method} ${url} ${res.statusCode}: no proof`)
    const input = { challenge: Buffer.from(challenge, 'base64url'), method, target: url, status: res.statusCode, body: res.rawPayload }
    assert.equal(proof, apiProof(token, input))
    assert.ok(proofMatches(String(proof), token, input))
    // The proof is of this answer: another status, body, target or token does not match.
    assert.ok(!proofMatches(String(proof), token, { ...input, status: input.status === 200 ? 201 : 200 }))
    assert.ok(!proofMatches(String(proof), token, { ...input, body: Buffer.concat([res.rawPayload, Buffer.from(' ')]) }))
    assert.ok(!proofMatches(String(proof), token, { ...input, target: `${url}x` }))
    assert.ok(!proofMatches(String(proof), `${token}x`, input))
    assert.ok(!proofMatches(String(proof), token, { ...input, challenge: Buffer.from(newChallenge(), 'base64url') }))
    return res
  }

  test('on JSON answers, the signed record, metrics, health and errors', async () => {
    assert.equal((await check('GET', '/v1/status')).statusCode, 200)
    assert.equal((await check('GET', '/healthz')).statusCode, 200)
    assert.equal((await check('GET', '/metrics')).statusCode, 200)
    assert.equal((await check('GET', `${peerPath}?refresh=true`)).statusCode, 200)
    assert.equal((await check('GET', peerPath, { accept: KEY_RECORD_CONTENT_TYPE })).statusCode, 200)
    assert.equal((await check('GET', `/v1/keys/${(await makeFakePeer()).peerId.toString()}`)).statusCode, 404)
    assert.equal((await check('GET', '/nowhere')).statusCode, 404)
    assert.equal((await check('GET', '/v1/status', { host: 'attacker.example' })).statusCode, 421)
    assert.equal((await check('POST', '/v1/rotate')).statusCode, 401)
    assert.equal((await check('POST', '/v1/publish', { authorization: `Bearer ${token}` })).statusCode, 200)
  })

  test('no challenge, no proof; a malformed challenge is 400 ERR_BAD_CHALLENGE', async () => {
    const res = await f.api.app.inject({ url: '/v1/status' })
    assert.equal(res.statusCode, 200)
    assert.equal(res.headers['keydir-proof'], undefined)
    const before = (await f.node.metrics.apiRefusals.get()).values.find(v => v.labels.reason === 'ERR_BAD_CHALLENGE')?.value ?? 0
    for (const bad of ['', 'short', `${newChallenge()}=`, newChallenge().slice(1) + '+', 'A'.repeat(44)]) {
      assertApiError(await f.api.app.inject({ url: '/v1/status', headers: { 'keydir-challenge': bad } }), 400, 'ERR_BAD_CHALLENGE')
    }
    const after = (await f.node.metrics.apiRefusals.get()).values.find(v => v.labels.reason === 'ERR_BAD_CHALLENGE')?.value ?? 0
    assert.equal(after - before, 5, 'every malformed challenge is counted')
  })

  test('the golden vector in docs/api.md', () => {
    const challenge = Buffer.alloc(32, 7)
    assert.equal(challenge.toString('base64url'), 'BwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc')
    assert.equal(apiProof('keydir-example-token-0123456789abcdef', { challenge, method: 'GET', target: '/healthz', status: 200, body: '{"ok":true}' }),
      'Yn8gmiN7tC47ZYWpTBTzFaftZcEZqQYtptd7-2Hr0Iw')
  })

  test('a server without a token proves nothing', async () => {
    const off = await apiFixture()
    try {
      const res = await off.api.app.inject({ url: '/v1/status', headers: { 'keydir-challenge': newChallenge() } })
      assert.equal(res.statusCode, 200)
      assert.equal(res.headers['keydir-proof'], undefined)
    } finally {
      await off.api.close()
    }
  })
})
