import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { KeydirError, ResolveError } from '../../src/errors.js'
import { apiFixture, assertApiError, type ApiFixture } from '../helpers-daemon/api.js'
import { makeFakePeer } from '../helpers-daemon/fake-node.js'
import type { KeydirLogger } from '../../src/util/log.js'

/**
 * Issue 23, items 1 and 2: what the network could not do (no DHT peers, a
 * lookup or publish that ran out of time) is an answer with a fitting
 * status, not an error with a stack trace in the node's log.
 */

const token = 'test-token-0123456789abcdefghijklmnop'
const auth = { authorization: `Bearer ${token}` }
const noPeers = (what: string): KeydirError => new KeydirError('ERR_NO_PEERS', `cannot ${what}: this node has no DHT peers and no connections; start it with --bootstrap <anchor entry or multiaddr>`)

describe('API: network outcomes', () => {
  let f: ApiFixture
  const errors: string[] = []
  const logger: KeydirLogger = { debug: () => {}, info: () => {}, warn: () => {}, error: (_fields, message) => { errors.push(message) } }

  before(async () => { f = await apiFixture({ token, logger }) })
  after(async () => { await f.api.close() })

  test('POST /v1/publish on a node with no DHT peers is 503 ERR_NO_PEERS, which says to give it --bootstrap', async () => {
    f.node.publish = async () => { throw noPeers('publish to the DHT') }
    const error = assertApiError(await f.api.app.inject({ method: 'POST', url: '/v1/publish', headers: auth }), 503, 'ERR_NO_PEERS')
    assert.match(error.message, /--bootstrap/)
  })

  test('POST /v1/publish that ran out of time is 504 ERR_PUBLISH_TIMEOUT', async () => {
    f.node.publish = async () => { throw new KeydirError('ERR_PUBLISH_TIMEOUT', 'publishing took longer than 60 s') }
    assertApiError(await f.api.app.inject({ method: 'POST', url: '/v1/publish', headers: auth }), 504, 'ERR_PUBLISH_TIMEOUT')
  })

  test('GET /v1/keys/{peerId} on a node with no DHT peers is 503 ERR_NO_PEERS', async () => {
    const stranger = await makeFakePeer()
    f.node.failures.set(stranger.peerId.toString(), new ResolveError('ERR_NO_PEERS', 'cannot look up it: this node has no DHT peers'))
    assertApiError(await f.api.app.inject({ url: `/v1/keys/${stranger.peerId.toString()}` }), 503, 'ERR_NO_PEERS')
  })

  test('none of them is logged as an error; a fault of the node still is', async () => {
    const slow = await makeFakePeer()
    f.node.failures.set(slow.peerId.toString(), new ResolveError('ERR_RESOLVE_TIMEOUT', 'resolve timed out after 10000 ms'))
    assertApiError(await f.api.app.inject({ url: `/v1/keys/${slow.peerId.toString()}` }), 504, 'ERR_RESOLVE_TIMEOUT')
    assert.deepEqual(errors, [])

    const broken = await makeFakePeer()
    f.node.failures.set(broken.peerId.toString(), new Error('a bug'))
    assertApiError(await f.api.app.inject({ url: `/v1/keys/${broken.peerId.toString()}` }), 500, 'ERR_INTERNAL')
    assert.deepEqual(errors, ['api request failed'])
  })
})
