import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { multiaddr } from '@multiformats/multiaddr'
import { libp2pOf } from '../../src/node/index.js'
import { LOCAL_KEEP_ALIVE_MS } from '../../src/node/libp2p.js'
import { startNode } from '../helpers/network.js'
import type { Connection } from '@libp2p/interface'

/** yamux's keep-alive settings, as the muxer of a connection holds them. */
function keepAlive (connection: Connection): { enabled: boolean, intervalMs: number } {
  const muxer = (connection as unknown as { muxer?: { enableKeepAlive?: boolean, keepAliveInterval?: number } }).muxer
  assert.equal(typeof muxer?.keepAliveInterval, 'number', 'libp2p no longer exposes the connection\'s yamux muxer: update this test')
  return { enabled: muxer?.enableKeepAlive === true, intervalMs: muxer?.keepAliveInterval ?? 0 }
}

describe('local network mode', () => {
  it('pings every 60 s on a local network, every 30 s (yamux\'s default) otherwise, and within the 2 minutes a socket may idle', async () => {
    // One lost round of pings still leaves the socket within its 2 minutes without traffic.
    assert.ok(LOCAL_KEEP_ALIVE_MS * 2 <= 120_000)
    const local = await startNode()
    const other = await startNode()
    const outside = await startNode({ localNetwork: false })
    try {
      const toLocal = await libp2pOf(other.node).dial(multiaddr(local.node.anchorEntry().multiaddr), { signal: AbortSignal.timeout(10_000) })
      assert.deepEqual(keepAlive(toLocal), { enabled: true, intervalMs: LOCAL_KEEP_ALIVE_MS })
      const fromOutside = await libp2pOf(outside.node).dial(multiaddr(local.node.anchorEntry().multiaddr), { signal: AbortSignal.timeout(10_000) })
      assert.deepEqual(keepAlive(fromOutside), { enabled: true, intervalMs: 30_000 })
    } finally {
      await Promise.all([local, other, outside].map(async ({ node, dir }) => { await node.stop(); await dir.remove() }))
    }
  })
})
