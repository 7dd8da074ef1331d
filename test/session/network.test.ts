import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import { PUSH_PROTOCOL } from '../../src/exchange/index.js'
import { libp2pOf } from '../../src/node/index.js'
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

  it('a responder that sends and closes at once: the dialler reads it all and sees the end', { timeout: 60_000 }, async () => {
    const greeting = new TextEncoder().encode('hello, and goodbye')
    await b.node.handleSecure('/greet/1.0.0', async stream => {
      stream.send(greeting)
      await stream.close()
    })
    for (let i = 0; i < 20; i++) {
      const stream = await a.node.dialSecure(b.node.peerId, '/greet/1.0.0', { signal: AbortSignal.timeout(10_000) })
      assert.deepEqual(await readAll(stream), greeting)
      await stream.close()
    }
  })

  // A lost close makes the reader wait for good: the test's own timeout turns that into a failure.
  it('a dialler that closes first and reads only after the responder has closed gets the data and the end', { timeout: 30_000 }, async () => {
    const answer = new TextEncoder().encode('the answer')
    let responderDone: () => void = () => {}
    const closed = new Promise<void>(resolve => { responderDone = resolve })
    await b.node.handleSecure('/ask/1.0.0', async stream => {
      for await (const chunk of stream) void chunk
      stream.send(answer)
      await stream.close()
      responderDone()
    })
    const stream = await a.node.dialSecure(b.node.peerId, '/ask/1.0.0', { signal: AbortSignal.timeout(10_000) })
    stream.send(Uint8Array.from([1]))
    await stream.close()
    await closed
    // Let the responder's data and close reach this side before anyone reads.
    await new Promise(resolve => setTimeout(resolve, 50))
    assert.deepEqual(await readAll(stream), answer)
  })

  it('a peer with no handler for the protocol: ERR_SESSION_PROTOCOL_UNSUPPORTED', async () => {
    await assert.rejects(a.node.dialSecure(b.node.peerId, '/nobody/1.0.0'), (err: any) => err.name === 'SessionError' && err.code === 'ERR_SESSION_PROTOCOL_UNSUPPORTED')
  })

  it('24 MiB to a reader that fell behind arrive whole (the muxer hands over its whole window at once)', async () => {
    let received = 0
    const drained = new Promise<void>(resolve => {
      void b.node.handleSecure('/sink/1.0.0', async stream => {
        // Busy for a moment before reading, so that yamux's window (up to 16 MiB) fills and comes as one chunk.
        const until = Date.now() + 300
        while (Date.now() < until);
        for await (const chunk of stream) received += chunk.byteLength
        resolve()
      })
    })
    const stream = await a.node.dialSecure(b.node.peerId, '/sink/1.0.0', { signal: AbortSignal.timeout(10_000) })
    await sendAll(stream, randomBytes(24 * 1024 * 1024), 64 * 1024)
    await drained
    assert.equal(received, 24 * 1024 * 1024)
  })

  it('takes the PeerId as a string too; a bad one and a second handler are typed errors', async () => {
    const stream = await a.node.dialSecure(b.node.peerId.toString(), '/echo/1.0.0')
    const [, echoed] = await Promise.all([sendAll(stream, Uint8Array.from([1, 2])), readAll(stream)])
    assert.deepEqual([...echoed], [1, 2])
    await assert.rejects(a.node.dialSecure('not-a-peer-id', '/echo/1.0.0'), (err: any) => err.code === 'ERR_BAD_PEER_ID')
    await assert.rejects(b.node.handleSecure('/echo/1.0.0', () => {}), (err: any) => err.name === 'SessionError' && err.code === 'ERR_SESSION_ALREADY_HANDLED')
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

describe('a secure session after the responder rotated', () => {
  let net: TestNetwork

  after(async () => { await net.stop() })

  it('the dialler that still holds the old key looks again, once, and opens the session', async () => {
    net = await startNetwork(4)
    const b = net.nodes[2]
    // A learns B through the DHT only, and takes no pushes: nothing tells A of the rotation.
    const a = await net.add({ paths: { direct: false } })
    await libp2pOf(a.node).unhandle(PUSH_PROTOCOL)
    await b.node.handleSecure('/echo/1.0.0', async stream => { await echo(stream) })
    const before = await a.node.resolve(b.node.peerId)
    const rotated = await b.node.rotate()
    // A's registry still answers B's old record (within refreshAfterMs).
    assert.equal((await a.node.resolve(b.node.peerId)).seq, before.seq)
    const stream = await a.node.dialSecure(b.node.peerId, '/echo/1.0.0', { signal: AbortSignal.timeout(10_000) })
    const data = randomBytes(1000)
    const [, echoed] = await Promise.all([sendAll(stream, data), readAll(stream)])
    assert.ok(Buffer.from(echoed).equals(data))
    assert.equal((await a.node.resolve(b.node.peerId)).seq, rotated.seq)
  })
})
