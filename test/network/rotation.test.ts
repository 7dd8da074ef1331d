import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { selectPqCrypto } from '../../src/crypto/index.js'
import { PUSH_PROTOCOL } from '../../src/exchange/index.js'
import { loadIdentity } from '../../src/identity/index.js'
import { createKeyRecord } from '../../src/record/index.js'
import { routingKeyFor } from '../../src/record/index.js'
import { counterValue, startNetwork, waitUntil } from '../helpers/network.js'
import { libp2pOf } from '../../src/node/index.js'
import type { KeydirLogger } from '../../src/util/log.js'

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

  it('a resolve that follows a rotation proof says so, from which seq to which, and so does the log', async () => {
    const net = await startNetwork(2, { paths: { direct: false } })
    const lines: Array<{ level: string, fields: Record<string, unknown>, message: string }> = []
    const at = (level: string) => (fields: Record<string, unknown>, message: string): void => { lines.push({ level, fields, message }) }
    const logger: KeydirLogger = { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') }
    try {
      const rotating = net.nodes[1]
      const follower = await net.add({ paths: { direct: false }, logger })
      const before = await follower.node.resolve(rotating.node.peerId)
      assert.equal(before.rotated, undefined)
      // The follower takes no push of the new record: its own lookup follows the proof.
      await libp2pOf(follower.node).unhandle(PUSH_PROTOCOL)
      const rotated = await rotating.node.rotate()

      const after = await follower.node.resolve(rotating.node.peerId, { refresh: true })
      assert.deepEqual(after.mlDsaPublicKey, rotated.mlDsaPublicKey)
      assert.deepEqual(after.rotated, { fromSeq: before.seq, toSeq: rotated.seq, handOvers: 1 })
      await waitUntil(() => lines.some(l => l.message.startsWith('followed a rotation')), 'the follower logged the rotation it followed')
      const line = lines.find(l => l.message.startsWith('followed a rotation'))!
      assert.equal(line.level, 'info')
      assert.equal(line.message, `followed a rotation of the peer's keys: seq ${before.seq} -> ${rotated.seq}, its rotation proof from the pinned ML-DSA-65 key verified`)
      assert.equal(line.fields.peerId, rotating.node.peerId.toString())

      // Said once, by the lookup that followed it.
      const again = await follower.node.resolve(rotating.node.peerId, { refresh: true })
      assert.equal(again.rotated, undefined)
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
