import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import { counterValue, startNetwork } from '../helpers/network.js'
import { echo, readAll, sendAll } from './helpers.js'
import type { TestNetwork, TestNode } from '../helpers/network.js'

describe('secure sessions over TCP', () => {
  let net: TestNetwork
  let a: TestNode
  let b: TestNode

  before(async () => {
    net = await startNetwork(3)
    a = net.nodes[1]
    b = net.nodes[2]
    await b.node.handleSecure('/echo/1.0.0', async stream => { await echo(stream) })
    await a.node.handleSecure('/echo/1.0.0', async stream => { await echo(stream) })
  })

  after(async () => { await net.stop() })

  it('A dialSecure B: 1 MiB echoed byte for byte, both ways', async () => {
    for (const [from, to] of [[a, b], [b, a]]) {
      const data = randomBytes(1024 * 1024)
      const stream = await from.node.dialSecure(to.node.peerId, '/echo/1.0.0', { signal: AbortSignal.timeout(10_000) })
      assert.equal(stream.protocol, '/echo/1.0.0')
      assert.ok(stream.remotePeer.equals(to.node.peerId))
      const [, echoed] = await Promise.all([sendAll(stream, data), readAll(stream)])
      assert.ok(Buffer.from(echoed).equals(data), 'the echo is byte-exact')
    }
    assert.ok(await counterValue(a.node, 'keydir_sessions_total', { role: 'initiator', outcome: 'opened' }) >= 1)
    assert.ok(await counterValue(b.node, 'keydir_sessions_total', { role: 'responder', outcome: 'opened' }) >= 1)
  })

  it('concurrent sessions stay apart', async () => {
    const runs = Array.from({ length: 6 }, async (_, i) => {
      const data = randomBytes(50_000 + i)
      const stream = await a.node.dialSecure(b.node.peerId, '/echo/1.0.0')
      const [, echoed] = await Promise.all([sendAll(stream, data, 7_000), readAll(stream)])
      assert.ok(Buffer.from(echoed).equals(data))
    })
    await Promise.all(runs)
  })
})
