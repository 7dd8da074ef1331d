/**
 * The two ends of the hosts bench's delay self-check (rtt-check.ts), each
 * run inside a host's namespace with the link delay on, as a bench host
 * process has it: `rtt-probe.js serve ADDRESS RTT_MS` echoes every byte back
 * and prints its port; `rtt-probe.js ping ADDRESS PORT COUNT RTT_MS`
 * connects, sends one byte at a time, waits for its echo, and prints the
 * round trips in ms as JSON.
 */
import { connect, createServer, type Socket } from 'node:net'
import { once } from 'node:events'
import { delayLinks } from './link-delay.js'

const [mode, address, ...rest] = process.argv.slice(2)

if (mode === 'serve') {
  delayLinks({ rttMs: Number(rest[0]) })
  const server = createServer(socket => { socket.on('data', data => socket.write(data)); socket.on('error', () => {}) })
  server.listen(0, address, () => {
    const port = (server.address() as { port: number }).port
    process.stdout.write(`${port}\n`)
  })
  // The checker ends this process when it is done.
} else if (mode === 'ping') {
  const [port, count, rttMs] = rest.map(Number)
  delayLinks({ rttMs })
  const socket: Socket = connect(port, address)
  await once(socket, 'connect')
  const rtts: number[] = []
  for (let i = 0; i < count; i++) {
    const sent = performance.now()
    socket.write(Buffer.from([i & 0xff]))
    await once(socket, 'data')
    rtts.push(performance.now() - sent)
  }
  socket.destroy()
  process.stdout.write(`${JSON.stringify(rtts)}\n`)
} else {
  process.stderr.write('usage: rtt-probe.js serve ADDRESS RTT_MS | ping ADDRESS PORT COUNT RTT_MS\n')
  process.exit(2)
}
