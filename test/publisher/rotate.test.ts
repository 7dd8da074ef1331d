import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { equals as uint8ArrayEquals } from 'uint8arrays/equals'
import { fingerprint, selectPqCrypto } from '../../src/crypto/index.js'
import { loadIdentity } from '../../src/identity/index.js'
import { createKeyDirectory } from '../../src/node/index.js'
import { KeyRecordValidator } from '../../src/record/index.js'
import { PeerKeyRegistry } from '../../src/registry/index.js'
import { startNetwork, waitUntil } from '../helpers/network.js'
import { makeTempDir } from '../helpers/temp-dir.js'
import type { KeyDirectory } from '../../src/node/index.js'
import type { KeyRecord } from '../../src/record/index.js'

/**
 * The node's own record under concurrent and failing changes
 * (docs/security.md, "Own record and rotation"; issue 18, item 2).
 */

const crypto = selectPqCrypto()

/** A peer that pinned `first` and then saw each of `next` in turn: every step must be taken. */
async function follows (first: KeyRecord, next: KeyRecord[]): Promise<void> {
  await using dir = await makeTempDir('keydir-follower-')
  const peer = new PeerKeyRegistry({ path: dir.path, crypto, validator: new KeyRecordValidator({ crypto }) })
  await peer.open()
  try {
    assert.equal(await peer.storePeerKeys(first.bytes, 'dht'), 'stored')
    for (const record of next) {
      assert.equal(await peer.storePeerKeys(record.bytes, 'dht'), 'stored', `seq ${record.seq} was not taken`)
    }
    const pin = await peer.getPin(first.peerId)
    assert.ok(pin !== undefined && uint8ArrayEquals(pin.fingerprint, fingerprint(next.at(-1)?.mlDsaPublicKey ?? first.mlDsaPublicKey)))
  } finally {
    await peer.close()
  }
}

/** What the node serves, what pq.key holds and what its registry pinned are one key. */
async function assertConsistent (node: KeyDirectory, dataDir: string): Promise<Uint8Array> {
  const onDisk = (await loadIdentity(dataDir, { crypto })).mlDsaSigner.publicKey
  const own = await node.resolve(node.peerId)
  assert.deepEqual(own.mlDsaPublicKey, onDisk, 'the node serves a key that is not the one in pq.key')
  const pin = await node.registry.getPin(node.peerId)
  assert.ok(pin !== undefined, 'no pin of the node itself')
  assert.deepEqual(pin.fingerprint, fingerprint(onDisk), 'the registry pinned a key that is not the one in pq.key')
  assert.ok(pin.highestSeq >= own.seq)
  return onDisk
}

describe('rotate: the own record under concurrent changes', () => {
  it('two rotations at once both succeed in order, and peers, pq.key, the pin and a restart agree', async () => {
    const net = await startNetwork(3)
    try {
      const rotating = net.nodes[1]
      const follower = net.nodes[2]
      const before = await follower.node.resolve(rotating.node.peerId)

      const [a, b] = await Promise.all([rotating.node.rotate(), rotating.node.rotate()])
      const [first, second] = a.seq < b.seq ? [a, b] : [b, a]
      assert.notDeepEqual(first.mlDsaPublicKey, before.mlDsaPublicKey)
      assert.notDeepEqual(second.mlDsaPublicKey, first.mlDsaPublicKey)
      // One after the other: the second is proven by the first's key, not by the key both started from.
      assert.deepEqual(first.rotation?.previousFingerprint, fingerprint(before.mlDsaPublicKey))
      assert.deepEqual(second.rotation?.previousFingerprint, fingerprint(first.mlDsaPublicKey))

      const onDisk = await assertConsistent(rotating.node, rotating.dir.path)
      assert.deepEqual(onDisk, second.mlDsaPublicKey, 'pq.key does not hold the last rotation\'s key')
      await follows(before.record, [first, second])

      // The follower holds the rotating node's keys, so both rotations are pushed to it: it ends on the second.
      await waitUntil(() => follower.node.registry.getCached(rotating.node.peerId)?.record.seq === second.seq, 'the follower was pushed the second rotation')
      await assert.rejects(follower.node.registry.storePeerKeys(first.bytes, 'dht'), (err: any) => err.code === 'ERR_ROLLBACK')
      const seen = await follower.node.resolve(rotating.node.peerId, { refresh: true })
      assert.deepEqual(seen.mlDsaPublicKey, second.mlDsaPublicKey)

      // A restart from the data dir loads the same key, publishes it, and rotates on from it.
      await rotating.node.stop()
      const restarted = await createKeyDirectory({ dataDir: rotating.dir.path, createIdentity: false, discoverOnConnect: false, bootstrap: [net.anchorEntry] })
      net.nodes[1] = { node: restarted, dir: rotating.dir }
      await restarted.start()
      assert.deepEqual(await assertConsistent(restarted, rotating.dir.path), second.mlDsaPublicKey)
      const third = await restarted.rotate()
      assert.deepEqual(third.rotation?.previousFingerprint, fingerprint(second.mlDsaPublicKey))
      const last = await follower.node.resolve(rotating.node.peerId, { refresh: true })
      assert.deepEqual(last.mlDsaPublicKey, third.mlDsaPublicKey)
    } finally {
      await net.stop()
    }
  })

  it('a publish during a rotation signs with the keys pq.key holds, before or after it', async () => {
    const net = await startNetwork(2)
    const { node, dir } = net.nodes[1]
    try {
      const before = await node.resolve(node.peerId)
      const [published, rotated, again] = await Promise.all([node.publish(), node.rotate(), node.publish()])
      const byKey = [published, rotated, again].sort((x, y) => x.seq - y.seq)
      assert.deepEqual(byKey.map(r => r.seq), [...new Set(byKey.map(r => r.seq))], 'two records with one seq')
      const onDisk = await assertConsistent(node, dir.path)
      assert.deepEqual(byKey.at(-1)?.mlDsaPublicKey, onDisk)
      await follows(before.record, byKey)
    } finally {
      await net.stop()
    }
  })

  it('a rotation whose registry write fails leaves the node on the new keys, and the next one chains from them', async () => {
    const net = await startNetwork(2)
    const { node, dir } = net.nodes[1]
    try {
      const before = await node.resolve(node.peerId)
      // The registry refuses the first record with new keys, as a full disk would.
      const store = node.registry.storePeerKeys.bind(node.registry)
      let failed = false
      node.registry.storePeerKeys = async (input, trust, options) => {
        const record = input as KeyRecord
        if (!failed && !uint8ArrayEquals(record.mlDsaPublicKey, before.mlDsaPublicKey)) {
          failed = true
          throw new Error('injected: no space left on device')
        }
        return store(input, trust, options)
      }
      await assert.rejects(node.rotate(), (err: any) => err.code === 'ERR_ROTATION_INCOMPLETE' && /rotated/.test(err.message))
      assert.ok(failed)
      const onDisk = (await loadIdentity(dir.path, { crypto })).mlDsaSigner.publicKey
      assert.notDeepEqual(onDisk, before.mlDsaPublicKey)
      const served = await node.resolve(node.peerId)
      assert.deepEqual(served.mlDsaPublicKey, onDisk, 'the node serves a key that is not the one in pq.key')

      const next = await node.rotate()
      assert.deepEqual(next.rotation?.previousFingerprint, fingerprint(onDisk))
      assert.deepEqual(await assertConsistent(node, dir.path), next.mlDsaPublicKey)
      await follows(before.record, [served.record, next])
    } finally {
      await net.stop()
    }
  })
})
