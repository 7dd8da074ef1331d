import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { makeIdentity, makeRecord } from '../helpers/records.js'
import { minute, openFixture, second } from './fixture.js'

describe('PeerKeyRegistry: pending key requests', () => {
  it('asks for keys once until the request is answered or expires', async () => {
    const f = await openFixture({ pendingRequestTimeoutMs: 30 * second })
    try {
      const id = await makeIdentity()
      assert.equal(await f.registry.requestKeysIfNeeded(id.peerId), true)
      assert.equal(await f.registry.requestKeysIfNeeded(id.peerId.toString()), false)
      f.clock.advance(29 * second)
      assert.equal(await f.registry.requestKeysIfNeeded(id.peerId), false)
      f.clock.advance(1 * second)
      assert.equal(await f.registry.requestKeysIfNeeded(id.peerId), true, 'an expired request no longer blocks')
      f.registry.completeRequest(id.peerId)
      assert.equal(await f.registry.requestKeysIfNeeded(id.peerId), true, 'a completed request no longer blocks')
    } finally { await f.cleanup() }
  })

  it('does not ask for keys it has, and asks again once they expire', async () => {
    const f = await openFixture()
    try {
      const id = await makeIdentity()
      await f.registry.storePeerKeys(await makeRecord(id, { issuedAt: f.clock.ms, lifetimeMs: minute }), 'dht')
      assert.equal(await f.registry.requestKeysIfNeeded(id.peerId), false)
      f.clock.advance(minute)
      assert.equal(await f.registry.requestKeysIfNeeded(id.peerId), true)
    } finally { await f.cleanup() }
  })

  it('gives one true to concurrent callers', async () => {
    const f = await openFixture()
    try {
      const id = await makeIdentity()
      const answers = await Promise.all(Array.from({ length: 10 }, async () => f.registry.requestKeysIfNeeded(id.peerId)))
      assert.equal(answers.filter(Boolean).length, 1)
    } finally { await f.cleanup() }
  })

  it('says false when the table is full, until requests expire or complete', async () => {
    const f = await openFixture({ maxPendingRequests: 2, pendingRequestTimeoutMs: 10 * second })
    try {
      const [a, b, c] = await Promise.all([makeIdentity(), makeIdentity(), makeIdentity()])
      assert.equal(await f.registry.requestKeysIfNeeded(a.peerId), true)
      f.clock.advance(5 * second)
      assert.equal(await f.registry.requestKeysIfNeeded(b.peerId), true)
      assert.equal(await f.registry.requestKeysIfNeeded(c.peerId), false)
      assert.equal(f.registry.pendingRequestCount(), 2)
      f.registry.completeRequest(b.peerId)
      assert.equal(await f.registry.requestKeysIfNeeded(c.peerId), true)
      f.clock.advance(5 * second)
      assert.equal(await f.registry.requestKeysIfNeeded(b.peerId), true, 'a\'s expired request made room')
    } finally { await f.cleanup() }
  })

  it('cleans up expired requests and counts them', async () => {
    const f = await openFixture({ pendingRequestTimeoutMs: 10 * second })
    try {
      const [a, b, c] = await Promise.all([makeIdentity(), makeIdentity(), makeIdentity()])
      await f.registry.requestKeysIfNeeded(a.peerId)
      await f.registry.requestKeysIfNeeded(b.peerId)
      f.clock.advance(6 * second)
      await f.registry.requestKeysIfNeeded(c.peerId)
      assert.equal(f.registry.cleanupExpiredRequests(), 0)
      f.clock.advance(4 * second)
      assert.equal(f.registry.cleanupExpiredRequests(), 2)
      assert.equal(f.registry.pendingRequestCount(), 1)
      assert.equal(f.registry.cleanupExpiredRequests(), 0)
    } finally { await f.cleanup() }
  })
})
