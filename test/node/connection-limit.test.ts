import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { multiaddr } from '@multiformats/multiaddr'
import { createKeyDirectory, libp2pOf } from '../../src/node/index.js'
import { startNode, waitUntil } from '../helpers/network.js'
import { makeTempDir } from '../helpers/temp-dir.js'

/**
 * maxConnections reaches libp2p's connection manager: at its limit a node
 * refuses every inbound connection, which is what left most nodes of a
 * 1,000-node bench without a routing table when their anchor kept libp2p's
 * default of 300.
 */
describe('maxConnections', () => {
  it('a node at its limit refuses the next inbound connection; one with room takes it', async () => {
    const full = await startNode({ maxConnections: 1 })
    const roomy = await startNode({ maxConnections: 3 })
    const first = await startNode()
    const second = await startNode()
    try {
      const fullAddr = multiaddr(full.node.anchorEntry().multiaddr)
      const roomyAddr = multiaddr(roomy.node.anchorEntry().multiaddr)
      await libp2pOf(first.node).dial(fullAddr, { signal: AbortSignal.timeout(10_000) })
      await waitUntil(() => libp2pOf(full.node).getConnections().length === 1, 'the first connection to the full node')
      // Refused: the full node closes the new connection, which fails the dial then, not at its time bound.
      await assert.rejects(libp2pOf(second.node).dial(fullAddr, { signal: AbortSignal.timeout(10_000) }), (err: Error) => err.name !== 'AbortError' && err.name !== 'TimeoutError')
      assert.deepEqual(libp2pOf(full.node).getConnections().map(c => c.remotePeer.toString()), [first.node.peerId.toString()])
      const status = await full.node.status()
      assert.deepEqual([status.connections, status.maxConnections], [1, 1])

      await libp2pOf(first.node).dial(roomyAddr, { signal: AbortSignal.timeout(10_000) })
      await libp2pOf(second.node).dial(roomyAddr, { signal: AbortSignal.timeout(10_000) })
      await waitUntil(() => libp2pOf(roomy.node).getConnections().length === 2, 'both connections to the node with room')
    } finally {
      await Promise.all([full, roomy, first, second].map(async ({ node, dir }) => { await node.stop(); await dir.remove() }))
    }
  })

  it('a limit below 1 or not a whole number is refused before anything opens', async () => {
    const dir = await makeTempDir('keydir-maxconn-')
    try {
      for (const maxConnections of [0, -5, 2.5, Number.NaN]) {
        await assert.rejects(createKeyDirectory({ dataDir: dir.path, maxConnections }), (err: any) => err.code === 'ERR_BAD_OPTION' && /maxConnections/.test(err.message))
      }
      const node = await createKeyDirectory({ dataDir: dir.path, maxConnections: 5 })
      await node.stop()
    } finally {
      await dir.remove()
    }
  })
})
