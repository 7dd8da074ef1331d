import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { createKeyDirectory } from '../../src/node/index.js'
import { counterValue, startNode, waitUntil } from '../helpers/network.js'
import type { TestNode } from '../helpers/network.js'

const sleep = async (ms: number): Promise<void> => { await new Promise(resolve => setTimeout(resolve, ms)) }

/** b, which resolved a over the direct exchange, then was stopped while a rotated; b restarts with `options`. */
async function holderThatMissedARotation (options: { refreshAfterMs: number, maxStaleMs?: number }): Promise<{ a: TestNode, b: TestNode, before: Uint8Array, after: Uint8Array }> {
  const a = await startNode({ paths: { dht: false } })
  const b = await startNode({ paths: { dht: false }, bootstrap: [a.node.getMultiaddrs()[0].toString()] })
  const before = (await b.node.resolve(a.node.peerId)).mlDsaPublicKey
  await b.node.stop()
  const after = (await a.node.rotate()).mlDsaPublicKey
  b.node = await createKeyDirectory({ dataDir: b.dir.path, paths: { dht: false }, discoverOnConnect: false, bootstrap: [a.node.getMultiaddrs()[0].toString()], ...options })
  await b.node.start()
  return { a, b, before, after }
}

async function stopAll (...nodes: TestNode[]): Promise<void> {
  for (const n of nodes) { await n.node.stop(); await n.dir.remove() }
}

describe('resolve: a registry entry is re-checked after refreshAfterMs, and served stale only when the network is gone', () => {
  it('within refreshAfterMs: the registry answers, and nothing is asked', async () => {
    const { a, b, before } = await holderThatMissedARotation({ refreshAfterMs: 60 * 60_000 })
    try {
      const keys = await b.node.resolve(a.node.peerId)
      assert.equal(keys.source, 'registry')
      assert.deepEqual(keys.mlDsaPublicKey, before, 'the old key, as the entry is still fresh')
      assert.equal(keys.stale, false)
      assert.equal(await counterValue(b.node, 'keydir_registry_refreshes_total'), 0)
    } finally { await stopAll(a, b) }
  })

  it('past refreshAfterMs: the cached keys at once, and the rotated ones after a background re-check', async () => {
    const { a, b, before, after } = await holderThatMissedARotation({ refreshAfterMs: 50 })
    try {
      await sleep(60)
      const first = await b.node.resolve(a.node.peerId)
      assert.equal(first.source, 'registry')
      assert.deepEqual(first.mlDsaPublicKey, before)
      assert.equal(await counterValue(b.node, 'keydir_registry_refreshes_total', { result: 'background' }), 1)
      await waitUntil(async () => (await b.node.registry.get(a.node.peerId))?.record.mlDsaPublicKey.every((byte, i) => byte === after[i]) === true,
        'the background re-check stored a\'s rotated key')
      const second = await b.node.resolve(a.node.peerId)
      assert.deepEqual(second.mlDsaPublicKey, after)
      assert.equal(second.stale, false)
    } finally { await stopAll(a, b) }
  })

  it('past maxStaleMs: re-checked before answering, so the rotated key comes back at once', async () => {
    const { a, b, after } = await holderThatMissedARotation({ refreshAfterMs: 0, maxStaleMs: 0 })
    try {
      const keys = await b.node.resolve(a.node.peerId)
      assert.deepEqual(keys.mlDsaPublicKey, after)
      assert.equal(keys.source, 'direct')
      assert.equal(keys.stale, false)
      assert.equal(await counterValue(b.node, 'keydir_registry_refreshes_total', { result: 'refreshed' }), 1)
    } finally { await stopAll(a, b) }
  })

  it('past maxStaleMs with the peer unreachable: the registry\'s keys, marked stale', async () => {
    const { a, b, before } = await holderThatMissedARotation({ refreshAfterMs: 0, maxStaleMs: 0 })
    try {
      await a.node.stop()
      const keys = await b.node.resolve(a.node.peerId)
      assert.deepEqual(keys.mlDsaPublicKey, before)
      assert.equal(keys.source, 'registry')
      assert.equal(keys.stale, true)
      assert.equal(await counterValue(b.node, 'keydir_registry_refreshes_total', { result: 'stale' }), 1)
    } finally { await stopAll(a, b) }
  })

  it('a re-check that finds the same record moves checkedAt, so the next resolve is fresh again', async () => {
    const a = await startNode({ paths: { dht: false } })
    const b = await startNode({ paths: { dht: false }, bootstrap: [a.node.getMultiaddrs()[0].toString()], refreshAfterMs: 200, maxStaleMs: 200 })
    try {
      await b.node.resolve(a.node.peerId)
      const stored = b.node.registry.checkedAt(a.node.peerId)!
      await sleep(250)
      const keys = await b.node.resolve(a.node.peerId)
      assert.equal(keys.source, 'direct', 'past maxStaleMs: asked before answering')
      assert.ok(b.node.registry.checkedAt(a.node.peerId)! > stored, 'checkedAt moved although the record did not change')
      assert.equal((await b.node.resolve(a.node.peerId)).source, 'registry')
    } finally { await stopAll(a, b) }
  })
})
