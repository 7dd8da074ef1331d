import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import { equals as uint8ArrayEquals } from 'uint8arrays/equals'
import { fingerprint, selectPqCrypto } from '../../src/crypto/index.js'
import { createKeyRequest, createKeyResponse } from '../../src/exchange/index.js'
import { loadIdentity } from '../../src/identity/index.js'
import { createKeyRecord, createRotationProof, routingKeyFor } from '../../src/record/index.js'
import { assertCounted, assertHolds, hasCode } from '../helpers/attacks.js'
import { sendKeyRequest } from '../helpers/exchange.js'
import { startHostileNode } from '../helpers/hostile-node.js'
import { startNetwork, startNode } from '../helpers/network.js'
import { makeRecord, rotateIdentity } from '../helpers/records.js'
import { libp2pOf } from '../../src/node/index.js'
import type { KeyRecord, RotationProof } from '../../src/record/index.js'
import type { HostileNode } from '../helpers/hostile-node.js'
import type { TestNode } from '../helpers/network.js'
import type { TestIdentity } from '../helpers/records.js'

/**
 * Attack catalogue, key changes (docs/security.md, "Pins and rotation"). A
 * watcher has pinned a peer's ML-DSA-65 key; the peer (or someone holding
 * its libp2p key) then presents other keys: without a rotation proof, with
 * a proof signed by another key, with a genuine proof made for another new
 * key. Each is refused ERR_KEY_CHANGED, counted, and the watcher keeps the
 * pinned record. A genuine proof is accepted, so the proof is what decides.
 * The DHT path of "no proof" is test/network/rotation.test.ts.
 */

/** A proof signed by `signer` but claiming to come from the key with fingerprint `claimed`. */
function forgedProof (peer: TestIdentity, signer: TestIdentity, newKey: Uint8Array, claimed: Uint8Array): RotationProof {
  const honest = createRotationProof(peer.peerId, signer.mlDsaSigner, newKey)
  return { previousFingerprint: claimed, signature: honest.signature }
}

describe('attacks on pinned keys, through the direct exchange', () => {
  let watcher: TestNode
  let hostile: HostileNode
  let k1: TestIdentity
  let k2: TestIdentity
  let pinned: KeyRecord
  let answer: { record: KeyRecord, signer: TestIdentity }

  before(async () => {
    watcher = await startNode({ paths: { dht: false } })
    hostile = await startHostileNode([watcher.node.getMultiaddrs()[0].toString()])
    k1 = hostile.identity
    k2 = rotateIdentity(k1).identity
    pinned = await makeRecord(k1, { seq: 10 })
    answer = { record: pinned, signer: k1 }
    await hostile.answerKeyRequests(async (request, remote) =>
      await createKeyResponse({ peerId: k1.peerId, record: answer.record, mlDsaSigner: answer.signer.mlDsaSigner }, remote, request.nonce))
    assert.equal((await watcher.node.resolve(k1.peerId)).seq, 10)
  })

  after(async () => {
    await hostile.stop()
    await watcher.node.stop()
    await watcher.dir.remove()
  })

  async function assertRefusedAnswer (record: KeyRecord, signer: TestIdentity): Promise<void> {
    answer = { record, signer }
    await assertCounted(watcher.node, 'resolve', 'ERR_KEY_CHANGED', async () => {
      await assert.rejects(watcher.node.resolve(k1.peerId, { refresh: true }), hasCode('ERR_NOT_FOUND'))
    }, 1)
    await assertHolds(watcher.node, k1.peerId, pinned.bytes)
    const pin = await watcher.node.registry.getPin(k1.peerId)
    assert.ok(pin !== undefined && uint8ArrayEquals(pin.fingerprint, fingerprint(k1.mlDsaSigner.publicKey)), 'the pin moved')
  }

  it('a key change without a rotation proof, in a KeyResponse, is refused: ERR_KEY_CHANGED', async () => {
    await assertRefusedAnswer(await makeRecord(k2, { seq: 20 }), k2)
  })

  it('a key change without a rotation proof, in a KeyRequest, is refused by the responder: ERR_KEY_CHANGED', async () => {
    const record = await makeRecord(k2, { seq: 21 })
    const signer = { peerId: k1.peerId, record, mlDsaSigner: k2.mlDsaSigner }
    await assertCounted(watcher.node, 'exchange', 'ERR_KEY_CHANGED', async () => {
      await assert.rejects(sendKeyRequest(hostile.libp2p, watcher.node.peerId, await createKeyRequest(signer, watcher.node.peerId, 1n)))
    }, 1)
    await assertHolds(watcher.node, k1.peerId, pinned.bytes)
  })

  it('a rotation proof signed by another key is refused: ERR_KEY_CHANGED', async () => {
    const attacker = rotateIdentity(k1).identity
    // As made by the attacker's key (its own fingerprint), and with the pinned key's fingerprint claimed.
    await assertRefusedAnswer(await makeRecord(k2, { seq: 22, rotation: createRotationProof(k1.peerId, attacker.mlDsaSigner, k2.mlDsaSigner.publicKey) }), k2)
    await assertRefusedAnswer(await makeRecord(k2, { seq: 23, rotation: forgedProof(k1, attacker, k2.mlDsaSigner.publicKey, fingerprint(k1.mlDsaSigner.publicKey)) }), k2)
  })

  it('a genuine rotation proof made for another new key is refused: ERR_KEY_CHANGED', async () => {
    const intended = rotateIdentity(k1)
    await assertRefusedAnswer(await makeRecord(k2, { seq: 24, rotation: intended.rotation }), k2)
  })

  it('control: a rotation proof by the pinned key for this key is accepted and moves the pin', async () => {
    const rotation = createRotationProof(k1.peerId, k1.mlDsaSigner, k2.mlDsaSigner.publicKey)
    answer = { record: await makeRecord(k2, { seq: 25, rotation }), signer: k2 }
    const keys = await watcher.node.resolve(k1.peerId, { refresh: true })
    assert.deepEqual(keys.mlDsaPublicKey, k2.mlDsaSigner.publicKey)
    const pin = await watcher.node.registry.getPin(k1.peerId)
    assert.ok(pin !== undefined && uint8ArrayEquals(pin.fingerprint, fingerprint(k2.mlDsaSigner.publicKey)))
  })
})

describe('attacks on pinned keys, through the DHT', () => {
  it('a record with a rotation proof signed by another key, put in the DHT with the stolen libp2p key, is refused: ERR_KEY_CHANGED', async () => {
    const net = await startNetwork(3, { paths: { direct: false } })
    try {
      const [, victim, watcher] = net.nodes
      const before = await watcher.node.resolve(victim.node.peerId)
      const crypto = selectPqCrypto()
      const stolen = await loadIdentity(victim.dir.path, { crypto })
      const impostor = crypto.mlDsa65.createSigner(randomBytes(32))
      const other = crypto.mlDsa65.createSigner(randomBytes(32))
      const proof = createRotationProof(victim.node.peerId, other, impostor.publicKey)
      const forged = await createKeyRecord({
        privateKey: stolen.privateKey,
        mlDsaSigner: impostor,
        mlKemPublicKey: crypto.mlKem768.createDecapsulator(randomBytes(64)).publicKey,
        seq: before.seq + 1000,
        rotation: { previousFingerprint: fingerprint(before.mlDsaPublicKey), signature: proof.signature }
      })
      for await (const event of libp2pOf(victim.node).services.dht.put(routingKeyFor(victim.node.peerId), forged.bytes)) { void event }

      await assertCounted(watcher.node, 'resolve', 'ERR_KEY_CHANGED', async () => {
        await assert.rejects(watcher.node.resolve(victim.node.peerId, { refresh: true }), hasCode('ERR_NOT_FOUND'))
      }, 1)
      await assertHolds(watcher.node, victim.node.peerId, before.record.bytes)
      assert.ok(uint8ArrayEquals((await watcher.node.registry.getPin(victim.node.peerId))?.fingerprint ?? new Uint8Array(0), fingerprint(before.mlDsaPublicKey)))
    } finally {
      await net.stop()
    }
  })
})
