import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { KeyedLock } from '../../src/util/keyed-lock.js'

describe('KeyedLock', () => {
  it('runs the work of one key one at a time, in order', async () => {
    const lock = new KeyedLock()
    const order: string[] = []
    const first = Promise.withResolvers<void>()
    const a = lock.run('k', async () => { order.push('a start'); await first.promise; order.push('a end') })
    const b = lock.run('k', async () => { order.push('b') })
    await new Promise(resolve => setImmediate(resolve))
    assert.deepEqual(order, ['a start'])
    first.resolve()
    await Promise.all([a, b])
    assert.deepEqual(order, ['a start', 'a end', 'b'])
    assert.equal(lock.isIdle('k'), true)
  })

  it('a signal ends a wait without running the work; the next in line still waits for the running one', async () => {
    const lock = new KeyedLock()
    const order: string[] = []
    const first = Promise.withResolvers<void>()
    const running = lock.run('k', async () => { await first.promise; order.push('first') })
    const controller = new AbortController()
    const gaveUp = lock.run('k', async () => { order.push('never') }, { signal: controller.signal })
    const next = lock.run('k', async () => { order.push('next') })
    controller.abort(new Error('gave up'))
    await assert.rejects(gaveUp, /gave up/)
    await new Promise(resolve => setImmediate(resolve))
    assert.deepEqual(order, [], 'the next waits for the running work, not for the one that gave up')
    first.resolve()
    await Promise.all([running, next])
    assert.deepEqual(order, ['first', 'next'])
    assert.equal(lock.isIdle('k'), true)
    await assert.rejects(lock.run('k', async () => 1, { signal: AbortSignal.abort(new Error('already')) }), /already/)
    assert.equal(lock.isIdle('k'), true)
  })
})
