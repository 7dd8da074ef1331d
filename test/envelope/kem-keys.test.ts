import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { kemSeedFor } from '../../src/envelope/index.js'
import type { EnvelopeKemKeys } from '../../src/envelope/index.js'

const hour = 60 * 60_000
const grace = 24 * hour
const now = 1_800_000_000_000
const seed = (n: number): Uint8Array => new Uint8Array(32).fill(n)
const envelopeError = (code: string) => (err: any) => err.name === 'EnvelopeError' && err.code === code

// Keys 1 (records up to seq 10, retired 30 h ago), 2 (up to 20, retired 2 h ago), current 3 (records 21 on).
const keys: EnvelopeKemKeys = {
  current: { kemSeed: seed(3) },
  retired: [
    { kemSeed: seed(2), lastSeq: 20, retiredAt: now - 2 * hour },
    { kemSeed: seed(1), lastSeq: 10, retiredAt: now - 30 * hour }
  ]
}

describe('envelope KEM keys: which seed opens a seq', () => {
  it('takes the current seed for the records since the last rotation', () => {
    assert.deepEqual(kemSeedFor(21, keys, 25, now, grace), seed(3))
    assert.deepEqual(kemSeedFor(25, keys, 25, now, grace), seed(3))
  })

  it('takes a retired seed for the records it signed, within the grace time', () => {
    assert.deepEqual(kemSeedFor(20, keys, 25, now, grace), seed(2))
    assert.deepEqual(kemSeedFor(11, keys, 25, now, grace), seed(2))
  })

  it('refuses a seed retired longer ago than the grace time', () => {
    assert.throws(() => kemSeedFor(10, keys, 25, now, grace), envelopeError('ERR_ENVELOPE_KEY_RETIRED'))
    assert.throws(() => kemSeedFor(1, keys, 25, now, grace), envelopeError('ERR_ENVELOPE_KEY_RETIRED'))
    // A longer grace time keeps it.
    assert.deepEqual(kemSeedFor(10, keys, 25, now, 31 * hour), seed(1))
  })

  it('refuses a seq whose key\'s seed was erased, whatever the clock says', () => {
    const erased: EnvelopeKemKeys = { current: keys.current, retired: [{ kemSeed: new Uint8Array(0), lastSeq: 20, retiredAt: now }] }
    assert.throws(() => kemSeedFor(15, erased, 25, now, grace), envelopeError('ERR_ENVELOPE_KEY_RETIRED'))
  })

  it('refuses a seq above the newest record', () => {
    assert.throws(() => kemSeedFor(26, keys, 25, now, grace), envelopeError('ERR_ENVELOPE_KEY_UNKNOWN'))
  })

  it('says so when the node has no X-Wing key', () => {
    assert.throws(() => kemSeedFor(5, { current: undefined, retired: [] }, 5, now, grace), envelopeError('ERR_ENVELOPE_NO_HYBRID_KEY'))
  })
})
