import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { makeIdentity, makeRecord } from '../helpers/records.js'
import { openFixture } from '../registry/fixture.js'

describe('NonceBook over the registry', () => {
  it('accepts only strictly increasing inbound nonces per peer', async () => {
    const f = await openFixture()
    try {
      const [a, b] = await Promise.all([makeIdentity(), makeIdentity()])
      assert.equal(await f.nonceBook().acceptInbound(a.peerId, 5n), true)
      assert.equal(await f.nonceBook().acceptInbound(a.peerId, 5n), false, 'a replay')
      assert.equal(await f.nonceBook().acceptInbound(a.peerId, 4n), false)
      assert.equal(await f.nonceBook().acceptInbound(a.peerId, 6n), true)
      assert.equal(await f.nonceBook().acceptInbound(b.peerId, 1n), true, 'peers are independent')
    } finally { await f.cleanup() }
  })

  it('keeps inbound nonces across a restart and after the record is removed', async () => {
    const f = await openFixture()
    try {
      const id = await makeIdentity()
      // A peer the registry holds (its record, then its pin): requesters it does not hold are kept in memory only (unsolicited.test.ts).
      await f.registry.storePeerKeys(await makeRecord(id), 'dht')
      assert.equal(await f.nonceBook().acceptInbound(id.peerId, 100n), true)
      await f.registry.removePeerKeys(id.peerId)
      await f.reopen()
      assert.equal(await f.nonceBook().acceptInbound(id.peerId, 100n), false)
      assert.equal(await f.nonceBook().acceptInbound(id.peerId.toString(), 101n), true)
    } finally { await f.cleanup() }
  })

  it('refuses nonces outside uint64', async () => {
    const f = await openFixture()
    try {
      const id = await makeIdentity()
      assert.equal(await f.nonceBook().acceptInbound(id.peerId, -1n), false)
      assert.equal(await f.nonceBook().acceptInbound(id.peerId, 1n << 64n), false)
      assert.equal(await f.nonceBook().acceptInbound(id.peerId, (1n << 64n) - 1n), true)
      assert.equal(await f.nonceBook().acceptInbound(id.peerId, 1n), false)
    } finally { await f.cleanup() }
  })

  it('gives one winner to concurrent equal nonces', async () => {
    const f = await openFixture()
    try {
      const id = await makeIdentity()
      const answers = await Promise.all(Array.from({ length: 8 }, async () => f.nonceBook().acceptInbound(id.peerId, 7n)))
      assert.equal(answers.filter(Boolean).length, 1)
    } finally { await f.cleanup() }
  })

  it('hands out strictly increasing outbound nonces, across restarts and a clock going back', async () => {
    const f = await openFixture()
    try {
      const seen: bigint[] = []
      seen.push(...await Promise.all(Array.from({ length: 20 }, async () => f.nonceBook().nextOutbound())))
      seen.sort((x, y) => (x < y ? -1 : x > y ? 1 : 0))
      assert.equal(new Set(seen).size, 20, 'concurrent callers get distinct nonces')
      assert.ok(seen[0] >= BigInt(f.clock.ms) * 1000n)

      f.clock.advance(-60_000)
      await f.reopen()
      const afterRestart = await f.nonceBook().nextOutbound()
      assert.ok(afterRestart > seen[seen.length - 1])

      f.clock.advance(3_600_000)
      await f.reopen()
      const later = await f.nonceBook().nextOutbound()
      assert.ok(later > afterRestart)
      assert.equal(later, BigInt(f.clock.ms) * 1000n, 'a restart jumps to the clock when it is ahead')
    } finally { await f.cleanup() }
  })
})
