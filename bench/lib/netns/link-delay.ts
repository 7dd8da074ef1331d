/**
 * A link's delay, in user space (this machine's kernel has no netem): every
 * write on a TCP socket of this process whose peer is another host of the
 * hosts bench (an address of its subnet other than the socket's own) leaves
 * the process half a round trip later. Both ends do the same, so a message
 * and its answer take one round trip more than on the bare link. A dialled
 * socket's first write waits one round trip more, the SYN and SYN-ACK a real
 * link would take before the connection could carry data.
 *
 * Order is kept (each write leaves no earlier than the one before it), the
 * write callback fires when the real write has flushed, `end()` waits behind
 * the writes before it, and back-pressure holds: a write returns false while
 * the delayed bytes and the socket's own buffer pass its high-water mark,
 * and 'drain' follows once both have emptied. What it does not delay: TCP's
 * own packets (ACKs, retransmits, the handshake itself), so the kernel's RTT
 * estimate, and the retransmission timers set from it, see the bare link.
 */
import { subscribe } from 'node:diagnostics_channel'
import { inBenchSubnet } from './topology.js'
import type { Socket } from 'node:net'

export interface LinkDelayInit {
  /** Round trip added between two hosts, ms. */
  rttMs: number
}

interface Pending {
  due: number
  /** A write (chunk, encoding, callback) or the end. */
  write?: [chunk: unknown, encoding: BufferEncoding | undefined, callback: ((err?: Error | null) => void) | undefined]
  end?: unknown[]
  bytes: number
}

/** Writes waiting in every delayed socket of this process (for the bench's quiet check: data still on the way). */
let waiting = 0
export function pendingWrites (): number {
  return waiting
}

/**
 * Delay the writes of every socket this process opens or accepts from now
 * on, towards another bench host. Node announces an accepted socket just
 * after its 'connection' event: a write made synchronously in a
 * 'connection' listener would go undelayed (libp2p's listener makes none;
 * the responder of a Noise handshake waits for the first message).
 */
export function delayLinks (init: LinkDelayInit): void {
  if (!(init.rttMs >= 0)) throw new Error(`rttMs must be 0 or more, got ${init.rttMs}`)
  if (init.rttMs === 0) return
  subscribe('net.client.socket', message => { delaySocket((message as { socket: Socket }).socket, init.rttMs, true) })
  subscribe('net.server.socket', message => { delaySocket((message as { socket: Socket }).socket, init.rttMs, false) })
}

/** Whether a socket's peer is another bench host (decided at its first write, when both addresses are known). */
function crossesHosts (socket: Socket): boolean {
  const remote = socket.remoteAddress
  return remote !== undefined && inBenchSubnet(remote) && remote !== socket.localAddress
}

/**
 * Delay one socket's writes by half of `rttMs` (and its first by one round
 * trip more when `dialled`), from its first write on if `crosses` says its
 * peer is another host. Exported for its test.
 */
export function delaySocket (socket: Socket, rttMs: number, dialled: boolean, crosses: (socket: Socket) => boolean = crossesHosts): void {
  type Write = (chunk: unknown, encoding?: BufferEncoding, callback?: (err?: Error | null) => void) => boolean
  // Node sets `socket.write` itself (connect() puts the prototype's back, a half-closed socket gets one that
  // refuses): the wrapper stays in place and calls whichever Node last set.
  // eslint-disable-next-line @typescript-eslint/unbound-method -- called with the socket as `this`, below.
  let inner = socket.write as Write
  const write: Write = (...args) => inner.call(socket, ...args)
  const end = socket.end.bind(socket) as (...args: unknown[]) => Socket
  const queue: Pending[] = []
  let queuedBytes = 0
  let last = 0
  let timer: NodeJS.Timeout | undefined
  let delayed: boolean | undefined
  let owesDrain = false

  const flush = (): void => {
    timer = undefined
    const now = performance.now()
    let flushedAll = true
    while (queue.length > 0) {
      const next = queue[0]
      // A timer may fire a little early against performance.now(): never let a write leave before its time.
      if (next.due > now) { flushedAll = false; break }
      queue.shift()
      waiting--
      queuedBytes -= next.bytes
      if (next.end !== undefined) end(...next.end)
      else write(...next.write!)
    }
    if (queue.length > 0) timer = setTimeout(flush, Math.max(1, queue[0].due - now))
    if (flushedAll && owesDrain) {
      owesDrain = false
      // The socket emits its own 'drain' when its buffer was full; otherwise ours stands in for the one we promised.
      if (!socket.writableNeedDrain) socket.emit('drain')
    }
  }
  const enqueue = (item: Omit<Pending, 'due'>): void => {
    const oneWay = rttMs / 2 + (dialled && last === 0 ? rttMs : 0)
    last = Math.max(performance.now() + oneWay, last)
    queue.push({ ...item, due: last })
    waiting++
    queuedBytes += item.bytes
    timer ??= setTimeout(flush, Math.max(1, last - performance.now()))
  }

  const wrapper = ((chunk: unknown, encoding?: BufferEncoding | ((err?: Error | null) => void), callback?: (err?: Error | null) => void) => {
    delayed ??= crosses(socket)
    if (!delayed) return write(chunk, encoding as BufferEncoding, callback)
    if (typeof encoding === 'function') { callback = encoding; encoding = undefined }
    const bytes = typeof chunk === 'string' ? Buffer.byteLength(chunk, encoding) : (chunk as Uint8Array).byteLength
    enqueue({ write: [chunk, encoding, callback], bytes })
    const below = queuedBytes + socket.writableLength < socket.writableHighWaterMark
    if (!below) owesDrain = true
    return below
  }) as Socket['write']
  Object.defineProperty(socket, 'write', { configurable: true, get: () => wrapper, set: (fn: Write) => { inner = fn } })
  socket.end = (...args: unknown[]) => {
    if (delayed !== true && queue.length === 0) return end(...args)
    enqueue({ end: args, bytes: 0 })
    return socket
  }
  socket.once('close', () => {
    clearTimeout(timer)
    waiting -= queue.length
    // Writes that never left: their callbacks hear of it, as a destroyed socket's would.
    for (const item of queue.splice(0)) item.write?.[2]?.(new Error('socket closed before the delayed write left'))
  })
}
