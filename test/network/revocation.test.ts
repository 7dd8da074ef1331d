import assert from 'node:assert/strict'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { selectPqCrypto } from '../../src/crypto/index.js'
import { loadIdentity, REVOCATION_CERT_FILE } from '../../src/identity/index.js'
import { createKeyDirectory, libp2pOf } from '../../src/node/index.js'
import { createKeyRecord, createRevocation, routingKeyFor } from '../../src/record/index.js'
import { hasCode, refusals } from '../helpers/attacks.js'
import { dhtGet, dhtPut } from '../helpers/kad-wire.js'
import { startNetwork, waitUntil } from '../helpers/network.js'
import type { KeyChangeDetail } from '../../src/node/index.js'
import type { TestNetwork, TestNode } from '../helpers/network.js'

describe('revocation over a network', () => {
  let net: TestNetwork
  let owner: TestNode
  let holder: TestNode

  before(async () => {
    net = await startNetwork(4)
    owner = net.nodes[1]
    holder = net.nodes[2]
    // The holder resolved the owner over the direct exchange: it holds and pinned its keys.
    await holder.node.resolve(owner.node.peerId, { refresh: true })
  })

  after(async () => { await net.stop() })

  it('revoke(): a connected holder is pushed it and refuses the peer; a fresh node finds it in the DHT', async () => {
    const changes: KeyChangeDetail[] = []
    holder.node.addEventListener('key-change', event => { changes.push(event.detail) })
    const revocation = await owner.node.revoke({ reason: 'key-compromise' })
    assert.equal(revocation.reason, 'key-compromise')
    await waitUntil(() => holder.node.registry.getRevocation(owner.node.peerId) !== undefined, 'the holder keeps the pushed revocation')
    await assert.rejects(holder.node.resolve(owner.node.peerId), hasCode('ERR_REVOKED'))
    await assert.rejects(holder.node.resolve(owner.node.peerId, { refresh: true }), hasCode('ERR_REVOKED'))
    assert.ok(changes.some(c => c.change === 'revoked' && c.peerId.equals(owner.node.peerId)), 'a revoked key-change event')

    const fresh = await net.add({ paths: { direct: false } })
    await assert.rejects(fresh.node.resolve(owner.node.peerId), hasCode('ERR_REVOKED'))
    assert.ok(fresh.node.registry.getRevocation(owner.node.peerId) !== undefined)

    // The owner itself: no record is published or served again.
    await assert.rejects(owner.node.publish(), hasCode('ERR_REVOKED'))
    await assert.rejects(owner.node.rotate(), hasCode('ERR_REVOKED'))
    await assert.rejects(owner.node.resolve(owner.node.peerId), hasCode('ERR_REVOKED'))
  })

  it('DHT nodes that hold the revocation refuse a later record of the PeerId, whatever its seq', async () => {
    const storer = net.nodes[3]
    const key = routingKeyFor(owner.node.peerId)
    const identity = await loadIdentity(owner.dir.path, { crypto: selectPqCrypto() })
    const later = await createKeyRecord({ privateKey: identity.privateKey, mlDsaSigner: identity.mlDsaSigner, mlKemPublicKey: identity.mlKem.publicKey, seq: Number.MAX_SAFE_INTEGER })
    const held = await dhtGet(libp2pOf(net.anchor.node), storer.node.peerId, key)
    assert.ok(held !== undefined && held[0] === 0x82, 'the storer holds the revocation')
    assert.equal(await dhtPut(libp2pOf(net.anchor.node), storer.node.peerId, key, later.bytes), false)
    assert.ok(await refusals(storer.node, 'dht', 'ERR_REVOKED') >= 1)
    assert.deepEqual(await dhtGet(libp2pOf(net.anchor.node), storer.node.peerId, key), held)
  })

  it('survives restarts: the holder and the owner still refuse the peer', async () => {
    await holder.node.stop()
    holder.node = await createKeyDirectory({ dataDir: holder.dir.path, discoverOnConnect: false, bootstrap: [net.anchorEntry] })
    await holder.node.start()
    await assert.rejects(holder.node.resolve(owner.node.peerId), hasCode('ERR_REVOKED'))
    await owner.node.stop()
    owner.node = await createKeyDirectory({ dataDir: owner.dir.path, discoverOnConnect: false, bootstrap: [net.anchorEntry] })
    await owner.node.start()
    await assert.rejects(owner.node.publish(), hasCode('ERR_REVOKED'))
  })

  it('a third node publishes the pre-signed revocation.cert of a node that is gone; holders and newcomers then refuse it', async () => {
    const gone = await net.add()
    const pinner = await net.add({ refreshAfterMs: 0, maxStaleMs: 0 })
    await pinner.node.resolve(gone.node.peerId)
    const certificate = await readFile(join(gone.dir.path, REVOCATION_CERT_FILE))
    // A node's own certificate goes through revoke(), never publishRevocation.
    await assert.rejects(gone.node.publishRevocation(new Uint8Array(certificate)), hasCode('ERR_OWN_REVOCATION'))
    assert.equal(gone.node.registry.getRevocation(gone.node.peerId), undefined)
    await gone.node.stop()
    const published = await net.anchor.node.publishRevocation(new Uint8Array(certificate))
    assert.ok(published.peerId.equals(gone.node.peerId))
    const newcomer = await net.add({ paths: { direct: false } })
    await assert.rejects(newcomer.node.resolve(gone.node.peerId), hasCode('ERR_REVOKED'))
    // The pinner re-checks before answering (maxStaleMs 0) and meets the revocation in the DHT.
    await assert.rejects(pinner.node.resolve(gone.node.peerId), hasCode('ERR_REVOKED'))
  })

  it('a certificate signed with the Ed25519 key alone does not revoke a peer a node pinned', async () => {
    const victim = await net.add()
    const pinner = await net.add({ refreshAfterMs: 0, maxStaleMs: 0 })
    const before = await pinner.node.resolve(victim.node.peerId)
    const stolen = await loadIdentity(victim.dir.path, { crypto: selectPqCrypto() })
    const attackerKey = selectPqCrypto().mlDsa65.createSigner(new Uint8Array(32).fill(9))
    const forged = await createRevocation({ privateKey: stolen.privateKey, mlDsaSigner: attackerKey })
    // Nodes that never pinned the victim can check no more than the signatures: the anchor takes it and puts it into the DHT.
    await net.anchor.node.publishRevocation(forged.bytes)
    await assert.rejects(pinner.node.registry.storeRevocation(forged), hasCode('ERR_REVOCATION_KEY_UNKNOWN'))
    const after = await pinner.node.resolve(victim.node.peerId)
    assert.deepEqual(after.mlDsaPublicKey, before.mlDsaPublicKey)
    assert.equal(pinner.node.registry.getRevocation(victim.node.peerId), undefined)
  })
})
