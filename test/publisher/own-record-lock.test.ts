import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { OwnRecordLock } from '../../src/publisher/own-record-lock.js'

/** A promise the test settles with `release()`. */
function gate (): { promise: Promise<void>, release: () => void } {
  const { promise, resolve } = Promise.withResolvers<void>()
  return { promise, release: () => { resolve() } }
}

describe('OwnRecordLock', () => {
  it('runs tasks one at a time, in the order called', async () => {
    const lock = new OwnRecordLock()
    const log: string[] = []
    const first = gate()
    const a = lock.run(async () => { log.push('a start'); await first.promise; log.push('a end'); return 'a' })
    const b = lock.run(async () => { log.push('b start'); log.push('b end'); return 'b' })
    const c = lock.run(async () => { log.push('c start'); throw new Error('c failed') })
    const d = lock.run(async () => { log.push('d start'); return 'd' })
    await Promise.resolve()
    first.release()
    assert.deepEqual(await Promise.allSettled([a, b, c, d]).then(r => r.map(x => x.status)), ['fulfilled', 'fulfilled', 'rejected', 'fulfilled'])
    assert.deepEqual(log, ['a start', 'a end', 'b start', 'b end', 'c start', 'd start'])
  })

  it('a caller whose signal aborts while waiting never runs, and does not hold up the next', async () => {
    const lock = new OwnRecordLock()
    const log: string[] = []
    const first = gate()
    const a = lock.run(async () => { await first.promise; log.push('a') })
    const controller = new AbortController()
    const b = lock.run(async () => { log.push('b') }, { signal: controller.signal })
    const c = lock.run(async () => { log.push('c') })
    controller.abort(new Error('gone'))
    await assert.rejects(b, /gone/)
    assert.deepEqual(log, [], 'c ran before a ended')
    first.release()
    await Promise.all([a, c])
    assert.deepEqual(log, ['a', 'c'])
  })

  it('a background task gives way to a foreground one: running ones are signalled, waiting ones are skipped', async () => {
    const lock = new OwnRecordLock()
    const log: string[] = []
    let runningSignal: AbortSignal | undefined
    const started = gate()
    const running = lock.run(async ({ yieldSignal }) => {
      runningSignal = yieldSignal
      log.push('background start')
      started.release()
      await new Promise((resolve) => { yieldSignal.addEventListener('abort', resolve) })
      log.push('background gave way')
    }, { background: true })
    const waiting = lock.run(async () => { log.push('waiting background ran') }, { background: true })
    await started.promise
    assert.equal(runningSignal?.aborted, false)
    const foreground = lock.run(async ({ yieldSignal }) => {
      log.push('foreground')
      assert.equal(yieldSignal.aborted, false)
    })
    await running
    await assert.rejects(waiting, (err: any) => err.code === 'ERR_SUPERSEDED')
    await foreground
    assert.deepEqual(log, ['background start', 'background gave way', 'foreground'])
  })

  it('idle() settles once no task runs or waits', async () => {
    const lock = new OwnRecordLock()
    const first = gate()
    let done = 0
    void lock.run(async () => { await first.promise; done++ })
    void lock.run(async () => { done++ })
    const idle = lock.idle().then(() => done)
    first.release()
    assert.equal(await idle, 2)
    await lock.idle()
  })
})
