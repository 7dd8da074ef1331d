/**
 * Using the keys (issue 22): what seal + open, sign + verify, a secure
 * session's setup and a secure stream cost on two real keydir nodes over
 * TCP loopback, each beside what it is made of or what libp2p does without
 * keydir, measured in the same process in the same run.
 * Run: `npm run bench -- use-keys [--quick]`.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { createServer, connect, type AddressInfo, type Server } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { XWing } from '@hpke/hybridkem-x-wing'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { tcp } from '@libp2p/tcp'
import { multiaddrConnectionPair } from '@libp2p/utils'
import { createLibp2p } from 'libp2p'
import { selectPqCrypto } from '../src/crypto/index.js'
import { ENVELOPE_SIGNATURE_CONTEXT, marshalContent, NativeXWing } from '../src/envelope/index.js'
import { createKeyDirectory } from '../src/node/index.js'
import { benchOp, benchPaired, summarize, type BenchOptions, type BenchResult, type PairedResult, type Summary } from './lib/measure.js'
import { barChartSvg, benchCommand, benchEnvironment, fmt, progressBar, publishReport, type BenchReport, type Goal, type TableRow } from './lib/report.js'
import type { KeyDirectory } from '../src/node/index.js'
import type { ComponentLogger, Libp2p, Logger, Stream, Upgrader } from '@libp2p/interface'

interface Settings {
  /** seal + open and sign + verify against their raw operations, interleaved op by op. */
  paired: BenchOptions
  /** The raw operations alone, for the breakdown. */
  parts: BenchOptions
  /** Sessions opened (and the plain handshakes and dials they are compared with). */
  sessions: number
  /** Untimed seal + open and raw ops of each size before any is timed. */
  warmupMs: number
  /** Bytes sent one way per transfer, in SEND_BYTES sends. */
  transferBytes: number
  /** Transfers of each kind, interleaved. */
  transfers: number
}

const QUICK: Settings = {
  paired: { batches: 5, batchMs: 100, warmupMs: 100 },
  parts: { batches: 3, batchMs: 100, warmupMs: 50 },
  warmupMs: 300,
  sessions: 50,
  transferBytes: 8 * 2 ** 20,
  transfers: 3
}
const FULL: Settings = {
  paired: { batches: 12, batchMs: 400, warmupMs: 300 },
  parts: { batches: 5, batchMs: 200, warmupMs: 100 },
  warmupMs: 2000,
  sessions: 200,
  transferBytes: 64 * 2 ** 20,
  transfers: 5
}
const MESSAGE_SIZES = [32, 1024, 64 * 1024]
const SEND_BYTES = 64 * 1024
/** Issue 22's goals. */
const SEAL_GOAL = 0.8
const SESSION_GOAL = 2
const STREAM_GOAL = 0.8
const SECURE_PROTOCOL = '/keydir-bench/use-keys/1.0.0'
const SINK_PROTOCOL = '/keydir-bench/sink/1.0.0'
const PLAIN_SINK_PROTOCOL = '/keydir-bench/plain-sink/1.0.0'
const ML_DSA_65_SIGNATURE = 3309
/** What an X-Wing encapsulation adds to the signed bytes (enc, 1120) and the header around it, roughly. */
const SIGNED_OVERHEAD = 1120 + 2 * 40 + 30
const ACK = Uint8Array.of(1)
/** A transfer that has not finished after this has failed. */
const TRANSFER_TIMEOUT_MS = 60_000
/** The windowed transfers wait for the receiver's answer after each of these (at most a quarter of the transfer): less than one yamux stream window (16 MiB) in flight. */
const WINDOW_BYTES = 8 * 2 ** 20
/** Idle time after each timed setup. */
const SETTLE_MS = 5

/** libp2p's node inside a KeydirNode (the class createKeyDirectory returns): the connection both benches share. */
function libp2pOf (node: KeyDirectory): Libp2p {
  return (node as unknown as { libp2p: Libp2p }).libp2p
}

// ---------------------------------------------------------------- 1. seal + open against the raw operations

export interface SealRow {
  bytes: number
  /** a: the raw operations, b: seal + open. */
  paired: PairedResult
  /** raw time / seal + open time: the goal's throughput ratio. */
  throughputRatio: number
  sign: BenchResult
  verify: BenchResult
  aesGcm: BenchResult
}

interface RawParts {
  xwing: () => Promise<void>
  xwingJs: () => Promise<void>
  sign: (message: Uint8Array) => Promise<Uint8Array>
  verify: (message: Uint8Array, signature: Uint8Array) => Promise<boolean>
}

async function rawParts (): Promise<RawParts> {
  // The same classes seal and open use: keydir's NativeXWing on keydir's crypto, and its ML-DSA-65 signAsync / verifyAsync.
  const crypto = selectPqCrypto()
  const native = new NativeXWing(crypto)
  const nativePair = await native.generateKeyPair()
  const js = new XWing()
  const jsPair = await js.generateKeyPair()
  const signer = crypto.mlDsa65.createSigner(randomBytes(32))
  return {
    xwing: async () => {
      const { enc } = await native.encap({ recipientPublicKey: nativePair.publicKey })
      await native.decap({ enc, recipientKey: nativePair.privateKey })
    },
    xwingJs: async () => {
      const { enc } = await js.encap({ recipientPublicKey: jsPair.publicKey })
      await js.decap({ enc, recipientKey: jsPair.privateKey })
    },
    sign: async message => signer.signAsync(message, ENVELOPE_SIGNATURE_CONTEXT),
    verify: async (message, signature) => crypto.mlDsa65.verifyAsync(signer.publicKey, message, signature, ENVELOPE_SIGNATURE_CONTEXT)
  }
}

/** AES-256-GCM seal then open of `plaintext` with node:crypto, a fresh key and nonce each time. */
function aesGcmRoundTrip (plaintext: Uint8Array): void {
  const key = randomBytes(32)
  const iv = randomBytes(12)
  const cipher = createCipheriv('aes-256-gcm', key, iv)
  const sealed = Buffer.concat([cipher.update(plaintext), cipher.final()])
  const tag = cipher.getAuthTag()
  const decipher = createDecipheriv('aes-256-gcm', key, iv)
  decipher.setAuthTag(tag)
  Buffer.concat([decipher.update(sealed), decipher.final()])
}

async function sealRows (a: KeyDirectory, b: KeyDirectory, parts: RawParts, settings: Settings, step: () => void): Promise<SealRow[]> {
  const ops = MESSAGE_SIZES.map(bytes => {
    const data = randomBytes(bytes)
    // What seal signs (header, enc, seq, data) and what it encrypts (the SealedContent: seq, signature, data).
    const signed = randomBytes(bytes + SIGNED_OVERHEAD)
    const content = marshalContent({ senderSeq: 1, signature: new Uint8Array(ML_DSA_65_SIGNATURE), data })
    const raw = async (): Promise<void> => {
      await parts.xwing()
      const sig = await parts.sign(signed)
      aesGcmRoundTrip(content)
      if (!await parts.verify(signed, sig)) throw new Error('raw verify failed')
    }
    const sealOpen = async (): Promise<void> => {
      const opened = await b.open(await a.seal(b.peerId, data))
      if (opened.data.length !== bytes) throw new Error('open returned other bytes')
    }
    return { bytes, signed, content, raw, sealOpen }
  })
  // Both paths warm over every size before any is timed: the first size timed would otherwise carry the JIT's warm-up.
  for (const { raw, sealOpen } of ops) {
    const until = performance.now() + settings.warmupMs
    while (performance.now() < until) {
      await raw()
      await sealOpen()
    }
  }
  const rows: SealRow[] = []
  for (const { bytes, signed, content, raw, sealOpen } of ops) {
    const signature = await parts.sign(signed)
    const paired = await benchPaired(`raw (${bytes} B)`, raw, `seal + open (${bytes} B)`, sealOpen, settings.paired)
    step()
    const sign = await benchOp(`ML-DSA-65 signAsync (${signed.length} B)`, async () => parts.sign(signed), settings.parts)
    const verify = await benchOp(`ML-DSA-65 verifyAsync (${signed.length} B)`, async () => parts.verify(signed, signature), settings.parts)
    const aesGcm = await benchOp(`AES-256-GCM seal + open (${content.length} B)`, () => { aesGcmRoundTrip(content) }, settings.parts)
    step()
    rows.push({ bytes, paired, throughputRatio: 1 / paired.timeRatio, sign, verify, aesGcm })
  }
  return rows
}

// ---------------------------------------------------------------- 2. session setup against a plain Noise handshake

/** A logger that logs nothing, for libp2p-noise built outside a node. */
function silentComponentLogger (): ComponentLogger {
  const log = Object.assign(() => {}, { enabled: false, error: () => {}, trace: () => {}, newScope: () => log }) as unknown as Logger
  return { forComponent: () => log }
}

/** One timed operation of a kind, in ms, and what to close when done. */
interface Timed { once: () => Promise<number>, close: () => Promise<void> }

/** libp2p-noise's XX handshake alone: secureOutbound / secureInbound over an in-memory connection pair, both in this process. */
async function noiseHandshake (): Promise<Timed> {
  const make = async (): Promise<ReturnType<ReturnType<typeof noise>> & { peerId: ReturnType<typeof peerIdFromPrivateKey> }> => {
    const privateKey = await generateKeyPair('Ed25519')
    const peerId = peerIdFromPrivateKey(privateKey)
    const upgrader = { getStreamMuxers: () => new Map() } as unknown as Upgrader
    return Object.assign(noise()({ peerId, privateKey, logger: silentComponentLogger(), upgrader }), { peerId })
  }
  const initiator = await make()
  const responder = await make()
  return {
    once: async () => {
      const [outbound, inbound] = multiaddrConnectionPair()
      const start = performance.now()
      await Promise.all([
        initiator.secureOutbound(outbound, { remotePeer: responder.peerId, skipStreamMuxerNegotiation: true }),
        responder.secureInbound(inbound, { skipStreamMuxerNegotiation: true })
      ])
      const ms = performance.now() - start
      outbound.abort(new Error('done'))
      inbound.abort(new Error('done'))
      return ms
    },
    close: async () => {}
  }
}

/** Fresh dials between two bare libp2p nodes (TCP, Noise XX, yamux): connection returned, then closed. */
async function plainDial (): Promise<Timed> {
  const make = async (): Promise<Libp2p> => createLibp2p({
    addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    connectionManager: { inboundConnectionThreshold: 100_000, maxIncomingPendingConnections: 1000 },
    connectionMonitor: { enabled: false }
  })
  const x = await make()
  const y = await make()
  const address = y.getMultiaddrs()[0]
  return {
    once: async () => {
      const start = performance.now()
      const connection = await x.dial(address)
      const ms = performance.now() - start
      await connection.close()
      return ms
    },
    close: async () => {
      await x.stop()
      await y.stop()
    }
  }
}

/** Plaintext TCP connects on loopback: the floor under a libp2p dial. */
async function tcpConnect (): Promise<Timed> {
  const server: Server = createServer(socket => { socket.on('error', () => {}); socket.end() })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    once: async () => {
      const start = performance.now()
      const socket = connect(port, '127.0.0.1')
      await new Promise<void>((resolve, reject) => { socket.once('connect', resolve); socket.once('error', reject) })
      const ms = performance.now() - start
      socket.destroy()
      return ms
    },
    close: async () => { await new Promise(resolve => server.close(resolve)) }
  }
}

function sessionSetup (a: KeyDirectory, b: KeyDirectory): Timed {
  return {
    once: async () => {
      const start = performance.now()
      const stream = await a.dialSecure(b.peerId, SECURE_PROTOCOL, { signal: AbortSignal.timeout(10_000) })
      const ms = performance.now() - start
      await stream.close()
      return ms
    },
    close: async () => {}
  }
}

export interface SetupTimes { session: number[], noise: number[], dial: number[], tcp: number[] }

/** The four kinds of setup in turn, which goes first rotating, so that machine noise falls on all alike; 10 of each untimed first. */
async function setups (a: KeyDirectory, b: KeyDirectory, count: number, step: () => void): Promise<SetupTimes> {
  const kinds: Array<[keyof SetupTimes, Timed]> = [['session', sessionSetup(a, b)], ['noise', await noiseHandshake()], ['dial', await plainDial()], ['tcp', await tcpConnect()]]
  const times: SetupTimes = { session: [], noise: [], dial: [], tcp: [] }
  try {
    for (let i = 0; i < count + 10; i++) {
      for (let k = 0; k < kinds.length; k++) {
        const [kind, timed] = kinds[(i + k) % kinds.length]
        const ms = await timed.once()
        if (i >= 10) times[kind].push(ms)
        // The closes finish on both ends before the next kind is timed, so that no kind pays for another's cleanup.
        await new Promise(resolve => setTimeout(resolve, SETTLE_MS))
      }
      if ((i + 1) % Math.ceil((count + 10) / 4) === 0) step()
    }
  } finally {
    for (const [, timed] of kinds) await timed.close()
  }
  return times
}

// ---------------------------------------------------------------- 3. secure stream against a plain stream

/** What the receiver expects: `total` bytes, answered with one byte after each `window` of them. */
interface TransferPlan { total: number, window: number }

/** Reads the plan's bytes, answering one byte after each window, and reads on until the sender closes. */
async function sink (stream: Stream, plan: () => TransferPlan): Promise<void> {
  const { total, window } = plan()
  let got = 0
  let acked = 0
  for await (const chunk of stream) {
    got += chunk.byteLength
    while (acked < total && got >= Math.min(total, acked + window)) {
      acked = Math.min(total, acked + window)
      stream.send(ACK)
    }
  }
  await stream.close()
}

/** Bytes per second of one one-way transfer: first send to the receiver's answer that it has every byte. */
async function transfer (stream: Stream, { total, window }: TransferPlan): Promise<number> {
  const chunk = randomBytes(SEND_BYTES)
  const reader = stream[Symbol.asyncIterator]()
  const signal = AbortSignal.timeout(TRANSFER_TIMEOUT_MS)
  const start = performance.now()
  for (let sent = 0; sent < total;) {
    const windowEnd = Math.min(total, sent + window)
    for (; sent < windowEnd; sent += SEND_BYTES) {
      if (!stream.send(chunk)) await stream.onDrain({ signal })
    }
    const answer = await Promise.race([reader.next(), new Promise<never>((_resolve, reject) => { signal.addEventListener('abort', () => { reject(new Error('no answer in time')) }) })])
    if (answer.done === true) throw new Error(`the receiver closed after ${sent} bytes were sent, without answering`)
  }
  const seconds = (performance.now() - start) / 1000
  await stream.close()
  return total / seconds
}

export interface TransferRun {
  kind: 'secure' | 'plain'
  /** Bytes per second, or undefined when it failed. */
  rate?: number
  error?: string
  cpuUs: number
}

export interface StreamResult {
  plan: TransferPlan
  runs: TransferRun[]
  connections: number
}

async function streams (a: KeyDirectory, b: KeyDirectory, settings: Settings, plan: TransferPlan, step: () => void): Promise<StreamResult> {
  const current = (): TransferPlan => plan
  const suffix = plan.window < plan.total ? 'windowed' : 'once'
  const secureProtocol = `${SINK_PROTOCOL}/${suffix}`
  const plainProtocol = `${PLAIN_SINK_PROTOCOL}/${suffix}`
  await b.handleSecure(secureProtocol, async stream => { await sink(stream, current) })
  await libp2pOf(b).handle(plainProtocol, async stream => { await sink(stream, current) })
  const aLibp2p = libp2pOf(a)
  const runs: TransferRun[] = []
  const measure = async (kind: 'secure' | 'plain'): Promise<void> => {
    const cpuStart = process.cpuUsage()
    let stream: Stream | undefined
    try {
      stream = kind === 'secure'
        ? await a.dialSecure(b.peerId, secureProtocol, { signal: AbortSignal.timeout(10_000) })
        : await aLibp2p.dialProtocol(b.peerId, plainProtocol, { signal: AbortSignal.timeout(10_000) })
      const rate = await transfer(stream, plan)
      const used = process.cpuUsage(cpuStart)
      runs.push({ kind, rate, cpuUs: used.user + used.system })
    } catch (err) {
      stream?.abort(err as Error)
      const used = process.cpuUsage(cpuStart)
      runs.push({ kind, error: `${(err as Error).name}: ${(err as Error).message}`, cpuUs: used.user + used.system })
    }
  }
  // One untimed transfer of each, then the two kinds in turn, which goes first alternating.
  await measure('secure')
  await measure('plain')
  runs.length = 0
  for (let i = 0; i < settings.transfers; i++) {
    const order: Array<'secure' | 'plain'> = i % 2 === 0 ? ['secure', 'plain'] : ['plain', 'secure']
    for (const kind of order) await measure(kind)
    step()
  }
  return { plan, runs, connections: aLibp2p.getConnections(b.peerId).length }
}

interface StreamSummary { rate: Summary, done: number, failed: number, cpuMsPerMiB: number, errors: string[] }

function summarizeStreams (result: StreamResult, kind: 'secure' | 'plain'): StreamSummary {
  const runs = result.runs.filter(run => run.kind === kind)
  const done = runs.filter(run => run.rate !== undefined)
  const mib = done.length * result.plan.total / 2 ** 20
  return {
    rate: summarize(done.map(run => run.rate as number)),
    done: done.length,
    failed: runs.length - done.length,
    cpuMsPerMiB: done.reduce((sum, run) => sum + run.cpuUs, 0) / 1000 / mib,
    errors: [...new Set(runs.flatMap(run => run.error === undefined ? [] : [run.error]))]
  }
}

// ---------------------------------------------------------------- the bench

interface Started { node: KeyDirectory, dir: string }

async function startNode (bootstrap: KeyDirectory | undefined): Promise<Started> {
  const dir = await mkdtemp(join(tmpdir(), 'keydir-bench-use-keys-'))
  const node = await createKeyDirectory({ dataDir: dir, discoverOnConnect: false, bootstrap: bootstrap === undefined ? [] : [bootstrap.anchorEntry()] })
  await node.start()
  return { node, dir }
}

export async function runUseKeysBench (opts: { quick: boolean }): Promise<BenchReport> {
  const settings = opts.quick ? QUICK : FULL
  const progress = progressBar('use-keys', MESSAGE_SIZES.length * 2 + 2 + 4 + 2 * settings.transfers)
  const step = (): void => { progress.increment() }
  const started: Started[] = []
  try {
    const first = await startNode(undefined)
    started.push(first)
    const second = await startNode(first.node)
    started.push(second)
    const a = first.node
    const b = second.node
    // Each knows the other before anything is measured: seal, open, verify and the session resolve from the registry.
    await b.resolve(a.peerId)
    await a.resolve(b.peerId)
    // Sessions only opened and closed: the handler closes its side when A closes.
    await b.handleSecure(SECURE_PROTOCOL, async stream => { await sink(stream, () => ({ total: Infinity, window: Infinity })) })

    const parts = await rawParts()
    const seal = await sealRows(a, b, parts, settings, step)
    const data = randomBytes(1024)
    const nodeSigned = await a.sign(data)
    const rawSignature = await parts.sign(data)
    const signVerify = await benchPaired('raw signAsync + verifyAsync (1 KiB)', async () => {
      await parts.verify(data, await parts.sign(data))
    }, 'node.sign + node.verify (1 KiB)', async () => {
      const check = await b.verify(a.peerId, data, await a.sign(data))
      if (!check.current) throw new Error('node.verify refused')
    }, settings.paired)
    step()
    const xwing = await benchOp('X-Wing encap + decap (keydir NativeXWing)', parts.xwing, settings.parts)
    const xwingJs = await benchOp('X-Wing encap + decap (@hpke/hybridkem-x-wing, pure JS)', parts.xwingJs, { ...settings.parts, batchMs: settings.parts.batchMs * 2 })
    step()
    const nodeVerifyAlone = await benchOp('node.verify alone (1 KiB)', async () => b.verify(a.peerId, data, nodeSigned), settings.parts)
    const rawVerifyAlone = await benchOp('raw verifyAsync alone (1 KiB)', async () => parts.verify(data, rawSignature), settings.parts)

    const setupTimes = await setups(a, b, settings.sessions, step)
    const sessionMs = summarize(setupTimes.session)
    const noiseMs = summarize(setupTimes.noise)
    const dialMs = summarize(setupTimes.dial)
    const tcpMs = summarize(setupTimes.tcp)
    const stream = await streams(a, b, settings, { total: settings.transferBytes, window: settings.transferBytes }, step)
    const windowed = await streams(a, b, settings, { total: settings.transferBytes, window: Math.min(WINDOW_BYTES, settings.transferBytes / 4) }, step)
    progress.stop()

    return await report(opts.quick, settings, { seal, signVerify, xwing, xwingJs, nodeVerifyAlone, rawVerifyAlone, sessionMs, noiseMs, dialMs, tcpMs, stream, windowed })
  } finally {
    progress.stop()
    for (const { node, dir } of started.reverse()) {
      await node.stop().catch(() => {})
      await rm(dir, { recursive: true, force: true })
    }
  }
}

interface Measured {
  seal: SealRow[]
  signVerify: PairedResult
  xwing: BenchResult
  xwingJs: BenchResult
  nodeVerifyAlone: BenchResult
  rawVerifyAlone: BenchResult
  sessionMs: Summary
  noiseMs: Summary
  dialMs: Summary
  tcpMs: Summary
  stream: StreamResult
  windowed: StreamResult
}

function sizeLabel (bytes: number): string {
  return bytes >= 1024 ? `${bytes / 1024} KiB` : `${bytes} B`
}

async function report (quick: boolean, settings: Settings, m: Measured): Promise<BenchReport> {
  const us = (v: number): string => fmt.dec(v)
  const opRow = (operation: string, r: BenchResult & { cpuUsPerOp?: number }, ratio: string): TableRow => ({
    operation, 'ops/s': fmt.int(r.opsPerSecond), 'p50 µs': us(r.medianUs), 'p95 µs': us(r.p95Us), 'CPU µs/op': r.cpuUsPerOp === undefined ? '-' : us(r.cpuUsPerOp), 'raw / this (throughput)': ratio
  })
  const sealTable: TableRow[] = []
  for (const row of m.seal) {
    sealTable.push(opRow(`raw ops, ${sizeLabel(row.bytes)}: X-Wing encap + decap, ML-DSA-65 sign + verify, AES-256-GCM seal + open`, row.paired.a, '1.00x'))
    sealTable.push(opRow(`node: a.seal(b) + b.open, ${sizeLabel(row.bytes)}`, row.paired.b, fmt.ratio(row.throughputRatio)))
  }
  sealTable.push(opRow('raw: ML-DSA-65 signAsync + verifyAsync, 1 KiB', m.signVerify.a, '1.00x'))
  sealTable.push(opRow('node: a.sign + b.verify(a), 1 KiB', m.signVerify.b, fmt.ratio(1 / m.signVerify.timeRatio)))

  const partsTable: TableRow[] = [
    { operation: 'X-Wing encap + decap, keydir NativeXWing (as seal / open use it)', 'p50 µs': us(m.xwing.medianUs), 'p95 µs': us(m.xwing.p95Us), 'ops/s': fmt.int(m.xwing.opsPerSecond) },
    { operation: 'X-Wing encap + decap, @hpke/hybridkem-x-wing XWing (pure JS, reference)', 'p50 µs': us(m.xwingJs.medianUs), 'p95 µs': us(m.xwingJs.p95Us), 'ops/s': fmt.int(m.xwingJs.opsPerSecond) },
    ...m.seal.flatMap(row => [
      { operation: `ML-DSA-65 signAsync, ${sizeLabel(row.bytes)} message (+ header and enc)`, 'p50 µs': us(row.sign.medianUs), 'p95 µs': us(row.sign.p95Us), 'ops/s': fmt.int(row.sign.opsPerSecond) },
      { operation: `ML-DSA-65 verifyAsync, ${sizeLabel(row.bytes)} message (+ header and enc)`, 'p50 µs': us(row.verify.medianUs), 'p95 µs': us(row.verify.p95Us), 'ops/s': fmt.int(row.verify.opsPerSecond) },
      { operation: `AES-256-GCM seal + open, ${sizeLabel(row.bytes)} message (+ signature)`, 'p50 µs': us(row.aesGcm.medianUs), 'p95 µs': us(row.aesGcm.p95Us), 'ops/s': fmt.int(row.aesGcm.opsPerSecond) }
    ]),
    { operation: 'raw verifyAsync alone, 1 KiB', 'p50 µs': us(m.rawVerifyAlone.medianUs), 'p95 µs': us(m.rawVerifyAlone.p95Us), 'ops/s': fmt.int(m.rawVerifyAlone.opsPerSecond) },
    { operation: 'node.verify alone (registry resolve + verifyAsync), 1 KiB', 'p50 µs': us(m.nodeVerifyAlone.medianUs), 'p95 µs': us(m.nodeVerifyAlone.p95Us), 'ops/s': fmt.int(m.nodeVerifyAlone.opsPerSecond) }
  ]

  const noiseOnlyUpper = m.dialMs.p50 - m.tcpMs.p50
  const msRow = (what: string, s: Summary, ratio: string): TableRow => ({ what, samples: s.count, 'p50 ms': fmt.ms(s.p50), 'p95 ms': fmt.ms(s.p95), 'max ms': fmt.ms(s.max), 'session p50 / this p50': ratio })
  const sessionTable: TableRow[] = [
    msRow('keydir: a.dialSecure(b) on the open connection, to the stream returned', m.sessionMs, '1.00x'),
    msRow('libp2p-noise XX handshake alone (secureOutbound + secureInbound, in memory)', m.noiseMs, fmt.ratio(m.sessionMs.p50 / m.noiseMs.p50)),
    msRow('bare libp2p fresh dial (TCP connect, Noise XX, yamux), to the connection returned', m.dialMs, fmt.ratio(m.sessionMs.p50 / m.dialMs.p50)),
    msRow('plaintext TCP connect on loopback', m.tcpMs, '-'),
    { what: 'fresh dial p50 minus TCP connect p50 (Noise + multistream-select + yamux)', samples: '-', 'p50 ms': fmt.ms(noiseOnlyUpper), 'p95 ms': '-', 'max ms': '-', 'session p50 / this p50': fmt.ratio(m.sessionMs.p50 / noiseOnlyUpper) }
  ]

  const mibs = (v: number): string => fmt.dec(v / 2 ** 20)
  const streamRows = (result: StreamResult, how: string): TableRow[] => {
    const plain = summarizeStreams(result, 'plain')
    const secure = summarizeStreams(result, 'secure')
    const row = (stream: string, r: StreamSummary, ratio: string): TableRow => ({
      stream,
      sent: how,
      'done / failed': `${r.done} / ${r.failed}`,
      'MiB/s p50': mibs(r.rate.p50),
      'MiB/s min': mibs(r.rate.min),
      'MiB/s max': mibs(r.rate.max),
      'CPU ms/MiB': fmt.dec(r.cpuMsPerMiB, 2),
      'x plain': ratio
    })
    return [
      row('libp2p stream (dialProtocol: yamux over Noise)', plain, '1.00x'),
      row('keydir SecureStream (dialSecure: its frames in a yamux stream over Noise)', secure, secure.done === 0 ? 'failed' : fmt.ratio(secure.rate.p50 / plain.rate.p50))
    ]
  }
  const oneWay = { plain: summarizeStreams(m.stream, 'plain'), secure: summarizeStreams(m.stream, 'secure') }
  const windowed = { plain: summarizeStreams(m.windowed, 'plain'), secure: summarizeStreams(m.windowed, 'secure') }
  const oneWayRatio = oneWay.secure.done === 0 ? Number.NaN : oneWay.secure.rate.p50 / oneWay.plain.rate.p50
  const windowedRatio = windowed.secure.rate.p50 / windowed.plain.rate.p50
  const streamTable: TableRow[] = [
    ...streamRows(m.stream, `${fmt.mib(settings.transferBytes)} MiB at once`),
    ...streamRows(m.windowed, `${fmt.mib(settings.transferBytes)} MiB, answer every ${fmt.mib(m.windowed.plan.window)} MiB`)
  ]
  const streamErrors = [...new Set([...oneWay.secure.errors, ...oneWay.plain.errors, ...windowed.secure.errors, ...windowed.plain.errors])]

  const goals: Goal[] = [
    ...m.seal.map(row => ({
      goal: `use-keys: seal + open throughput / raw operations' throughput, ${sizeLabel(row.bytes)}`,
      target: `>= ${SEAL_GOAL}x`,
      measured: `${fmt.ratio(row.throughputRatio)} (${fmt.int(row.paired.b.opsPerSecond)} / ${fmt.int(row.paired.a.opsPerSecond)} per s)`,
      met: row.throughputRatio >= SEAL_GOAL
    })),
    {
      goal: 'use-keys: node.sign + node.verify throughput / raw sign + verify, 1 KiB',
      target: `>= ${SEAL_GOAL}x`,
      measured: `${fmt.ratio(1 / m.signVerify.timeRatio)} (${fmt.int(m.signVerify.b.opsPerSecond)} / ${fmt.int(m.signVerify.a.opsPerSecond)} per s)`,
      met: 1 / m.signVerify.timeRatio >= SEAL_GOAL
    },
    {
      goal: 'use-keys: secure-session setup p50 on an open connection / libp2p-noise XX handshake p50',
      target: `<= ${SESSION_GOAL}x`,
      measured: `${fmt.ratio(m.sessionMs.p50 / m.noiseMs.p50)} (${fmt.ms(m.sessionMs.p50)} / ${fmt.ms(m.noiseMs.p50)} ms)`,
      met: m.sessionMs.p50 / m.noiseMs.p50 <= SESSION_GOAL
    },
    {
      goal: `use-keys: SecureStream throughput / libp2p stream on the same connection, ${fmt.mib(settings.transferBytes)} MiB one way`,
      target: `>= ${STREAM_GOAL}x, none failed`,
      measured: oneWay.secure.failed > 0
        ? `${oneWay.secure.failed} of ${oneWay.secure.done + oneWay.secure.failed} failed; ${fmt.ratio(oneWayRatio)} of those done; ${fmt.ratio(windowedRatio)} answered every ${fmt.mib(m.windowed.plan.window)} MiB`
        : `${fmt.ratio(oneWayRatio)} (${mibs(oneWay.secure.rate.p50)} / ${mibs(oneWay.plain.rate.p50)} MiB/s)`,
      met: oneWay.secure.failed === 0 && oneWay.plain.failed === 0 && oneWayRatio >= STREAM_GOAL
    }
  ]

  const result: BenchReport = {
    name: 'use-keys',
    title: 'Using the keys: seal, sign, sessions and streams against what they are made of',
    command: benchCommand('use-keys', quick),
    quick,
    environment: benchEnvironment(),
    tables: [
      {
        title: 'Sealed envelopes and signatures through two nodes, against the raw operations, interleaved op by op',
        rows: sealTable,
        notes: [
          'Two keydir nodes in this process over TCP loopback, each having resolved the other first (registry hits). "node" rows: A seals to B and B opens (resolve of B, X-Wing encapsulation, HPKE key schedule, ML-DSA-65 signAsync, AES-256-GCM; then decode, X-Wing decapsulation, key schedule, AES-256-GCM, resolve of A, verifyAsync); sign + verify: a.sign, b.verify(a.peerId).',
          'Raw: the same primitives with nothing around them, in the same process: keydir\'s NativeXWing encap + decap (the class seal and open use), keydir\'s ML-DSA-65 signAsync + verifyAsync (node:crypto on the thread pool, as seal and open call them) over a message of the size seal signs (data + about 1.2 KB of header and enc), and node:crypto AES-256-GCM seal + open of the SealedContent\'s size (data + the 3309-byte signature).',
          `Raw and node ops alternate one by one (which goes first alternating), each awaited, in ${settings.paired.batches} batches of ${settings.paired.batchMs} ms: "raw / this" is the median over batches of the raw ops' time over the node ops' time (the goal's throughput ratio); ops/s is the median over batches; p50 / p95 are per op; CPU µs/op is process CPU (user + system, all threads) over the op.`
        ]
      },
      {
        title: 'The raw operations alone (per op)',
        rows: partsTable,
        notes: ['The pure-JS X-Wing of @hpke/hybridkem-x-wing is for reference: keydir does not use it (x-wing.ts replaces its ML-KEM and X25519 with node:crypto).']
      },
      {
        title: 'Secure-session setup against a plain libp2p Noise handshake',
        rows: sessionTable,
        notes: [
          `${m.sessionMs.count} of each after 10 untimed, the four kinds in turn (which goes first rotating), each closed and followed by ${SETTLE_MS} ms idle so that its cleanup is not timed in the next. keydir: a.dialSecure(b) with the connection open and b resolved: a yamux stream and its multistream-select, the NNhfs handshake (X25519 + ML-KEM-768, two ML-DSA-65 signatures and two verifies, four messages), to the SecureStream returned; each is closed before the next.`,
          'Goal denominator: libp2p-noise 17\'s XX handshake alone (Ed25519 identities, the same code a libp2p dial runs), secureOutbound and secureInbound over @libp2p/utils\' in-memory multiaddrConnectionPair, both ends in this process, no muxer negotiation: the handshake\'s cost without sockets. The fresh dial of two bare libp2p 3 nodes (@libp2p/tcp, @chainsafe/libp2p-noise, @chainsafe/libp2p-yamux, the versions keydir uses) adds the TCP connect, multistream-select for Noise and yamux, and the muxer; the dial minus a plaintext TCP connect bounds the upgrade from above.'
        ]
      },
      {
        title: 'Secure-stream throughput against a libp2p stream on the same connection',
        rows: streamTable,
        notes: [
          `${settings.transfers} transfers of each kind (after one untimed of each), the kinds alternating: A sends ${fmt.mib(settings.transferBytes)} MiB in ${SEND_BYTES / 1024} KiB sends (waiting for drain when send() says so) on a new stream; B reads until it has every byte and answers one byte; the rate is bytes over first send to answer. "answer every": B also answers after each window and A waits for it before sending the next, so that less than a yamux stream window is ever in flight. Both kinds on the one libp2p connection between A and B (${m.stream.connections} open at the end). CPU is the process's (both ends, one event loop) per MiB of the transfers done.`,
          ...streamErrors.map(error => `failed with: ${error}`)
        ]
      }
    ],
    goals,
    data: { settings, sizes: MESSAGE_SIZES, ...m }
  }
  const svg = barChartSvg({
    title: 'Using the keys: node against raw (ops/s, higher is better)',
    unit: 'ops per second (median of batches)',
    groups: [
      ...m.seal.map(row => ({
        label: `seal + open ${sizeLabel(row.bytes)}`,
        bars: [
          { series: 'raw operations', value: row.paired.a.opsPerSecond, label: `${fmt.int(row.paired.a.opsPerSecond)}/s` },
          { series: 'through the node', value: row.paired.b.opsPerSecond, label: `${fmt.int(row.paired.b.opsPerSecond)}/s (${fmt.ratio(row.throughputRatio)})` }
        ]
      })),
      {
        label: 'sign + verify 1 KiB',
        bars: [
          { series: 'raw operations', value: m.signVerify.a.opsPerSecond, label: `${fmt.int(m.signVerify.a.opsPerSecond)}/s` },
          { series: 'through the node', value: m.signVerify.b.opsPerSecond, label: `${fmt.int(m.signVerify.b.opsPerSecond)}/s (${fmt.ratio(1 / m.signVerify.timeRatio)})` }
        ]
      },
      {
        label: 'session setups',
        bars: [
          { series: 'raw operations', value: 1000 / m.noiseMs.p50, label: `Noise XX ${fmt.ms(m.noiseMs.p50)} ms p50` },
          { series: 'through the node', value: 1000 / m.sessionMs.p50, label: `dialSecure ${fmt.ms(m.sessionMs.p50)} ms p50` }
        ]
      }
    ]
  })
  await publishReport(result, svg)
  return result
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await runUseKeysBench({ quick: process.argv.includes('--quick') })
}
