import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { multiaddr } from '@multiformats/multiaddr'
import { libp2pOf } from '../../src/node/index.js'
import { startNode } from '../helpers/network.js'
import type { Connection } from '@libp2p/interface'

/** yamux's keep-alive switch, as the muxer of a connection holds it. */
function keepsAlive (connection: Connection): boolean {
  const muxer = (connection as unknown as { muxer?: { enableKeepAlive?: boolean } }).muxer
  assert.equal(typeof muxer?.enableKeepAlive, 'boolean', 'libp2p no longer exposes the connection\'s yamux muxer: update this test')
  return muxer?.enableKeepAlive === true
}

describe('local network mode', () => {
  it('drops yamux keep-alive pings on a local network and keeps them otherwise', async () => {
    const local = await startNode()
    const other = await startNode()
    const outside = await startNode({ localNetwork: false })
    try {
      const toLocal = await libp2pOf(other.node).dial(multiaddr(local.node.anchorEntry().multiaddr), { signal: AbortSignal.timeout(10_000) })
      assert.equal(keepsAlive(toLocal), false)
      // A node not in local-network mode keeps them, whoever dials.
      const fromOutside = await libp2pOf(outside.node).dial(multiaddr(local.node.anchorEntry().multiaddr), { signal: AbortSignal.timeout(10_000) })
      assert.equal(keepsAlive(fromOutside), true)
    } finally {
      await Promise.all([local, other, outside].map(async ({ node, dir }) => { await node.stop(); await dir.remove() }))
    }
  })
})
