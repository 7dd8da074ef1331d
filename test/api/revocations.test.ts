import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { REVOCATION_CONTENT_TYPE } from '../../src/api/index.js'
import { ResolveError, RevocationError } from '../../src/errors.js'
import { createRevocation, MAX_REVOCATION_BYTES } from '../../src/record/index.js'
import { makeFakePeer } from '../helpers-daemon/fake-node.js'
import { apiFixture, assertApiError, type ApiFixture } from '../helpers-daemon/api.js'

const token = 'test-token-0123456789abcdefghijklmnop'
const auth = { authorization: `Bearer ${token}` }

describe('POST /v1/revoke and /v1/revocations, and a revoked peer\'s keys', () => {
  let f: ApiFixture

  before(async () => { f = await apiFixture({ token }) })
  after(async () => { await f.api.close() })

  test('POST /v1/revoke revokes the node with the reason given, and answers the certificate', async () => {
    const res = await f.api.app.inject({ method: 'POST', url: '/v1/revoke?reason=retired', headers: auth })
    assert.equal(res.statusCode, 200, res.body)
    const body = res.json()
    assert.deepEqual(Object.keys(body).sort(), ['certificate', 'issuedAt', 'mlDsaFingerprint', 'peerId', 'reason'])
    assert.equal(body.peerId, f.node.peerId.toString())
    assert.equal(body.reason, 'retired')
    assertApiError(await f.api.app.inject({ method: 'POST', url: '/v1/revoke?reason=bored', headers: auth }), 400, 'ERR_BAD_PARAM')
    assertApiError(await f.api.app.inject({ method: 'POST', url: '/v1/revoke' }), 401, 'ERR_UNAUTHORIZED')
  })

  test('POST /v1/revocations takes a certificate\'s bytes as application/vnd.keydir.revocation', async () => {
    const peer = await makeFakePeer()
    const certificate = await createRevocation({ privateKey: peer.privateKey, mlDsaSigner: peer.mlDsaSigner })
    const res = await f.api.app.inject({ method: 'POST', url: '/v1/revocations', headers: { ...auth, 'content-type': REVOCATION_CONTENT_TYPE }, payload: Buffer.from(certificate.bytes) })
    assert.equal(res.statusCode, 200, res.body)
    assert.equal(res.json().peerId, peer.peerId.toString())
    assert.ok(f.node.revocations.some(r => r.peerId.equals(peer.peerId)))
    const listed = await f.api.app.inject({ method: 'GET', url: '/v1/revocations' })
    assert.equal(listed.statusCode, 200)
    assert.ok(listed.json().revocations.some((r: { peerId: string }) => r.peerId === peer.peerId.toString()), 'GET /v1/revocations lists it')
  })

  test('POST /v1/revocations refuses no token (401), another media type (415), no body (400), an oversized one (413)', async () => {
    const url = '/v1/revocations'
    const headers = { ...auth, 'content-type': REVOCATION_CONTENT_TYPE }
    assertApiError(await f.api.app.inject({ method: 'POST', url, headers: { 'content-type': REVOCATION_CONTENT_TYPE }, payload: Buffer.from([1]) }), 401, 'ERR_UNAUTHORIZED')
    assertApiError(await f.api.app.inject({ method: 'POST', url, headers: { ...auth, 'content-type': 'application/octet-stream' }, payload: Buffer.from([1]) }), 415, 'ERR_UNSUPPORTED_MEDIA_TYPE')
    assertApiError(await f.api.app.inject({ method: 'POST', url, headers: auth }), 400, 'ERR_NO_CERTIFICATE')
    const big = await f.api.app.inject({ method: 'POST', url, headers, payload: Buffer.alloc(MAX_REVOCATION_BYTES + 1) })
    assert.equal(big.statusCode, 413)
  })

  test('without the token, the state-changing routes answer 401 before they read a body, whatever its type or size', async () => {
    // 401, not 413 or 415: the token is checked in onRequest, before the content-type parser runs.
    const bodies = [
      { url: '/v1/revocations', type: REVOCATION_CONTENT_TYPE, size: MAX_REVOCATION_BYTES + 1 },
      { url: '/v1/revocations', type: 'application/x-unknown', size: 10 },
      { url: '/v1/evidence', type: 'application/json', size: 64 * 1024 },
      { url: '/v1/publish', type: 'application/json', size: 2 * 1024 * 1024 },
      { url: '/v1/rotate', type: 'text/plain', size: 16 },
      { url: '/v1/shutdown', type: 'application/json', size: 2 * 1024 * 1024 }
    ]
    for (const { url, type, size } of bodies) {
      assertApiError(await f.api.app.inject({ method: 'POST', url, headers: { 'content-type': type }, payload: Buffer.alloc(size, 0x7b) }), 401, 'ERR_UNAUTHORIZED')
    }
  })

  test('a certificate that does not validate is 400 with its code; one not linked to a pin is 409', async () => {
    const fake = f.node as unknown as { publishRevocation: (bytes: Uint8Array) => Promise<unknown> }
    const original = fake.publishRevocation
    try {
      for (const [code, status] of [['ERR_REVOCATION_BAD_ML_DSA_SIGNATURE', 400], ['ERR_REVOCATION_KEY_UNKNOWN', 409]] as const) {
        fake.publishRevocation = async () => { throw new RevocationError(code, 'refused') }
        const res = await f.api.app.inject({ method: 'POST', url: '/v1/revocations', headers: { ...auth, 'content-type': REVOCATION_CONTENT_TYPE }, payload: Buffer.from([1]) })
        assertApiError(res, status, code)
      }
    } finally {
      fake.publishRevocation = original
    }
  })

  test('GET /v1/keys of a revoked peer is 410 ERR_REVOKED', async () => {
    const peer = await makeFakePeer()
    f.node.failures.set(peer.peerId.toString(), new ResolveError('ERR_REVOKED', 'revoked'))
    assertApiError(await f.api.app.inject({ method: 'GET', url: `/v1/keys/${peer.peerId.toString()}` }), 410, 'ERR_REVOKED')
  })
})
