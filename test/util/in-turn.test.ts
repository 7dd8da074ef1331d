import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { takeInTurn } from '../../src/util/in-turn.js'

describe('takeInTurn', () => {
  it('takes the first of each queue, then the second of each, passing over queues that ran out', () => {
    assert.deepEqual(takeInTurn([['a1', 'a2', 'a3'], ['b1'], ['c1', 'c2']], 10), ['a1', 'b1', 'c1', 'a2', 'c2', 'a3'])
  })

  it('stops at the limit, and gives nothing for no queues', () => {
    assert.deepEqual(takeInTurn([[1, 2, 3], [4, 5, 6]], 3), [1, 4, 2])
    assert.deepEqual(takeInTurn([], 5), [])
    assert.deepEqual(takeInTurn([[1]], 0), [])
  })
})
