import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { createKeyDirectory, libp2pOf } from '../../src/node/index.js'
import { createKeyRequest } from '../../src/exchange/index.js'
import { nextNonce, signerOf, sendKeyRequest } from '../helpers/exchange.js'
import { startNetwork, startNode } from '../helpers/network.js'
import type { Startable } from '@libp2p/interface'

describe('offline peers, single paths, restarts', () => {
  it('resolves a peer that went offline from the DHT while its record is unexpired', async () => {
    const net = await startNetwork(6, { paths: { direct: false } })
    try {
      const leaving = net.nodes[5]
      const own = await leaving.node.resolve(leaving.node.peerId)
      await leaving.node.stop()
      net.nodes.splice(5, 1)
      const keys = await net.nodes[2].node.resolve(own.peerId)
      assert.equal(keys.source, 'dht')
      assert.deepEqual(keys.mlKemPublicKey, own.mlKemPublicKey)
      await leaving.dir.remove()
    } finally {
      await net.stop()
    }
  })

  it('with the DHT turned off, the direct path alone resolves a connected peer', async () => {
    const a = await startNode({ paths: { dht: false } })
    const b = await startNode({ paths: { dht: false }, bootstrap: [a.node.anchorEntry()] })
    try {
      const keys = await b.node.resolve(a.node.peerId)
      // a is b's anchor: asked directly, trusted as the anchor
      assert.equal(keys.source, 'anchor')
      assert.equal(keys.trust, 'anchor')
      const back = await a.node.resolve(b.node.peerId)
      assert.ok(back.source === 'registry' || back.source === 'direct')
      assert.equal(back.trust, 'direct')
    } finally {
      for (const n of [a, b]) { await n.node.stop(); await n.dir.remove() }
    }
  })

  it('republishes before the record expires, with a higher seq', async () => {
    const net = await startNetwork(3, { paths: { direct: false } })
    try {
      const publisher = await net.add({ recordLifetimeMs: 3000 })
      await publisher.node.publish()
      const first = await net.nodes[1].node.resolve(publisher.node.peerId)
      let latest = first
      for (let tries = 0; tries < 100 && latest.seq === first.seq; tries++) {
        await new Promise(resolve => setTimeout(resolve, 100))
        latest = await net.nodes[1].node.resolve(publisher.node.peerId, { refresh: true })
      }
      assert.ok(latest.seq > first.seq, 'a newer record reached the DHT')
      assert.ok(latest.expiresAt > first.expiresAt)
    } finally {
      await net.stop()
    }
  })

  it('keeps identity, registry, pins and nonces across a restart', async () => {
    const a = await startNode({ paths: { dht: false } })
    const b = await startNode({ paths: { dht: false }, bootstrap: [a.node.getMultiaddrs()[0].toString()] })
    try {
      const keysOfA = await b.node.resolve(a.node.peerId)
      const signerB = await signerOf(b.node, b.dir.path)
      const nonce = await nextNonce(b.node)
      const request = await createKeyRequest(signerB, a.node.peerId, nonce)
      await sendKeyRequest(libp2pOf(b.node), a.node.peerId, request)
      const peerIdB = b.node.peerId.toString()
      const seqB = (await b.node.resolve(b.node.peerId)).seq
      await b.node.stop()

      const again = await createKeyDirectory({ dataDir: b.dir.path, paths: { dht: false }, discoverOnConnect: false })
      b.node = again
      await again.start()
      assert.equal(again.peerId.toString(), peerIdB)
      const cached = await again.resolve(a.node.peerId)
      assert.equal(cached.source, 'registry')
      assert.deepEqual(cached.mlDsaPublicKey, keysOfA.mlDsaPublicKey)
      const pin = await again.registry.getPin(a.node.peerId)
      assert.deepEqual(pin?.mlDsaPublicKey, keysOfA.mlDsaPublicKey)
      assert.ok((await nextNonce(again)) > nonce)
      assert.ok((await again.resolve(again.peerId)).seq > seqB)
      // the libp2p peer store is on disk too
      assert.ok((await libp2pOf(again).peerStore.all()).some(peer => peer.id.equals(a.node.peerId)))

      // a restarted too: the nonce b used before must still be refused
      await a.node.stop()
      const aAgain = await createKeyDirectory({ dataDir: a.dir.path, paths: { dht: false }, discoverOnConnect: false })
      a.node = aAgain
      await aAgain.start()
      assert.equal(await libp2pOf(aAgain).services.keyExchange.nonces.acceptInbound(b.node.peerId, nonce), false)
    } finally {
      for (const n of [a, b]) { await n.node.stop(); await n.dir.remove() }
    }
  })

  it('a node whose bootstrap peer was down when it started joins once the peer is back', async () => {
    const a = await startNode()
    const anchor = a.node.anchorEntry()
    await a.node.stop()
    const b = await startNode({ bootstrap: [anchor] })
    let back: Awaited<ReturnType<typeof startNode>> | undefined
    try {
      assert.equal(libp2pOf(b.node).getConnections().length, 0)
      // Same data dir and port: the same peer, back where the bootstrap entry says.
      back = await startNode({ dataDir: a.dir.path, listen: [anchor.multiaddr.replace(/\/p2p\/.*$/, '')] })
      for (let i = 0; i < 100 && (await b.node.status()).dhtSize === 0; i++) {
        await new Promise(resolve => setTimeout(resolve, 200))
      }
      // b dialled by itself: nothing here asked it to.
      assert.ok(libp2pOf(b.node).getConnections(back.node.peerId).length > 0)
      assert.ok((await b.node.status()).dhtSize > 0)
      const keys = await b.node.resolve(back.node.peerId)
      assert.equal(keys.trust, 'anchor')
    } finally {
      await b.node.stop()
      await b.dir.remove()
      await back?.node.stop()
      await a.dir.remove()
    }
  })

  it('a node whose identify with its bootstrap peer failed identifies it again and joins', async () => {
    const a = await startNode()
    // a answers no identify: b connects, but its identify of a fails, so kad-dht never learns a.
    const identify = libp2pOf(a.node).services.identify as unknown as Startable
    await identify.stop()
    const b = await startNode({ bootstrap: [a.node.anchorEntry()] })
    try {
      assert.ok(libp2pOf(b.node).getConnections(a.node.peerId).length > 0)
      assert.equal((await b.node.status()).dhtSize, 0)
      await identify.start()
      for (let i = 0; i < 100 && (await b.node.status()).dhtSize === 0; i++) {
        await new Promise(resolve => setTimeout(resolve, 200))
      }
      // Nothing here asked b to identify again, and it kept the connection it had.
      assert.ok((await b.node.status()).dhtSize > 0)
      const keys = await b.node.resolve(a.node.peerId)
      assert.equal(keys.trust, 'anchor')
    } finally {
      for (const n of [b, a]) { await n.node.stop(); await n.dir.remove() }
    }
  })
})
