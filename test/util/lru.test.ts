import assert from 'node:assert/strict'
import v8 from 'node:v8'
import { runInNewContext } from 'node:vm'
import { describe, it } from 'node:test'
import { LRUCache } from 'lru-cache'
import { lazyLru } from '../../src/util/lru.js'

v8.setFlagsFromString('--expose-gc')
const gc = runInNewContext('gc') as () => void

/** Bytes of V8 heap each of `count` new caches holds, on average, between two full GCs. */
function retainedBy (make: () => unknown, count: number): number {
  gc()
  const before = v8.getHeapStatistics().used_heap_size
  const kept = Array.from({ length: count }, make)
  gc()
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
    // One of each first, so that neither measure holds the code lru-cache compiles on first use.
    retainedBy(() => lazyLru<string, number>(10_000), 1)
    retainedBy(() => new LRUCache<string, number>({ max: 10_000 }), 1)
    const lazy = retainedBy(() => lazyLru<string, number>(10_000), 50)
    const preallocated = retainedBy(() => new LRUCache<string, number>({ max: 10_000 }), 50)
    assert.ok(preallocated > 100_000, `a preallocated cache of 10,000 took ${preallocated} bytes`)
    assert.ok(lazy * 10 < preallocated, `empty lazy cache ${lazy} bytes, preallocated ${preallocated}`)
  })
})
