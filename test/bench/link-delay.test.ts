import assert from 'node:assert/strict'
import { once } from 'node:events'
import { connect, createServer, type AddressInfo, type Socket } from 'node:net'
import { test } from 'node:test'
import { delaySocket, pendingWrites } from '../../bench/lib/netns/link-delay.js'

/** A loopback server that keeps what each connection sent until its end. */
async function sink (): Promise<{ port: number, received: Promise<Buffer>, close: () => void }> {
  const { promise: received, resolve } = Promise.withResolvers<Buffer>()
  const server = createServer(socket => {
    const chunks: Buffer[] = []
    socket.on('data', chunk => chunks.push(chunk))
    socket.on('end', () => { resolve(Buffer.concat(chunks)) })
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  return { port: (server.address() as AddressInfo).port, received, close: () => server.close() }
}

test('a delayed socket keeps the order of its writes, calls each callback, honours back-pressure, and ends after the last write', async () => {
  const server = await sink()
  const socket: Socket = connect({ port: server.port, host: '127.0.0.1' })
  // As the diagnostics channel does it: before connect(), which puts the prototype's write back.
  delaySocket(socket, 4, true, () => true)
  await once(socket, 'connect')
  const sent: Buffer[] = []
  const called: number[] = []
  let refused = 0
  let drains = 0
  socket.on('drain', () => { drains++ })
  for (let i = 0; i < 200; i++) {
    // Sizes up to 40 KiB: a few together pass the socket's 64 KiB high-water mark.
    const chunk = Buffer.alloc(1 + (i * 211) % 40_000, i % 251)
    sent.push(chunk)
    if (!socket.write(chunk, () => { called.push(i) })) {
      refused++
      await once(socket, 'drain')
    }
  }
  socket.end()
  const received = await server.received
  server.close()
  assert.ok(received.equals(Buffer.concat(sent)), 'every byte, in order')
  assert.deepEqual(called, Array.from({ length: 200 }, (_, i) => i))
  assert.ok(refused > 0, 'large writes were refused until drained')
  assert.ok(drains >= refused)
  assert.equal(pendingWrites(), 0)
})

test('a socket towards its own host is left alone', async () => {
  const server = await sink()
  const socket = connect({ port: server.port, host: '127.0.0.1' })
  delaySocket(socket, 1000, true, () => false)
  await once(socket, 'connect')
  socket.write('x')
  assert.equal(pendingWrites(), 0)
  socket.end()
  assert.equal((await server.received).toString(), 'x')
  server.close()
})
