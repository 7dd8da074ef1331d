import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { KEY_RECORD_CONTENT_TYPE } from '../../src/api/index.js'
import { expandXWingSeed } from '../../src/crypto/index.js'
import { ResolveError } from '../../src/errors.js'
import { mlDsaPeerIdString, unmarshalKeyRecord } from '../../src/record/index.js'
import { apiFixture, assertApiError, type ApiFixture } from '../helpers-daemon/api.js'
import { makeFakePeer, type FakePeer } from '../helpers-daemon/fake-node.js'

const KEY_FIELDS = ['peerId', 'mlDsaPeerId', 'asked', 'mlDsaPublicKey', 'mlKemPublicKey', 'seq', 'issuedAt', 'expiresAt', 'trust', 'source', 'stale'].sort()

describe('GET /v1/keys/{peerId}', () => {
  let f: ApiFixture
  let known: FakePeer

  before(async () => {
    f = await apiFixture()
    known = await makeFakePeer(7)
    f.node.addPeer(known, 'dht')
  })
  after(async () => { await f.api.close() })

  test('answers a known peer with its keys as base64 and times as Unix ms, the record left to its own type', async () => {
    const res = await f.api.app.inject({ method: 'GET', url: `/v1/keys/${known.peerId.toString()}` })
    assert.equal(res.statusCode, 200)
    assert.match(String(res.headers['content-type']), /^application\/json/)
    assert.equal(res.headers.vary, 'Accept')
    const body = res.json()
    assert.deepEqual(Object.keys(body).sort(), KEY_FIELDS)
    assert.equal(body.peerId, known.peerId.toString())
    assert.equal(body.mlDsaPeerId, mlDsaPeerIdString(known.record.mlDsaPublicKey))
    assert.equal(body.asked, 'peerId')
    assert.equal(Buffer.from(body.mlDsaPublicKey, 'base64').length, 1952)
    assert.equal(Buffer.from(body.mlKemPublicKey, 'base64').length, 1184)
    assert.equal(body.seq, 7)
    assert.equal(body.issuedAt, known.record.issuedAt)
    assert.equal(body.expiresAt, known.record.expiresAt)
    assert.equal(body.trust, 'dht')
    assert.equal(body.source, 'registry')
    assert.ok(res.rawPayload.length < 5000, `a keys body without the record is ~4.4 KB, not ${res.rawPayload.length} bytes`)
  })

  test('takes the ML-DSA PeerId (Qm…) of a peer\'s key: the same keys, both PeerIds, asked as mlDsaPeerId', async () => {
    const id = mlDsaPeerIdString(known.record.mlDsaPublicKey)
    const res = await f.api.app.inject({ method: 'GET', url: `/v1/keys/${id}` })
    assert.equal(res.statusCode, 200)
    const body = res.json()
    assert.equal(body.peerId, known.peerId.toString())
    assert.equal(body.mlDsaPeerId, id)
    assert.equal(body.asked, 'mlDsaPeerId')
    // The cached body of the same record asked by its PeerId still says peerId.
    assert.equal((await f.api.app.inject({ url: `/v1/keys/${known.peerId.toString()}` })).json().asked, 'peerId')
  })

  test('an ML-DSA PeerId no record names is 404 ERR_UNKNOWN_ML_DSA_PEER_ID; one not linked to the peer\'s current key 409 ERR_ML_DSA_PEER_ID_UNLINKED', async () => {
    const unknown = mlDsaPeerIdString((await makeFakePeer(11)).record.mlDsaPublicKey)
    f.node.failures.set(unknown, new ResolveError('ERR_UNKNOWN_ML_DSA_PEER_ID', 'no key record names it'))
    assertApiError(await f.api.app.inject({ url: `/v1/keys/${unknown}` }), 404, 'ERR_UNKNOWN_ML_DSA_PEER_ID')
    f.node.failures.set(unknown, new ResolveError('ERR_ML_DSA_PEER_ID_UNLINKED', 'not linked'))
    assertApiError(await f.api.app.inject({ url: `/v1/keys/${unknown}` }), 409, 'ERR_ML_DSA_PEER_ID_UNLINKED')
    f.node.failures.delete(unknown)
  })

  test('adds the X25519 key, base64, for a version-2 record', async () => {
    const x25519PublicKey = expandXWingSeed(new Uint8Array(32).fill(1)).x25519PublicKey
    const v2 = await makeFakePeer(3, { x25519PublicKey })
    f.node.addPeer(v2, 'dht')
    const body = (await f.api.app.inject({ method: 'GET', url: `/v1/keys/${v2.peerId.toString()}` })).json()
    assert.deepEqual(Object.keys(body).sort(), [...KEY_FIELDS, 'x25519PublicKey'].sort())
    assert.equal(body.x25519PublicKey, Buffer.from(x25519PublicKey).toString('base64'))
  })

  test('a body served before follows a change of trust, and a new record', async () => {
    const peer = await makeFakePeer(8)
    const url = `/v1/keys/${peer.peerId.toString()}`
    f.node.addPeer(peer, 'dht')
    const first = await f.api.app.inject({ url })
    assert.equal(first.json().trust, 'dht')
    assert.equal((await f.api.app.inject({ url })).body, first.body)
    f.node.addPeer(peer, 'direct')
    assert.equal((await f.api.app.inject({ url })).json().trust, 'direct')
    const newer = await makeFakePeer(9)
    f.node.addPeer({ ...peer, record: { ...newer.record, peerId: peer.peerId } }, 'direct')
    const body = (await f.api.app.inject({ url })).json()
    assert.equal(body.seq, 9)
    assert.equal(body.trust, 'direct')
  })

  test('answers its own PeerId with trust self', async () => {
    const res = await f.api.app.inject({ url: `/v1/keys/${f.node.peerId.toString()}` })
    assert.equal(res.statusCode, 200)
    assert.equal(res.json().trust, 'self')
  })

  test('passes ?refresh=true on and defaults to false', async () => {
    const id = known.peerId.toString()
    await f.api.app.inject({ url: `/v1/keys/${id}?refresh=true` })
    assert.equal(f.node.resolveCalls.at(-1)?.options?.refresh, true)
    await f.api.app.inject({ url: `/v1/keys/${id}?refresh=false` })
    assert.equal(f.node.resolveCalls.at(-1)?.options?.refresh, false)
    await f.api.app.inject({ url: `/v1/keys/${id}` })
    assert.equal(f.node.resolveCalls.at(-1)?.options?.refresh, false)
    assert.ok(f.node.resolveCalls.at(-1)?.options?.signal instanceof AbortSignal)
  })

  test('returns the raw signed record under Accept: application/vnd.keydir.key-record', async () => {
    const res = await f.api.app.inject({ url: `/v1/keys/${known.peerId.toString()}`, headers: { accept: KEY_RECORD_CONTENT_TYPE } })
    assert.equal(res.statusCode, 200)
    assert.equal(res.headers['content-type'], KEY_RECORD_CONTENT_TYPE)
    assert.equal(res.headers.vary, 'Accept')
    assert.deepEqual(new Uint8Array(res.rawPayload), known.record.bytes)
    // The same keys as the JSON answer, checkable by the client.
    const record = unmarshalKeyRecord(new Uint8Array(res.rawPayload))
    const json = (await f.api.app.inject({ url: `/v1/keys/${known.peerId.toString()}` })).json()
    assert.ok(record.peerId.equals(known.peerId))
    assert.equal(Buffer.from(record.mlDsaPublicKey).toString('base64'), json.mlDsaPublicKey)
    assert.equal(Buffer.from(record.mlKemPublicKey).toString('base64'), json.mlKemPublicKey)
    assert.equal(record.seq, json.seq)
  })

  test('negotiates by q value and falls back to JSON for wildcards', async () => {
    const url = `/v1/keys/${known.peerId.toString()}`
    const raw = await f.api.app.inject({ url, headers: { accept: `application/json;q=0.5, ${KEY_RECORD_CONTENT_TYPE}` } })
    assert.equal(raw.headers['content-type'], KEY_RECORD_CONTENT_TYPE)
    const json = await f.api.app.inject({ url, headers: { accept: `${KEY_RECORD_CONTENT_TYPE};q=0.1, */*` } })
    assert.match(String(json.headers['content-type']), /^application\/json/)
    const wildcard = await f.api.app.inject({ url, headers: { accept: '*/*' } })
    assert.match(String(wildcard.headers['content-type']), /^application\/json/)
  })

  test('406 when the Accept header takes none of its types', async () => {
    const res = await f.api.app.inject({ url: `/v1/keys/${known.peerId.toString()}`, headers: { accept: 'text/html' } })
    assertApiError(res, 406, 'ERR_NOT_ACCEPTABLE')
  })

  test('404 ERR_NOT_FOUND for a valid PeerId nobody knows', async () => {
    const stranger = await makeFakePeer()
    const res = await f.api.app.inject({ url: `/v1/keys/${stranger.peerId.toString()}` })
    assertApiError(res, 404, 'ERR_NOT_FOUND')
  })

  test('504 ERR_RESOLVE_TIMEOUT when the lookup times out', async () => {
    const slow = await makeFakePeer()
    f.node.failures.set(slow.peerId.toString(), new ResolveError('ERR_RESOLVE_TIMEOUT', 'resolve timed out after 10000 ms'))
    const res = await f.api.app.inject({ url: `/v1/keys/${slow.peerId.toString()}` })
    assertApiError(res, 504, 'ERR_RESOLVE_TIMEOUT')
  })

  test('502 ERR_HISTORY_UNREACHABLE when a record is past the history bound and the peer cannot be asked', async () => {
    const gone = await makeFakePeer()
    f.node.failures.set(gone.peerId.toString(), new ResolveError('ERR_HISTORY_UNREACHABLE', 'the peer could not be asked for its earlier hand-overs'))
    const res = await f.api.app.inject({ url: `/v1/keys/${gone.peerId.toString()}` })
    assertApiError(res, 502, 'ERR_HISTORY_UNREACHABLE')
  })

  test('a node error that is not a KeydirError is a 500 without its message or stack', async () => {
    const broken = await makeFakePeer()
    f.node.failures.set(broken.peerId.toString(), new Error('secret internal detail /home/user/.keydir'))
    const res = await f.api.app.inject({ url: `/v1/keys/${broken.peerId.toString()}` })
    const error = assertApiError(res, 500, 'ERR_INTERNAL')
    assert.doesNotMatch(error.message, /secret/)
    assert.doesNotMatch(res.body, /secret|\.keydir/)
  })

  test('a ResolveError about the PeerId is a 400', async () => {
    const rsa = await makeFakePeer()
    f.node.failures.set(rsa.peerId.toString(), new ResolveError('ERR_UNSUPPORTED_PEER_ID', 'only Ed25519 PeerIds have key records'))
    assertApiError(await f.api.app.inject({ url: `/v1/keys/${rsa.peerId.toString()}` }), 400, 'ERR_UNSUPPORTED_PEER_ID')
  })

  describe('malformed PeerIds are 400 ERR_BAD_PEER_ID', () => {
    const bad = [
      'abc',
      'not-a-peer-id',
      '12D3KooWInvalid0000000000000000000000000000000000000',
      'QmXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX',
      '%00',
      '%E2%80%8B',
      'Z'.repeat(200),
      '12D3KooW%2F..%2F..',
      'bafyfake',
      '%ZZ',
      'a/b',
      ''
    ]
    for (const id of bad) {
      test(JSON.stringify(id.slice(0, 40)), async () => {
        const res = await f.api.app.inject({ url: `/v1/keys/${id}` })
        assertApiError(res, 400, 'ERR_BAD_PEER_ID')
      })
    }
    test('a PeerId that is valid except for one changed character', async () => {
      const id = known.peerId.toString()
      const changed = id.slice(0, -1) + (id.endsWith('a') ? 'b' : 'a')
      const res = await f.api.app.inject({ url: `/v1/keys/${changed}` })
      assert.ok([400, 404].includes(res.statusCode), res.body)
      assertApiError(res, res.statusCode, res.statusCode === 400 ? 'ERR_BAD_PEER_ID' : 'ERR_NOT_FOUND')
    })
  })

  describe('bad query strings are 400', () => {
    test('an unknown parameter', async () => {
      const error = assertApiError(await f.api.app.inject({ url: `/v1/keys/${known.peerId.toString()}?refesh=true` }), 400, 'ERR_UNKNOWN_PARAM')
      assert.match(error.message, /refesh/)
    })
    test('a bad boolean', async () => {
      assertApiError(await f.api.app.inject({ url: `/v1/keys/${known.peerId.toString()}?refresh=yes` }), 400, 'ERR_BAD_PARAM')
    })
    test('a repeated parameter', async () => {
      assertApiError(await f.api.app.inject({ url: `/v1/keys/${known.peerId.toString()}?refresh=true&refresh=false` }), 400, 'ERR_BAD_PARAM')
    })
    test('a huge query string', async () => {
      assertApiError(await f.api.app.inject({ url: `/v1/keys/${known.peerId.toString()}?refresh=${'x'.repeat(10_000)}` }), 400, 'ERR_QUERY_TOO_LONG')
    })
    test('odd query strings', async () => {
      for (const q of ['refresh', 'refresh=', '=true', '&&&', 'refresh[]=true', '__proto__=x', 'constructor[prototype]=1', '%ff=1']) {
        const res = await f.api.app.inject({ url: `/v1/keys/${known.peerId.toString()}?${q}` })
        assert.equal(res.statusCode === 200 || res.statusCode === 400, true, `${q}: ${res.statusCode} ${res.body}`)
        if (res.statusCode === 400) assertApiError(res, 400, JSON.parse(res.body).error.code)
      }
    })
    test('an empty query string is fine', async () => {
      assert.equal((await f.api.app.inject({ url: `/v1/keys/${known.peerId.toString()}?` })).statusCode, 200)
    })
  })
})
