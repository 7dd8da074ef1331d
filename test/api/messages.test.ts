import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { ENVELOPE_CONTENT_TYPE, MAX_SIGNED_DATA, MAX_VERIFY_BODY } from '../../src/api/index.js'
import { selectPqCrypto } from '../../src/crypto/index.js'
import { MAX_ENVELOPE_BYTES, MAX_SEALED_DATA } from '../../src/envelope/constants.js'
import { EnvelopeError, KeydirError, ResolveError } from '../../src/errors.js'
import { MESSAGE_SIGNATURE_CONTEXT } from '../../src/signature/constants.js'
import { makeFakePeer, type FakePeer } from '../helpers-daemon/fake-node.js'
import { apiFixture, assertApiError, type ApiFixture } from '../helpers-daemon/api.js'
import type { SignatureCheck } from '../../src/node/types.js'

const token = 'test-token-0123456789abcdefghijklmnop'
const auth = { authorization: `Bearer ${token}` }
const OCTET = 'application/octet-stream'
const crypto = selectPqCrypto()
const CONTEXT = new TextEncoder().encode(MESSAGE_SIGNATURE_CONTEXT)

/** Every byte value, 0x00 and 0xff included, twice. */
const allBytes = Buffer.from([...Array(512).keys()].map(i => i % 256))

describe('POST /v1/seal, /v1/open, /v1/sign, /v1/verify', () => {
  let f: ApiFixture
  let peer: FakePeer

  before(async () => {
    f = await apiFixture({ token })
    peer = await makeFakePeer()
    f.node.addPeer(peer)
  })
  after(async () => { await f.api.close() })

  const seal = async (to: string, payload: Buffer, headers: Record<string, string> = {}): Promise<Awaited<ReturnType<typeof f.api.app.inject>>> =>
    f.api.app.inject({ method: 'POST', url: `/v1/seal/${to}`, headers: { ...auth, 'content-type': OCTET, ...headers }, payload })

  test('seal answers the envelope as application/vnd.keydir.envelope; open gives back the bytes and the sender, as JSON or raw', async () => {
    const sealed = await seal(f.node.peerId.toString(), allBytes)
    assert.equal(sealed.statusCode, 200, sealed.body)
    assert.equal(sealed.headers['content-type'], ENVELOPE_CONTENT_TYPE)
    const envelope = sealed.rawPayload

    const json = await f.api.app.inject({ method: 'POST', url: '/v1/open', headers: { ...auth, 'content-type': ENVELOPE_CONTENT_TYPE }, payload: envelope })
    assert.equal(json.statusCode, 200, json.body)
    assert.match(String(json.headers['content-type']), /^application\/json/)
    assert.deepEqual(Object.keys(json.json()).sort(), ['data', 'from'])
    assert.equal(json.json().from, f.node.peerId.toString())
    assert.deepEqual(Buffer.from(json.json().data, 'base64'), allBytes)

    const raw = await f.api.app.inject({ method: 'POST', url: '/v1/open', headers: { ...auth, 'content-type': ENVELOPE_CONTENT_TYPE, accept: OCTET }, payload: envelope })
    assert.equal(raw.statusCode, 200, raw.body)
    assert.equal(raw.headers['content-type'], OCTET)
    assert.equal(raw.headers['keydir-from'], f.node.peerId.toString())
    assert.deepEqual(raw.rawPayload, allBytes)
  })

  test('seal to a known peer resolves it; an empty body is an empty message', async () => {
    const sealed = await f.api.app.inject({ method: 'POST', url: `/v1/seal/${peer.peerId.toString()}`, headers: auth })
    assert.equal(sealed.statusCode, 200, sealed.body)
    assert.equal(sealed.rawPayload.length, 1)
    assert.ok(f.node.resolveCalls.some(call => call.peerId === peer.peerId.toString()))
  })

  test('seal, open and sign need the bearer token (401), and are off without one (403); verify needs none', async () => {
    const bodies: Array<[string, string]> = [[`/v1/seal/${peer.peerId.toString()}`, OCTET], ['/v1/open', ENVELOPE_CONTENT_TYPE], ['/v1/sign', OCTET]]
    for (const [url, type] of bodies) {
      assertApiError(await f.api.app.inject({ method: 'POST', url, headers: { 'content-type': type }, payload: Buffer.from([0xfe, 1]) }), 401, 'ERR_UNAUTHORIZED')
      assertApiError(await f.api.app.inject({ method: 'POST', url, headers: { authorization: 'Bearer wrong-token-0123456789', 'content-type': type }, payload: Buffer.from([0xfe, 1]) }), 401, 'ERR_UNAUTHORIZED')
    }
    const open = await apiFixture()
    try {
      for (const [url, type] of bodies) {
        assertApiError(await open.api.app.inject({ method: 'POST', url, headers: { ...auth, 'content-type': type }, payload: Buffer.from([0xfe, 1]) }), 403, 'ERR_WRITES_DISABLED')
      }
      const signature = await open.node.sign(allBytes)
      const res = await open.api.app.inject({ method: 'POST', url: `/v1/verify/${open.node.peerId.toString()}`, payload: { data: allBytes.toString('base64'), signature: Buffer.from(signature).toString('base64') } })
      assert.equal(res.statusCode, 200, res.body)
      assert.deepEqual(res.json(), { valid: true, current: true, seq: open.node.self.record.seq })
    } finally {
      await open.api.close()
    }
  })

  test('sign answers { peerId, signature } or the raw 3309 bytes; verify says valid, current and seq', async () => {
    const json = await f.api.app.inject({ method: 'POST', url: '/v1/sign', headers: { ...auth, 'content-type': OCTET }, payload: allBytes })
    assert.equal(json.statusCode, 200, json.body)
    assert.deepEqual(Object.keys(json.json()).sort(), ['peerId', 'signature'])
    assert.equal(json.json().peerId, f.node.peerId.toString())
    const signature = Buffer.from(json.json().signature, 'base64')
    assert.equal(signature.length, 3309)
    assert.ok(crypto.mlDsa65.verify(f.node.self.record.mlDsaPublicKey, allBytes, signature, CONTEXT), 'an ML-DSA-65 signature with the message context')

    const raw = await f.api.app.inject({ method: 'POST', url: '/v1/sign', headers: { ...auth, 'content-type': OCTET, accept: OCTET }, payload: allBytes })
    assert.equal(raw.statusCode, 200)
    assert.equal(raw.headers['content-type'], OCTET)
    assert.equal(raw.rawPayload.length, 3309)

    const verify = async (data: Buffer, sig: Uint8Array, who = f.node.peerId.toString()): Promise<Awaited<ReturnType<typeof f.api.app.inject>>> =>
      f.api.app.inject({ method: 'POST', url: `/v1/verify/${who}`, payload: { data: data.toString('base64'), signature: Buffer.from(sig).toString('base64') } })
    const good = await verify(allBytes, raw.rawPayload)
    assert.equal(good.statusCode, 200, good.body)
    assert.deepEqual(good.json(), { valid: true, current: true, seq: f.node.self.record.seq })
    const altered = Buffer.from(allBytes)
    altered[0] ^= 1
    assert.deepEqual((await verify(altered, raw.rawPayload)).json(), { valid: false, current: false, seq: f.node.self.record.seq })

    // A peer's signature, checked against the key the directory holds for it.
    const byPeer = peer.mlDsaSigner.sign(allBytes, CONTEXT)
    assert.deepEqual((await verify(allBytes, byPeer, peer.peerId.toString())).json(), { valid: true, current: true, seq: peer.record.seq })
    assert.equal((await verify(allBytes, byPeer)).json().valid, false, 'not this node\'s signature')

    // A signature by an earlier key of the chain: valid, not current, and the seq that carried that key.
    const fake = f.node as unknown as { verify: (...args: unknown[]) => Promise<SignatureCheck> }
    const original = fake.verify
    try {
      fake.verify = async () => ({ valid: true, current: false, seq: 7 })
      assert.deepEqual((await verify(allBytes, byPeer, peer.peerId.toString())).json(), { valid: true, current: false, seq: 7 })
    } finally {
      fake.verify = original
    }
  })

  test('the wrong content type is 415 on every route, before the body is read', async () => {
    const peerId = peer.peerId.toString()
    assertApiError(await seal(peerId, Buffer.from('{}'), { 'content-type': 'application/json' }), 415, 'ERR_UNSUPPORTED_MEDIA_TYPE')
    assertApiError(await seal(peerId, Buffer.from([1]), { 'content-type': ENVELOPE_CONTENT_TYPE }), 415, 'ERR_UNSUPPORTED_MEDIA_TYPE')
    assertApiError(await f.api.app.inject({ method: 'POST', url: '/v1/open', headers: { ...auth, 'content-type': OCTET }, payload: Buffer.from([0xfe]) }), 415, 'ERR_UNSUPPORTED_MEDIA_TYPE')
    assertApiError(await f.api.app.inject({ method: 'POST', url: '/v1/sign', headers: { ...auth, 'content-type': 'text/plain' }, payload: 'hello' }), 415, 'ERR_UNSUPPORTED_MEDIA_TYPE')
    assertApiError(await f.api.app.inject({ method: 'POST', url: `/v1/verify/${peerId}`, headers: { 'content-type': OCTET }, payload: Buffer.from([1]) }), 415, 'ERR_UNSUPPORTED_MEDIA_TYPE')
    // The other endpoints still refuse these types: the parsers are the message routes' own.
    assertApiError(await f.api.app.inject({ method: 'POST', url: '/v1/revocations', headers: { ...auth, 'content-type': OCTET }, payload: Buffer.from([1]) }), 415, 'ERR_UNSUPPORTED_MEDIA_TYPE')
    assertApiError(await f.api.app.inject({ method: 'POST', url: '/v1/evidence', headers: { ...auth, 'content-type': ENVELOPE_CONTENT_TYPE }, payload: Buffer.from([1]) }), 415, 'ERR_UNSUPPORTED_MEDIA_TYPE')
  })

  test('1 MiB seals and signs; one byte more is 413 naming the limit; the envelope limit is MAX_ENVELOPE_BYTES', async () => {
    const mib = Buffer.alloc(MAX_SEALED_DATA, 0xff)
    mib[0] = 0
    const sealed = await seal(f.node.peerId.toString(), mib)
    assert.equal(sealed.statusCode, 200, sealed.body.slice(0, 200))
    const opened = await f.api.app.inject({ method: 'POST', url: '/v1/open', headers: { ...auth, 'content-type': ENVELOPE_CONTENT_TYPE, accept: OCTET }, payload: sealed.rawPayload })
    assert.ok(opened.rawPayload.equals(mib), 'byte-exact')

    const tooBig = assertApiError(await seal(f.node.peerId.toString(), Buffer.alloc(MAX_SEALED_DATA + 1)), 413, 'ERR_BODY_TOO_LARGE')
    assert.match(tooBig.message, new RegExp(`at most ${MAX_SEALED_DATA} bytes`))
    const signBig = assertApiError(await f.api.app.inject({ method: 'POST', url: '/v1/sign', headers: { ...auth, 'content-type': OCTET }, payload: Buffer.alloc(MAX_SIGNED_DATA + 1) }), 413, 'ERR_BODY_TOO_LARGE')
    assert.match(signBig.message, new RegExp(`at most ${MAX_SIGNED_DATA} bytes`))
    const openBig = assertApiError(await f.api.app.inject({ method: 'POST', url: '/v1/open', headers: { ...auth, 'content-type': ENVELOPE_CONTENT_TYPE }, payload: Buffer.alloc(MAX_ENVELOPE_BYTES + 1) }), 413, 'ERR_BODY_TOO_LARGE')
    assert.match(openBig.message, new RegExp(`at most ${MAX_ENVELOPE_BYTES} bytes`))
    const verifyBig = assertApiError(await f.api.app.inject({ method: 'POST', url: `/v1/verify/${peer.peerId.toString()}`, headers: { 'content-type': 'application/json' }, payload: Buffer.alloc(MAX_VERIFY_BODY + 1, 0x20) }), 413, 'ERR_BODY_TOO_LARGE')
    assert.match(verifyBig.message, new RegExp(`at most ${MAX_VERIFY_BODY} bytes`))
    // Without a declared length the body is cut at the route's limit all the same.
    const chunked = await f.api.app.inject({ method: 'POST', url: '/v1/sign', headers: { ...auth, 'content-type': OCTET, 'transfer-encoding': 'chunked' }, payload: Buffer.alloc(MAX_SIGNED_DATA + 1) })
    assert.equal(chunked.statusCode, 413)
    // Other endpoints keep their 1 KB.
    assert.match(assertApiError(await f.api.app.inject({ method: 'POST', url: '/v1/publish', headers: { ...auth, 'content-type': 'application/json' }, payload: `"${'x'.repeat(2000)}"` }), 413, 'ERR_BODY_TOO_LARGE').message, /at most 1024 bytes/)
  })

  test('bad input is 400: PeerId, envelope, verify body; unknown query parameters too', async () => {
    assertApiError(await seal('not-a-peer-id', Buffer.from([1])), 400, 'ERR_BAD_PEER_ID')
    assertApiError(await seal(`12D3KooW${'x'.repeat(200)}`, Buffer.from([1])), 400, 'ERR_BAD_PEER_ID')
    assertApiError(await seal(`${peer.peerId.toString()}?to=me`, Buffer.from([1])), 400, 'ERR_UNKNOWN_PARAM')
    assertApiError(await f.api.app.inject({ method: 'POST', url: '/v1/open', headers: auth }), 400, 'ERR_NO_ENVELOPE')
    assertApiError(await f.api.app.inject({ method: 'POST', url: '/v1/open', headers: { ...auth, 'content-type': ENVELOPE_CONTENT_TYPE }, payload: Buffer.from([1, 2, 3]) }), 400, 'ERR_ENVELOPE_MALFORMED')

    const url = `/v1/verify/${peer.peerId.toString()}`
    const sig = Buffer.alloc(3309).toString('base64')
    for (const payload of [
      '[]', 'null', '{}', JSON.stringify({ data: 'AA==' }), JSON.stringify({ data: 'AA==', signature: sig, extra: 1 }),
      JSON.stringify({ data: 'not base64!', signature: sig }), JSON.stringify({ data: 'AA==', signature: 'AAAA' }), JSON.stringify({ data: 1, signature: sig }), '{"data":'
    ]) {
      assertApiError(await f.api.app.inject({ method: 'POST', url, headers: { 'content-type': 'application/json' }, payload }), 400, 'ERR_BAD_REQUEST')
    }
    assertApiError(await f.api.app.inject({ method: 'POST', url }), 400, 'ERR_BAD_REQUEST')
    assertApiError(await f.api.app.inject({ method: 'POST', url: '/v1/verify/nope', payload: { data: '', signature: sig } }), 400, 'ERR_BAD_PEER_ID')
  })

  test('406 for an Accept the route cannot answer', async () => {
    assertApiError(await seal(peer.peerId.toString(), Buffer.from([1]), { accept: 'application/json' }), 406, 'ERR_NOT_ACCEPTABLE')
    assertApiError(await f.api.app.inject({ method: 'POST', url: '/v1/sign', headers: { ...auth, 'content-type': OCTET, accept: 'text/html' }, payload: Buffer.from([1]) }), 406, 'ERR_NOT_ACCEPTABLE')
  })

  test('the node\'s errors map to statuses: resolve errors as GET /v1/keys, envelope errors 400, 409, 413 or 422', async () => {
    const other = await makeFakePeer()
    const id = other.peerId.toString()
    const sig = Buffer.alloc(3309).toString('base64')
    for (const [err, status] of [
      [new ResolveError('ERR_NOT_FOUND', 'no record'), 404],
      [new ResolveError('ERR_REVOKED', 'revoked'), 410],
      [new ResolveError('ERR_EQUIVOCATION', 'two records'), 409],
      [new ResolveError('ERR_RESOLVE_TIMEOUT', 'too slow'), 504]
    ] as const) {
      f.node.failures.set(id, err)
      assertApiError(await seal(id, Buffer.from([1])), status, err.code)
      assertApiError(await f.api.app.inject({ method: 'POST', url: `/v1/verify/${id}`, payload: { data: '', signature: sig } }), status, err.code)
    }
    f.node.failures.delete(id)

    const fake = f.node as unknown as { open: (...args: unknown[]) => Promise<unknown>, seal: (...args: unknown[]) => Promise<unknown> }
    const { open, seal: sealOriginal } = fake
    try {
      const cases: Array<[string, number]> = [
        ['ERR_ENVELOPE_MALFORMED', 400], ['ERR_ENVELOPE_NOT_CANONICAL', 400], ['ERR_ENVELOPE_VERSION', 400], ['ERR_ENVELOPE_TOO_LARGE', 413],
        ['ERR_ENVELOPE_NOT_FOR_US', 422], ['ERR_ENVELOPE_KEY_UNKNOWN', 422], ['ERR_ENVELOPE_KEY_RETIRED', 422], ['ERR_ENVELOPE_DECRYPT', 422],
        ['ERR_ENVELOPE_BAD_SIGNATURE', 422], ['ERR_ENVELOPE_STALE_SENDER_KEY', 422], ['ERR_ENVELOPE_NO_HYBRID_KEY', 409]
      ]
      for (const [code, status] of cases) {
        fake.open = async () => { throw new EnvelopeError(code, 'refused') }
        assertApiError(await f.api.app.inject({ method: 'POST', url: '/v1/open', headers: { ...auth, 'content-type': ENVELOPE_CONTENT_TYPE }, payload: Buffer.from([0xfe]) }), status, code)
      }
      // The sender of an envelope is resolved too: its errors are the resolve's.
      fake.open = async () => { throw new ResolveError('ERR_REVOKED', 'the sender is revoked') }
      assertApiError(await f.api.app.inject({ method: 'POST', url: '/v1/open', headers: { ...auth, 'content-type': ENVELOPE_CONTENT_TYPE }, payload: Buffer.from([0xfe]) }), 410, 'ERR_REVOKED')
      fake.seal = async () => { throw new EnvelopeError('ERR_ENVELOPE_NO_HYBRID_KEY', 'an older keydir') }
      assertApiError(await seal(peer.peerId.toString(), Buffer.from([1])), 409, 'ERR_ENVELOPE_NO_HYBRID_KEY')
      fake.seal = async () => { throw new KeydirError('ERR_INVALID_ARGUMENT', 'data must be a Uint8Array') }
      assertApiError(await seal(peer.peerId.toString(), Buffer.from([1])), 400, 'ERR_INVALID_ARGUMENT')
    } finally {
      fake.open = open
      fake.seal = sealOriginal
    }
  })
})
