import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { countOption, msOption } from '../../src/util/options.js'

const badOption = (name: string) => (err: any): boolean => err.code === 'ERR_BAD_OPTION' && err.message.startsWith(`${name} must be`)

describe('countOption', () => {
  it('takes the fallback when not given and a whole number from the least up', () => {
    assert.equal(countOption('cacheSize', undefined, 10_000), 10_000)
    assert.equal(countOption('cacheSize', 1, 10_000), 1)
    assert.equal(countOption('graceMs', 0, 150, 0), 0)
  })

  it('refuses what is below the least, fractional, not finite or not a number, naming the option', () => {
    for (const value of [0, -1, 2.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53, '5' as unknown as number]) {
      assert.throws(() => countOption('cacheSize', value, 10_000), badOption('cacheSize'), String(value))
    }
    assert.throws(() => countOption('graceMs', -1, 150, 0), badOption('graceMs'))
  })
})

describe('msOption', () => {
  it('takes the fallback when not given, 0 and more, Infinity included', () => {
    assert.equal(msOption('maxClockSkewMs', undefined, 300_000), 300_000)
    assert.equal(msOption('maxClockSkewMs', 0, 300_000), 0)
    assert.equal(msOption('maxClockSkewMs', 1.5, 300_000), 1.5)
    assert.equal(msOption('maxClockSkewMs', Number.POSITIVE_INFINITY, 300_000), Number.POSITIVE_INFINITY)
  })

  it('refuses NaN, which would turn the bound off, and negative spans', () => {
    for (const value of [Number.NaN, -1, Number.NEGATIVE_INFINITY, null as unknown as number]) {
      assert.throws(() => msOption('maxClockSkewMs', value, 300_000), badOption('maxClockSkewMs'), String(value))
    }
  })
})
