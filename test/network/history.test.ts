import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { fingerprint, selectPqCrypto } from '../../src/crypto/index.js'
import { loadIdentity } from '../../src/identity/index.js'
import { createKeyDirectory, libp2pOf } from '../../src/node/index.js'
import { createKeyRecord, createRotationProof, routingKeyFor } from '../../src/record/index.js'
import { assertCounted, assertHolds, hasCode, refusals } from '../helpers/attacks.js'
import { startNetwork } from '../helpers/network.js'
import type { KeyDirectory } from '../../src/node/index.js'

/**
 * History that can be followed (issue 20, item 2), over real TCP: a node
 * pinned at a peer's first key, stopped while the peer rotates three times,
 * follows the peer's record from the DHT to the third key after a restart;
 * after five rotations it fetches the hand-overs the record no longer
 * carries from the peer, and fails clearly when the peer is gone; a fork
 * made with a superseded key is refused and counted.
 */

describe('history over the network', () => {
  it('a node pinned at K0, stopped while its peer rotated three times, restarts and resolves K3 from the DHT', async () => {
    const net = await startNetwork(4)
    try {
      const [, rotating, follower] = net.nodes
      const k0 = await follower.node.resolve(rotating.node.peerId)
      assert.deepEqual((await follower.node.registry.getPin(rotating.node.peerId))?.fingerprint, fingerprint(k0.mlDsaPublicKey))

      await follower.node.stop()
      const rotated = []
      for (let i = 0; i < 3; i++) rotated.push(await rotating.node.rotate())
      const k3 = rotated[2]
      assert.equal(k3.history?.length, 2)

      const restarted = await createKeyDirectory({ dataDir: follower.dir.path, createIdentity: false, discoverOnConnect: false, bootstrap: [net.anchorEntry] })
      net.nodes[2] = { node: restarted, dir: follower.dir }
      await restarted.start()
      // Still the pinned record from the registry until asked to refresh.
      assert.deepEqual((await restarted.resolve(rotating.node.peerId)).mlDsaPublicKey, k0.mlDsaPublicKey)
      const keys = await restarted.resolve(rotating.node.peerId, { refresh: true })
      assert.equal(keys.source, 'dht')
      assert.deepEqual(keys.mlDsaPublicKey, k3.mlDsaPublicKey)
      assert.deepEqual(keys.mlKemPublicKey, k3.mlKemPublicKey)
      const pin = await restarted.registry.getPin(rotating.node.peerId)
      assert.deepEqual(pin?.fingerprint, fingerprint(k3.mlDsaPublicKey))
      assert.deepEqual(pin?.superseded, [rotated[1], rotated[0], k0].map(r => fingerprint(r.mlDsaPublicKey)))
      assert.deepEqual((await restarted.resolve(rotating.node.peerId)).mlDsaPublicKey, k3.mlDsaPublicKey)
    } finally {
      await net.stop()
    }
  })

  it('past the bound: pinned at K0 while its peer rotated five times, a node follows to K5 through history fetched from the peer; with the peer gone, ERR_HISTORY_UNREACHABLE', async () => {
    const net = await startNetwork(5)
    try {
      const [, rotating, follower, late] = net.nodes
      const k0 = await follower.node.resolve(rotating.node.peerId)
      assert.deepEqual((await late.node.resolve(rotating.node.peerId)).mlDsaPublicKey, k0.mlDsaPublicKey)
      await follower.node.stop()
      await late.node.stop()
      const rotated = []
      for (let i = 0; i < 5; i++) rotated.push(await rotating.node.rotate())
      const k5 = rotated[4]
      // K5's record reaches back to K2 only: a holder at K0 needs the hand-overs K0 -> K1 -> K2 from the peer.
      assert.equal(k5.history?.length, 2)

      const restart = async (index: number): Promise<KeyDirectory> => {
        const restarted = await createKeyDirectory({ dataDir: net.nodes[index].dir.path, createIdentity: false, discoverOnConnect: false, bootstrap: [net.anchorEntry] })
        net.nodes[index] = { node: restarted, dir: net.nodes[index].dir }
        await restarted.start()
        return restarted
      }
      const followed = await restart(2)
      const keys = await followed.resolve(rotating.node.peerId, { refresh: true })
      assert.deepEqual(keys.mlDsaPublicKey, k5.mlDsaPublicKey)
      assert.deepEqual(keys.mlKemPublicKey, k5.mlKemPublicKey)
      const pin = await followed.registry.getPin(rotating.node.peerId)
      assert.deepEqual(pin?.fingerprint, fingerprint(k5.mlDsaPublicKey))
      assert.deepEqual(pin?.superseded, [...rotated.slice(0, 4).reverse(), k0].map(r => fingerprint(r.mlDsaPublicKey)))
      assert.equal(await refusals(followed, 'history', 'ERR_BAD_HISTORY_SIGNATURE'), 0)
      assert.deepEqual((await followed.resolve(rotating.node.peerId)).mlDsaPublicKey, k5.mlDsaPublicKey)

      // The peer goes away; its K5 record stays in the DHT, but the hand-overs before K2 went with it.
      await rotating.node.stop()
      const stranded = await restart(3)
      const held = (await stranded.registry.get(rotating.node.peerId))!.record
      await assertCounted(stranded, 'resolve', 'ERR_HISTORY_UNREACHABLE', async () => {
        await assert.rejects(stranded.resolve(rotating.node.peerId, { refresh: true }), hasCode('ERR_HISTORY_UNREACHABLE', 'ResolveError'))
      })
      await assertHolds(stranded, rotating.node.peerId, held.bytes)
      assert.deepEqual((await stranded.registry.getPin(rotating.node.peerId))?.fingerprint, fingerprint(k0.mlDsaPublicKey))
    } finally {
      await net.stop()
    }
  })

  it('a fork made with a superseded key and the stolen libp2p key is refused and counted: ERR_FORKED_CHAIN', async () => {
    const net = await startNetwork(3, { paths: { direct: false } })
    try {
      const [, victim, watcher] = net.nodes
      const crypto = selectPqCrypto()
      // The thief copies the data dir before the rotation: K0's seed and the libp2p key.
      const stolen = await loadIdentity(victim.dir.path, { crypto })
      await watcher.node.resolve(victim.node.peerId)
      const k1 = await victim.node.rotate()
      assert.deepEqual((await watcher.node.resolve(victim.node.peerId, { refresh: true })).mlDsaPublicKey, k1.mlDsaPublicKey)
      const held = (await watcher.node.registry.get(victim.node.peerId))!.record

      // K0 hands the peer over a second time, to the thief's key.
      const thief = crypto.mlDsa65.createSigner(new Uint8Array(32).fill(9))
      const forked = await createKeyRecord({
        privateKey: stolen.privateKey,
        mlDsaSigner: thief,
        mlKemPublicKey: crypto.mlKem768.createDecapsulator(new Uint8Array(64).fill(10)).publicKey,
        seq: k1.seq + 1000,
        rotation: createRotationProof(victim.node.peerId, stolen.mlDsaSigner, thief.publicKey)
      })
      for await (const event of libp2pOf(victim.node).services.dht.put(routingKeyFor(victim.node.peerId), forked.bytes)) { void event }

      await assertCounted(watcher.node, 'resolve', 'ERR_FORKED_CHAIN', async () => {
        await assert.rejects(watcher.node.resolve(victim.node.peerId, { refresh: true }), hasCode('ERR_NOT_FOUND'))
      }, 1)
      await assertHolds(watcher.node, victim.node.peerId, held.bytes)
      assert.deepEqual((await watcher.node.registry.getPin(victim.node.peerId))?.fingerprint, fingerprint(k1.mlDsaPublicKey))
    } finally {
      await net.stop()
    }
  })
})
