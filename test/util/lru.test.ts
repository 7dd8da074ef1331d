import assert from 'node:assert/strict'
import v8 from 'node:v8'
import { describe, it } from 'node:test'
import { LRUCache } from 'lru-cache'
import { lazyLru } from '../../src/util/lru.js'

/** Bytes of V8 heap each of `count` new caches takes, on average (a GC in between only lowers it). */
function retainedBy (make: () => unknown, count: number): number {
  const before = v8.getHeapStatistics().used_heap_size
  const kept = Array.from({ length: count }, make)
  const after = v8.getHeapStatistics().used_heap_size
  assert.equal(kept.length, count)
  return (after - before) / count
}

describe('lazyLru', () => {
  it('keeps at most max entries and forgets the least recently used first', () => {
    const cache = lazyLru<string, number>(3)
    cache.set('a', 1)
    cache.set('b', 2)
    cache.set('c', 3)
    assert.equal(cache.get('a'), 1) // now b is the least recently used
    cache.set('d', 4)
    assert.equal(cache.size, 3)
    assert.equal(cache.has('b'), false)
    assert.deepEqual([...cache.keys()].sort(), ['a', 'c', 'd'])
    cache.set('a', 5) // replacing an entry does not grow the cache
    assert.equal(cache.size, 3)
    assert.equal(cache.get('a'), 5)
  })

  it('holds far less than a preallocated cache of the same bound while empty', () => {
    const lazy = retainedBy(() => lazyLru<string, number>(10_000), 20)
    const preallocated = retainedBy(() => new LRUCache<string, number>({ max: 10_000 }), 20)
    assert.ok(lazy * 10 < preallocated, `empty lazy cache ${lazy} bytes, preallocated ${preallocated}`)
  })
})
