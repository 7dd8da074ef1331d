import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { MAX_PENDING_PER_PEER, PendingKeyRequests } from '../../src/exchange/index.js'
import { isError } from '../registry/fixture.js'

describe('PendingKeyRequests: the one table of key requests in flight', () => {
  it('bounds reservations and expires them', () => {
    let now = 0
    const pending = new PendingKeyRequests({ timeoutMs: 10, max: 2, now: () => now })
    assert.equal(pending.tryReserve('a'), true)
    assert.equal(pending.tryReserve('a'), false)
    assert.equal(pending.tryReserve('b'), true)
    assert.equal(pending.tryReserve('c'), false)
    now = 10
    assert.equal(pending.tryReserve('c'), true, 'a full table drops expired entries first')
    assert.equal(pending.size, 1)
    assert.equal(pending.removeExpired(), 0)
    now = 20
    assert.equal(pending.removeExpired(), 1)
    pending.clear()
    assert.equal(pending.size, 0)
  })

  it('a request on the wire blocks a reservation for the same peer, and ends without one', () => {
    let now = 0
    const pending = new PendingKeyRequests({ timeoutMs: 10, now: () => now })
    pending.begin('a')
    assert.equal(pending.tryReserve('a'), false, 'a resolve is already asking a')
    assert.equal(pending.tryReserve('b'), true)
    pending.end('a')
    assert.equal(pending.size, 1, 'a left the table when its request ended')
    assert.equal(pending.tryReserve('a'), true)
    now = 5
    pending.begin('a')
    pending.complete('a')
    assert.equal(pending.size, 2, 'a reserved entry stays while its request is on the wire')
    pending.end('a')
    assert.equal(pending.size, 1)
  })

  it(`refuses a request past ${MAX_PENDING_PER_PEER} in flight to one peer, ERR_TOO_MANY_PENDING`, () => {
    const pending = new PendingKeyRequests()
    for (let i = 0; i < MAX_PENDING_PER_PEER; i++) pending.begin('a')
    assert.throws(() => { pending.begin('a') }, isError('ExchangeError', 'ERR_TOO_MANY_PENDING'))
    pending.begin('b')
    pending.end('a')
    pending.begin('a')
  })

  it('an expired entry with a request still on the wire keeps its count until the request ends', () => {
    let now = 0
    const pending = new PendingKeyRequests({ timeoutMs: 10, now: () => now })
    assert.equal(pending.tryReserve('a'), true)
    for (let i = 0; i < MAX_PENDING_PER_PEER; i++) pending.begin('a')
    now = 50
    assert.equal(pending.removeExpired(), 1, 'the reservation expired')
    assert.equal(pending.removeExpired(), 0, 'and is counted once')
    assert.throws(() => { pending.begin('a') }, isError('ExchangeError', 'ERR_TOO_MANY_PENDING'))
    for (let i = 0; i < MAX_PENDING_PER_PEER; i++) pending.end('a')
    assert.equal(pending.size, 0)
  })
})
