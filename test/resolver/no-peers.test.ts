import assert from 'node:assert/strict'
import { createServer, type AddressInfo } from 'node:net'
import { describe, it } from 'node:test'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { selectPqCrypto } from '../../src/crypto/index.js'
import { loadOrCreateIdentity } from '../../src/identity/index.js'
import { libp2pOf } from '../../src/node/index.js'
import { makeTempDir } from '../helpers/temp-dir.js'
import { startNode, type TestNode } from '../helpers/network.js'
import type { KeydirLogger } from '../../src/util/log.js'

/** Issue 23, item 2: a lookup on a node with no DHT peers ends at once, and a miss is one line at info. */

async function freePort (): Promise<number> {
  const server = createServer()
  await new Promise<void>(resolve => { server.listen(0, '127.0.0.1', resolve) })
  const { port } = server.address() as AddressInfo
  await new Promise<void>(resolve => { server.close(() => { resolve() }) })
  return port
}

async function strangerPeerId (): Promise<string> {
  return peerIdFromPrivateKey(await generateKeyPair('Ed25519')).toString()
}

describe('resolver: a node with no DHT peers', { timeout: 60_000 }, () => {
  it('fails the lookup of an unknown peer at once with ERR_NO_PEERS, logged as one info line', async () => {
    const lines: Array<{ level: string, message: string, fields: Record<string, unknown> }> = []
    const at = (level: string) => (fields: Record<string, unknown>, message: string): void => { lines.push({ level, fields, message }) }
    const logger: KeydirLogger = { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') }
    // A resolve timeout far beyond the test's own: the answer must not wait for it.
    const lone = await startNode({ logger, resolveTimeoutMs: 600_000 })
    try {
      await assert.rejects(lone.node.resolve(await strangerPeerId()), (err: any) => {
        assert.equal(err.name, 'ResolveError')
        assert.equal(err.code, 'ERR_NO_PEERS')
        assert.match(err.message, /no DHT peers/)
        assert.match(err.message, /--bootstrap/)
        return true
      })
      const misses = lines.filter(l => l.message === 'could not resolve peer keys')
      assert.equal(misses.length, 1)
      assert.equal(misses[0].level, 'info')
      assert.equal(misses[0].fields.code, 'ERR_NO_PEERS')
      assert.deepEqual(lines.filter(l => l.level === 'error'), [])
    } finally {
      await lone.node.stop()
      await lone.dir.remove()
    }
  })

  it('waits for a bootstrap peer it is still dialling, rather than failing at once', async () => {
    // A's data dir and port first, so that B can be given A's address before A listens on it.
    const port = await freePort()
    const aDir = await makeTempDir('keydir-net-')
    const aPeerId = (await loadOrCreateIdentity(aDir.path, { crypto: selectPqCrypto() })).peerId
    const b = await startNode({ bootstrap: [`/ip4/127.0.0.1/tcp/${port}/p2p/${aPeerId.toString()}`], resolveTimeoutMs: 30_000 })
    let a: TestNode | undefined
    let c: TestNode | undefined
    try {
      a = await startNode({ dataDir: aDir.path, listen: [`/ip4/127.0.0.1/tcp/${port}`] })
      c = await startNode({ bootstrap: [a.node.anchorEntry()] })
      await c.node.publish()
      const keys = await b.node.resolve(c.node.peerId)
      assert.ok(keys.peerId.equals(c.node.peerId))
    } finally {
      for (const started of [c, b, a]) {
        if (started === undefined) continue
        await started.node.stop()
        await started.dir.remove()
      }
      await aDir.remove().catch(() => {})
    }
  })

  it('still asks a peer directly whose address it knows', async () => {
    const peer = await startNode()
    const lone = await startNode({ resolveTimeoutMs: 600_000 })
    try {
      await libp2pOf(lone.node).peerStore.merge(peer.node.peerId, { multiaddrs: peer.node.getMultiaddrs().map(ma => ma.decapsulateCode(421)) })
      const keys = await lone.node.resolve(peer.node.peerId)
      assert.equal(keys.source, 'direct')
      assert.ok(keys.peerId.equals(peer.node.peerId))
    } finally {
      await lone.node.stop()
      await lone.dir.remove()
      await peer.node.stop()
      await peer.dir.remove()
    }
  })
})
