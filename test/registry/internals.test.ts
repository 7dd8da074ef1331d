import assert from 'node:assert/strict'
import { setTimeout as sleep } from 'node:timers/promises'
import { describe, it } from 'node:test'
import { KeyedLock } from '../../src/util/keyed-lock.js'
import { isTrustLevel, strongerTrust, TRUST_LEVELS } from '../../src/registry/index.js'

describe('registry internals', () => {
  it('KeyedLock runs one task at a time per key, in call order, and survives a failing task', async () => {
    const lock = new KeyedLock()
    const log: string[] = []
    const task = (name: string, ms: number, fail = false) => async () => {
      log.push(`start ${name}`)
      await sleep(ms)
      log.push(`end ${name}`)
      if (fail) throw new Error(name)
      return name
    }
    const results = await Promise.allSettled([
      lock.run('a', task('a1', 5, true)),
      lock.run('a', task('a2', 1)),
      lock.run('b', task('b1', 1))
    ])
    assert.deepEqual(results.map(r => r.status), ['rejected', 'fulfilled', 'fulfilled'])
    assert.ok(log.indexOf('end a1') < log.indexOf('start a2'))
    assert.ok(log.indexOf('start b1') < log.indexOf('end a1'), 'other keys run concurrently')
    await lock.idle()
  })

  it('KeyedLock.idle waits for queued work', async () => {
    const lock = new KeyedLock()
    let done = false
    void lock.run('k', async () => { await sleep(2); done = true })
    await lock.idle()
    assert.equal(done, true)
  })

  it('orders trust levels', () => {
    assert.deepEqual(TRUST_LEVELS, ['self', 'anchor', 'direct', 'dht'])
    assert.equal(strongerTrust('dht', 'direct'), 'direct')
    assert.equal(strongerTrust('anchor', 'direct'), 'anchor')
    assert.equal(strongerTrust('self', 'anchor'), 'self')
    assert.equal(isTrustLevel('dht'), true)
    assert.equal(isTrustLevel('constructor'), false)
    assert.equal(isTrustLevel(1), false)
  })
})
