import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { selectPqCrypto } from '../../src/crypto/index.js'
import { loadIdentity } from '../../src/identity/index.js'
import { createKeyRecord } from '../../src/record/index.js'
import { routingKeyFor } from '../../src/record/index.js'
import { counterValue, startNetwork } from '../helpers/network.js'
import { libp2pOf } from '../../src/node/index.js'

describe('key rotation', () => {
  it('peers that held the old key follow to the new one through the proof', async () => {
    const net = await startNetwork(4)
    try {
      const [, rotating, follower, directFollower] = net.nodes
      const before = await follower.node.resolve(rotating.node.peerId)
      await directFollower.node.resolve(rotating.node.peerId)
      const rotated = await rotating.node.rotate()
      assert.notDeepEqual(rotated.mlDsaPublicKey, before.mlDsaPublicKey)

      const viaDht = await follower.node.resolve(rotating.node.peerId, { refresh: true })
      assert.deepEqual(viaDht.mlDsaPublicKey, rotated.mlDsaPublicKey)
      assert.deepEqual(viaDht.mlKemPublicKey, rotated.mlKemPublicKey)
      const pin = await follower.node.registry.getPin(rotating.node.peerId)
      assert.deepEqual(pin?.mlDsaPublicKey, rotated.mlDsaPublicKey)
      // the rotating node answers direct requests with the new record too
      const own = await rotating.node.resolve(rotating.node.peerId)
      assert.deepEqual(own.mlDsaPublicKey, rotated.mlDsaPublicKey)
    } finally {
      await net.stop()
    }
  })

  it('refuses and reports a key change without a rotation proof', async () => {
    const net = await startNetwork(3, { paths: { direct: false } })
    try {
      const [, victim, watcher] = net.nodes
      const pinned = await watcher.node.resolve(victim.node.peerId)

      // Someone holding the victim's libp2p key (but not its ML-DSA key) signs new PQ keys and puts them in the DHT.
      const crypto = selectPqCrypto()
      const stolen = await loadIdentity(victim.dir.path, { crypto })
      const impostor = crypto.mlDsa65.createSigner(new Uint8Array(32).fill(7))
      const forged = await createKeyRecord({
        privateKey: stolen.privateKey,
        mlDsaSigner: impostor,
        mlKemPublicKey: crypto.mlKem768.createDecapsulator(new Uint8Array(64).fill(8)).publicKey,
        seq: pinned.seq + 1000
      })
      for await (const event of libp2pOf(victim.node).services.dht.put(routingKeyFor(victim.node.peerId), forged.bytes)) { void event }

      const before = await counterValue(watcher.node, 'keydir_verification_failures_total', { reason: 'ERR_KEY_CHANGED' })
      await assert.rejects(watcher.node.resolve(victim.node.peerId, { refresh: true }), (err: any) => err.code === 'ERR_NOT_FOUND')
      assert.equal(await counterValue(watcher.node, 'keydir_verification_failures_total', { reason: 'ERR_KEY_CHANGED' }), before + 1)
      const kept = await watcher.node.resolve(victim.node.peerId)
      assert.deepEqual(kept.mlDsaPublicKey, pinned.mlDsaPublicKey)
    } finally {
      await net.stop()
    }
  })
})
