/**
 * One process of a bench network: it starts nodes (keydir or IPNS), runs the
 * resolves the coordinator (bench/network.ts) asks for, one at a time, and
 * reports their timings, its CPU time, the bytes its TCP sockets wrote and
 * its memory. Nodes of one network may be spread over several such
 * processes; they find each other over loopback TCP like any peers.
 *
 * In the hosts bench (bench/hosts.ts) the process runs inside a network
 * namespace, and three environment variables set its host: its nodes listen on
 * KEYDIR_BENCH_LISTEN_IP (default 127.0.0.1), KEYDIR_BENCH_RTT_MS delays
 * its writes towards other hosts (netns/link-delay.ts), and its nodes' data
 * goes under KEYDIR_BENCH_NODES_DIR (default the system's temp directory).
 */
import { subscribe } from 'node:diagnostics_channel'
import { rmSync } from 'node:fs'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { Session } from 'node:inspector/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey, peerIdFromString } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { LevelDatastore } from 'datastore-level'
import { createIPNSRecord, marshalIPNSRecord, multihashToIPNSRoutingKey, unmarshalIPNSRecord } from 'ipns'
import { ipnsSelector } from 'ipns/selector'
import { ipnsValidator } from 'ipns/validator'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { sha256 } from 'multiformats/hashes/sha2'
import { fingerprint } from '../../src/crypto/index.js'
import { DHT_PROTOCOL, dhtRecordKey, type AskPeer } from '../../src/dht/index.js'
import { HopCount, type Hops } from './hops.js'
import { createKeyDirectory, libp2pOf } from '../../src/node/index.js'
import { CachedPeerDatastore } from '../../src/node/cached-peer-datastore.js'
import { buildLibp2p, DEFAULT_MAX_CONNECTIONS, type BaseLibp2p } from '../../src/node/libp2p.js'
import { routingKeyFor } from '../../src/record/index.js'
import { Resolver } from '../../src/resolver/index.js'
import { delayLinks, pendingWrites } from './netns/link-delay.js'
import { kadIdOf, keyNear, startStaleDhtNode, type Placement, type StaleDhtNode, type StaleDhtStats } from '../../test/helpers/stale-dht-node.js'
import type { AnchorEntry, KeyDirectory, KeyDirectoryOptions, ResolveProgressEvents } from '../../src/node/index.js'
import type { PeerId } from '@libp2p/interface'
import type { DHTProgressEvents, SelectFn, ValidateFn } from '@libp2p/kad-dht'
import type { Datastore } from 'interface-datastore'
import type { Socket } from 'node:net'

/** Tries of an IPNS node's first dial to the anchor. */
const ANCHOR_DIAL_ATTEMPTS = 5
/** Where this process's nodes keep their data: the hosts bench's run directory, which its teardown removes even when it kills this process. */
const NODES_DIR = process.env.KEYDIR_BENCH_NODES_DIR ?? tmpdir()
/** Where this process's nodes listen: loopback, or its host's address in the hosts bench. */
const LISTEN = [`/ip4/${process.env.KEYDIR_BENCH_LISTEN_IP ?? '127.0.0.1'}/tcp/0`]
if (process.env.KEYDIR_BENCH_RTT_MS !== undefined) delayLinks({ rttMs: Number(process.env.KEYDIR_BENCH_RTT_MS) })

export type NetworkKind = 'keydir' | 'ipns'
/** How a resolve goes: through the DHT (keydir with the direct path off; IPNS), or keydir's direct exchange with the DHT path off. */
/** dht: a first contact (keydir) or a cold get (IPNS); refresh: keydir's lookup of a pinned peer (resolve with refresh); direct: the exchange. */
export type ResolvePath = 'dht' | 'refresh' | 'direct'

export interface NodeInfo {
  peerId: string
  multiaddr: string
  /** keydir: hex SHA-256 of the ML-DSA-65 key; IPNS: the record's value. Checked against what a resolve returns. */
  expected: string
  /** createKeyDirectory + start (keydir), or key + datastore + libp2p + start + dial + sign (IPNS). */
  startMs: number
  /** What `expected` was before each rotation (bench/hostile.ts): a resolve that returns one of these got a stale record. */
  previous?: string[]
}

/** A stale-serving hostile DHT node as the other processes name it (bench/hostile.ts). */
export interface StaleInfo {
  peerId: string
  multiaddrs: string[]
}

export interface Usage {
  cpuUs: number
  bytesWritten: number
  /** TCP connections this process's nodes dialled. */
  dials: number
  /** DHT requests this process's nodes received (kad-dht's RPC handler: GET_VALUE, PUT_VALUE, FIND_NODE, ...). */
  dhtMessages: number
  rss: number
  heapUsed: number
  at: number
}

export interface ResolveOutcome {
  ok: boolean
  /** Until the resolve returned (keydir: node.resolve; IPNS: dht.get finished its query). */
  totalMs: number
  /** Until the first valid record arrived from any node, this node's own DHT store included (undefined for the direct path). */
  firstAnyMs?: number
  /** Until the first valid record arrived from another node (may come after a keydir resolve returned; undefined when none came). */
  firstOtherMs?: number
  /** The first valid record came from this node's own DHT store (it is one of the K closest to the key). */
  ownStore?: boolean
  /** Until the DHT query started (keydir: after the registry and pin reads). */
  queryStartMs?: number
  /** keydir's first contact: until its quorum of valid answers over disjoint paths was in (its keydir:dht:quorum event); it then only takes the answers in flight. */
  quorumMs?: number
  /** The answer that brought the first valid record from another node, step by step. */
  firstOtherAnswer?: AnswerSteps
  /** The resolve returned a record the target had replaced (one of its `previous` values). */
  stale?: boolean
  /** Hops, counted the same way in both networks (bench/lib/hops.ts). */
  hops?: Hops
  error?: string
}

/** One answer of a lookup, timed from the kad-dht events of its query. */
export interface AnswerSteps {
  /** From the resolve's start to the answer's arrival (its peer-response event). */
  arrivalMs: number
  /** From the query's stream opening (its dial-peer event: a dial when not connected) to its send. */
  openMs?: number
  /** From the query's send to the answer's arrival. */
  rttMs?: number
  /** Queries sent and answers received before this answer arrived: how far the lookup went before it. */
  sentBefore: number
  responsesBefore: number
}

export type HostCommand =
  /**
   * paceMs: start a node at most this often (the hosts bench's join pacing), default as fast as they start.
   * anchorMaxConnections: the connection limit of the anchor, when this process starts it (no `anchor` given).
   */
  | { op: 'start', kind: NetworkKind, count: number, anchor?: AnchorEntry, paceMs?: number, anchorMaxConnections?: number }
  /** concurrency: publishes in flight at once in this process. */
  | { op: 'publish', concurrency: number }
  | { op: 'usage', gc?: boolean }
  | { op: 'routing' }
  | { op: 'connections' }
  | { op: 'quiet', maxMs: number, busyFraction: number }
  | { op: 'profile', action: 'start' } | { op: 'profile', action: 'stop', path: string }
  | { op: 'connect', from: number, target: NodeInfo, timeoutMs: number }
  | { op: 'resolve', from: number, target: NodeInfo, path: ResolvePath, timeoutMs: number }
  | { op: 'holders', target: NodeInfo }
  | { op: 'rotate', index: number }
  | { op: 'join', kind: NetworkKind, count: number, anchor: AnchorEntry, options?: Partial<KeyDirectoryOptions> }
  | { op: 'stale-start', kind: NetworkKind, bootstrap: string[], placement: Placement, near: string[], nearBits: number, count: number }
  | { op: 'stale-set', accomplices: StaleInfo[] }
  | { op: 'stale-capture', kind: NetworkKind, targets: string[] }
  | { op: 'stale-freeze' }
  | { op: 'stale-stats' }
  | { op: 'stop' }

// Every TCP socket of this process, to sum the bytes written on the wire.
const sockets = new Set<Socket>()
let closedBytes = 0
let dials = 0
let dhtMessages = 0
const track = ({ socket }: { socket: Socket }): void => {
  sockets.add(socket)
  socket.once('close', () => {
    closedBytes += socket.bytesWritten
    sockets.delete(socket)
  })
}
subscribe('net.client.socket', message => { dials++; track(message as { socket: Socket }) })
subscribe('net.server.socket', message => { track(message as { socket: Socket }) })

function usage (): Usage {
  const cpu = process.cpuUsage()
  let bytesWritten = closedBytes
  for (const socket of sockets) bytesWritten += socket.bytesWritten
  const memory = process.memoryUsage()
  return { cpuUs: cpu.user + cpu.system, bytesWritten, dials, dhtMessages, rss: memory.rss, heapUsed: memory.heapUsed, at: performance.now() }
}

/**
 * Count the DHT requests a node receives: kad-dht's RPC handles each
 * message of every inbound DHT stream (keydir's lookup asks with the same
 * protocol, and kad-dht answers it in both networks).
 */
function countDhtMessages (libp2p: BaseLibp2p): void {
  const rpc = (libp2p.services.dht as unknown as { rpc?: { handleMessage?: (...args: unknown[]) => Promise<unknown> } }).rpc
  if (typeof rpc?.handleMessage !== 'function') throw new Error('kad-dht no longer has rpc.handleMessage: update bench/lib/net-host.ts')
  const handle = rpc.handleMessage.bind(rpc)
  rpc.handleMessage = async (...args) => {
    dhtMessages++
    return handle(...args)
  }
}

function collectGarbage (): void {
  (globalThis as { gc?: () => void }).gc?.()
}

/** One resolve's view of the DHT lookups it started: when the first valid values arrived. */
interface Probe {
  started: number
  queryStartMs?: number
  firstAnyMs?: number
  firstOtherMs?: number
  ownStore?: boolean
  quorumMs?: number
  /** What the lookup saw, for a failed resolve's error: queries sent, responses, responses carrying a record, errors by message. */
  sent: number
  responses: number
  withRecord: number
  errors: Map<string, number>
  /** When each query's stream began to open and when the query was sent, by the peer it went to. */
  openAt: Map<string, number>
  sentAt: Map<string, number>
  firstOtherAnswer?: AnswerSteps
  hops: HopCount
}

function newProbe (): Probe {
  return { started: performance.now(), sent: 0, responses: 0, withRecord: 0, errors: new Map(), openAt: new Map(), sentAt: new Map(), hops: new HopCount() }
}

/** A resolve's outcome, with the times its probe saw. */
function outcome (probe: Probe, ok: boolean, totalMs: number, error: string | undefined, stale?: boolean): ResolveOutcome {
  return {
    ok,
    stale,
    totalMs,
    firstAnyMs: probe.firstAnyMs,
    firstOtherMs: probe.firstOtherMs,
    ownStore: probe.ownStore,
    queryStartMs: probe.queryStartMs,
    quorumMs: probe.quorumMs,
    firstOtherAnswer: probe.firstOtherAnswer,
    hops: probe.hops.summary(),
    error
  }
}

/** A failed resolve's error, with what its lookup saw. */
function failure (err: unknown, probe: Probe): string {
  const code = (err as { code?: string }).code ?? (err as Error).message
  if (probe.sent === 0) return code
  const errors = [...probe.errors].map(([message, n]) => `${message} x${n}`).join('; ')
  return `${code} (lookup: ${probe.sent} queries, ${probe.responses} responses, ${probe.withRecord} with a record${errors === '' ? '' : `; ${errors}`})`
}
/** A valid record reached the resolve: from this node's own DHT store (`fromSelf`) or from another node. */
function noteValid (probe: Probe, fromSelf: boolean): void {
  const elapsed = performance.now() - probe.started
  if (probe.firstAnyMs === undefined) {
    probe.firstAnyMs = elapsed
    probe.ownStore = fromSelf
  }
  if (probe.firstOtherMs === undefined && !fromSelf) probe.firstOtherMs = elapsed
}

/**
 * keydir's lookup times its first valid answers by its own progress events:
 * an answer is reported once keydir's check took it, as IPNS's is counted
 * once its validator accepted it (watchAnswers).
 */
function keydirAnswers (probe: Probe): (event: ResolveProgressEvents) => void {
  return event => {
    if (event.type === 'keydir:dht:answer' && event.detail.result === 'record') noteValid(probe, event.detail.own)
    if (event.type === 'keydir:dht:quorum') probe.quorumMs ??= performance.now() - probe.started
  }
}

/** The probe of the resolve in progress on a node; lookups keep the probe they started under. */
interface ProbeSlot { current: Probe }

interface BenchNode {
  info: NodeInfo
  peerId: PeerId
  libp2p: BaseLibp2p
  publish (): Promise<void>
  /** Resolves once the background work a publish left (keydir's low-coverage republish) has ended. */
  settled?(): Promise<void>
  resolve (target: NodeInfo, path: ResolvePath, timeoutMs: number): Promise<ResolveOutcome>
  /** Whether this node's DHT store holds a record of `target` (to explain a failed lookup). */
  holds (target: NodeInfo): Promise<boolean>
  /** A new record that replaces the node's own (keydir: rotate(); IPNS: a new value, next seq); its info updated. */
  rotate (): Promise<NodeInfo>
  stop (): Promise<void>
}

/** Whether `datastore` holds a DHT record under `routingKey`. */
async function holdsRecord (datastore: Datastore, routingKey: Uint8Array): Promise<boolean> {
  return datastore.has(dhtRecordKey(routingKey))
}

/**
 * Wrap a node's kad-dht get to time its lookups' first valid answers, from
 * any node and from another node, the same way in both networks: another
 * node's answer counts once `validate` (the network's namespace validator)
 * accepts the record its peer-response event carries, which fires as the
 * answer arrives; this node's own store answers with a value event. (kad-dht
 * reports a peer's answer as a value event only after it has queued the
 * closer peers the answer names, a few ms later on a busy event loop.) The
 * lookup's own handler runs first, so keydir's check is not delayed and the
 * bench's check of the same record is a verified-cache hit. An aborted
 * lookup that is still draining writes into the probe of the resolve that
 * started it, never into a later one.
 */
function watchAnswers (libp2p: BaseLibp2p, self: PeerId, slot: ProbeSlot, validate: ValidateFn): void {
  const dht = libp2p.services.dht
  const get = dht.get.bind(dht)
  dht.get = (key, options = {}) => {
    const probe = slot.current
    probe.queryStartMs ??= performance.now() - probe.started
    const onProgress = options.onProgress
    const query = get(key, {
      ...options,
      onProgress: (event: DHTProgressEvents) => {
        onProgress?.(event)
        if (event.type === 'kad-dht:query:dial-peer') probe.openAt.set(event.detail.peer.toString(), performance.now())
        if (event.type === 'kad-dht:query:send-query') {
          probe.hops.asked(event.detail.to)
          probe.sent++
          probe.sentAt.set(event.detail.to.toString(), performance.now())
        }
        if (event.type === 'kad-dht:query:peer-response') {
          const now = performance.now()
          probe.responses++
          const { record, from } = event.detail
          probe.hops.answered(from, event.detail.closer, record != null)
          if (record != null) {
            probe.withRecord++
            if (probe.firstOtherMs === undefined) {
              const openAt = probe.openAt.get(from.toString())
              const sentAt = probe.sentAt.get(from.toString())
              const steps: AnswerSteps = {
                arrivalMs: now - probe.started,
                openMs: openAt === undefined || sentAt === undefined ? undefined : sentAt - openAt,
                rttMs: sentAt === undefined ? undefined : now - sentAt,
                sentBefore: probe.sent,
                responsesBefore: probe.responses - 1
              }
              void (async () => {
                await validate(record.key, record.value)
                // The steps of the answer whose record was accepted first, not of a refused one before it.
                if (probe.firstOtherMs === undefined) probe.firstOtherAnswer = steps
                noteValid(probe, false)
              })().catch(() => {})
            }
          }
        }
        if (event.type === 'kad-dht:query:query-error') {
          const message = event.detail.error.message.slice(0, 80)
          probe.errors.set(message, (probe.errors.get(message) ?? 0) + 1)
        }
        if (event.type === 'kad-dht:query:value') noteValid(probe, event.detail.from.equals(self))
      }
    })
    return query
  }
}

/**
 * A keydir node as createKeyDirectory makes it, with the direct path off, so
 * that node.resolve() goes to the DHT. Direct resolves use a second Resolver
 * over the same node's registry and KeyExchange with the DHT path off: the
 * code node.resolve() runs when a node is created with `paths: { dht: false }`,
 * without building a third network for it.
 */
async function startKeydirNode (dir: string, anchor: AnchorEntry | undefined, options: Partial<KeyDirectoryOptions> = {}): Promise<BenchNode> {
  const started = performance.now()
  const node: KeyDirectory = await createKeyDirectory({
    dataDir: dir,
    listen: LISTEN,
    bootstrap: anchor === undefined ? [] : [anchor],
    discoverOnConnect: false,
    paths: { direct: false },
    ...options
  })
  await node.start()
  const startMs = performance.now() - started
  const self = await node.resolve(node.peerId)
  const internals = node as unknown as { datastore: Datastore }
  const retries = (libp2pOf(node).services.publisher as unknown as { lowCoverage?: { running?: boolean } }).lowCoverage
  if (internals.datastore === undefined || retries?.running === undefined) throw new Error('KeydirNode no longer has a datastore field, or RecordPublisher a lowCoverage retrier: update bench/lib/net-host.ts')
  const direct = new Resolver({
    registry: node.registry,
    metrics: node.metrics,
    selfPeerId: node.peerId,
    selfRecord: () => self.record,
    exchange: libp2pOf(node).services.keyExchange,
    isAnchor: () => false
  })
  const libp2p = libp2pOf(node) as BaseLibp2p
  countDhtMessages(libp2p)
  const slot: ProbeSlot = { current: newProbe() }
  watchAnswers(libp2p, node.peerId, slot, dhtTables(libp2p).validators.pqk)
  watchWalk(node, slot)
  const info: NodeInfo = { peerId: node.peerId.toString(), multiaddr: node.getMultiaddrs()[0].toString(), expected: hex(fingerprint(self.mlDsaPublicKey)), startMs }
  return {
    info,
    peerId: node.peerId,
    libp2p,
    publish: async () => { await node.publish() },
    // A publish that reached too few peers is put again in the background: the publish phase lets that end, not the resolves.
    settled: async () => {
      while (retries.running) await new Promise(resolve => setTimeout(resolve, 100))
    },
    resolve: async (target, path, timeoutMs) => {
      const probe = newProbe()
      slot.current = probe
      try {
        const signal = AbortSignal.timeout(timeoutMs)
        const { mlDsaPublicKey, source } = path === 'direct'
          ? await direct.resolve(target.peerId, { signal }).then(({ record, source }) => ({ mlDsaPublicKey: record.mlDsaPublicKey, source }))
          : await node.resolve(target.peerId, { signal, refresh: path === 'refresh', onProgress: keydirAnswers(probe) })
        const totalMs = performance.now() - probe.started
        const got = hex(fingerprint(mlDsaPublicKey))
        const ok = got === target.expected && source === (path === 'refresh' ? 'dht' : path)
        const stale = target.previous?.includes(got) === true
        return outcome(probe, ok, totalMs, ok ? undefined : stale ? 'stale record' : `wrong keys or path (${source})`, stale)
      } catch (err) {
        return outcome(probe, false, performance.now() - probe.started, failure(err, probe))
      }
    },
    holds: async target => holdsRecord(internals.datastore, routingKeyFor(peerIdFromString(target.peerId))),
    rotate: async () => {
      const record = await node.rotate()
      info.previous = [...(info.previous ?? []), info.expected]
      info.expected = hex(fingerprint(record.mlDsaPublicKey))
      return info
    },
    stop: async () => { await node.stop() }
  }
}

/** keydir's lookup asks through its DhtLookup's `ask`, not kad-dht's query: wrap it to count hops as watchAnswers does. */
function watchWalk (node: KeyDirectory, slot: ProbeSlot): void {
  const lookup = (node as unknown as { resolver?: { components?: { dht?: { components?: { ask?: AskPeer } } } } }).resolver?.components?.dht?.components
  if (lookup?.ask === undefined) throw new Error('KeydirNode no longer reaches its DhtLookup as resolver.components.dht: update bench/lib/net-host.ts')
  const ask = lookup.ask
  lookup.ask = async (peer, key, options) => {
    const probe = slot.current
    probe.hops.asked(peer.id)
    const answer = await ask(peer, key, options)
    probe.hops.answered(peer.id, answer.closer, answer.value !== undefined)
    return answer
  }
}

/** kad-dht's validators and selectors by namespace, one table shared by its parts. */
function dhtTables (libp2p: BaseLibp2p): { validators: Record<string, ValidateFn>, selectors: Record<string, SelectFn> } {
  const tables = libp2p.services.dht as unknown as { validators?: Record<string, ValidateFn>, selectors?: Record<string, SelectFn> }
  if (tables.validators?.pqk == null || tables.selectors?.pqk == null) throw new Error('kad-dht no longer exposes its validator table: update bench/lib/net-host.ts')
  return { validators: tables.validators, selectors: tables.selectors }
}

const refusePqk: ValidateFn = async () => { throw new Error('this network carries IPNS records only') }
const IPNS_LIFETIME_MS = 24 * 60 * 60 * 1000

/** The IPNS record's value: a CID made from the PeerId, so a resolver can check what it got. */
async function ipnsValueFor (peerId: PeerId, generation = 0): Promise<string> {
  const bytes = peerId.toMultihash().bytes
  return `/ipfs/${CID.createV1(raw.code, await sha256.digest(generation === 0 ? bytes : Uint8Array.from([...bytes, generation]))).toString()}`
}

/**
 * An IPNS node: keydir's own buildLibp2p (same transports, connection
 * manager, kad-dht protocol and settings, LevelDB datastore with the
 * peer-store cache) with the
 * kad-dht namespace table switched from `/pqk/` to `/ipns/` and the `ipns`
 * package's validator and selector.
 */
async function startIpnsNode (dir: string, anchor: AnchorEntry | undefined, fallback?: string, maxConnections = DEFAULT_MAX_CONNECTIONS): Promise<BenchNode> {
  const started = performance.now()
  const privateKey = await generateKeyPair('Ed25519')
  const peerId = peerIdFromPrivateKey(privateKey)
  const level = new LevelDatastore(join(dir, 'libp2p'))
  await level.open()
  // The same peer-store cache as a keydir node's.
  const datastore = new CachedPeerDatastore(level)
  const libp2p = await buildLibp2p({
    privateKey, datastore, listen: LISTEN, dhtProtocol: DHT_PROTOCOL, pqkValidator: refusePqk, localNetwork: true, maxConnections
  })
  // kad-dht shares one validators/selectors table between its parts: swap the namespace there.
  const tables = dhtTables(libp2p)
  delete tables.validators.pqk
  delete tables.selectors.pqk
  tables.validators.ipns = ipnsValidator
  tables.selectors.ipns = ipnsSelector
  await libp2p.start()
  if (anchor !== undefined) {
    try {
      await dialAnchor(libp2p, anchor)
    } catch (err) {
      // An anchor that a large network joins through on 2 cores can time out every handshake
      // (it ended a 1,000-node run): join through a node of this process that is already in.
      if (fallback === undefined) throw err
      await dialAnchor(libp2p, { ...anchor, multiaddr: fallback })
    }
  }
  let value = await ipnsValueFor(peerId)
  let generation = 0
  const routingKey = multihashToIPNSRoutingKey(peerId.toMultihash())
  let seq = 1
  const put = async (): Promise<void> => {
    const record = await createIPNSRecord(privateKey, value, seq++, IPNS_LIFETIME_MS)
    for await (const event of libp2p.services.dht.put(routingKey, marshalIPNSRecord(record), { signal: AbortSignal.timeout(60_000) })) void event
  }
  // Like keydir's start: sign the record now, put it in the background.
  const first = createIPNSRecord(privateKey, value, seq++, IPNS_LIFETIME_MS)
  const startMs = performance.now() - started
  void first.then(async record => {
    for await (const event of libp2p.services.dht.put(routingKey, marshalIPNSRecord(record), { signal: AbortSignal.timeout(60_000) })) void event
  }).catch(() => {})
  countDhtMessages(libp2p)
  const slot: ProbeSlot = { current: newProbe() }
  watchAnswers(libp2p, peerId, slot, ipnsValidator)
  const info: NodeInfo = { peerId: peerId.toString(), multiaddr: libp2p.getMultiaddrs()[0].toString(), expected: value, startMs }
  return {
    info,
    peerId,
    libp2p,
    publish: put,
    resolve: async (target, _path, timeoutMs) => {
      const key = multihashToIPNSRoutingKey(peerIdFromString(target.peerId).toMultihash())
      const probe = newProbe()
      slot.current = probe
      try {
        // As an IPNS resolver does: the query runs to its end, kad-dht's selector picks the best value.
        let best: Uint8Array | undefined
        for await (const event of libp2p.services.dht.get(key, { signal: AbortSignal.timeout(timeoutMs) })) {
          if (event.name === 'VALUE') best = event.value
        }
        if (best === undefined) throw Object.assign(new Error('no IPNS record found'), { code: 'ERR_NOT_FOUND' })
        const record = unmarshalIPNSRecord(best)
        const totalMs = performance.now() - probe.started
        const ok = record.value === target.expected
        const stale = target.previous?.includes(record.value) === true
        return outcome(probe, ok, totalMs, ok ? undefined : stale ? 'stale record' : 'wrong value', stale)
      } catch (err) {
        return outcome(probe, false, performance.now() - probe.started, failure(err, probe))
      }
    },
    holds: async target => holdsRecord(datastore, multihashToIPNSRoutingKey(peerIdFromString(target.peerId).toMultihash())),
    rotate: async () => {
      // IPNS has no keys to rotate: a new value under the next seq is its "rotation".
      info.previous = [...(info.previous ?? []), info.expected]
      value = await ipnsValueFor(peerId, ++generation)
      info.expected = value
      await put()
      return info
    },
    stop: async () => {
      await libp2p.stop()
      await datastore.close()
    }
  }
}

/**
 * Dial the anchor, again after a pause if a handshake fails under load (as a
 * keydir node keeps dialling its bootstrap peers while it has no others).
 */
async function dialAnchor (libp2p: BaseLibp2p, anchor: AnchorEntry): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await libp2p.dial(multiaddr(anchor.multiaddr), { signal: AbortSignal.timeout(10_000) })
      return
    } catch (err) {
      if (attempt >= ANCHOR_DIAL_ATTEMPTS) throw err
      await new Promise(resolve => setTimeout(resolve, 1000 * attempt))
    }
  }
}

function hex (bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex')
}

/**
 * Wait until this process's event loop is quiet: a 20 ms slice in which it
 * used less than `busyFraction` of a core (work left behind by a resolve,
 * such as RPCs still in flight after an early answer, has finished) and no
 * delayed write waits to leave (the hosts bench's link delay), or `maxMs` at
 * most. Returns the wait in ms.
 */
async function waitUntilQuiet (maxMs: number, busyFraction: number): Promise<number> {
  const started = performance.now()
  while (performance.now() - started < maxMs) {
    const cpu = process.cpuUsage()
    const from = performance.now()
    await new Promise(resolve => setTimeout(resolve, 20))
    const used = process.cpuUsage(cpu)
    if ((used.user + used.system) / 1000 / (performance.now() - from) < busyFraction && pendingWrites() === 0) break
  }
  return performance.now() - started
}

let profiler: Session | undefined
const nodes: BenchNode[] = []
const dirs: string[] = []
const staleNodes: StaleDhtNode[] = []

/** A DHT routing key of a peer, in the namespace of the network's kind. */
function routingKeyOf (kind: NetworkKind, peerId: string): Uint8Array {
  const id = peerIdFromString(peerId)
  return kind === 'ipns' ? multihashToIPNSRoutingKey(id.toMultihash()) : routingKeyFor(id)
}

/** The seq of an IPNS record, for a stale node to keep the highest it saw before its freeze. */
function ipnsSeqOf (value: Uint8Array): bigint | undefined {
  try {
    return unmarshalIPNSRecord(value).sequence
  } catch {
    return undefined
  }
}

async function handle (command: HostCommand): Promise<unknown> {
  switch (command.op) {
    case 'start': {
      collectGarbage()
      const before = usage()
      let anchor = command.anchor
      let lastStart = -Infinity
      for (let i = 0; i < command.count; i++) {
        const wait = lastStart + (command.paceMs ?? 0) - performance.now()
        if (wait > 0) await new Promise(resolve => setTimeout(resolve, wait))
        lastStart = performance.now()
        const dir = await mkdtemp(join(NODES_DIR, `keydir-bench-${command.kind}-`))
        dirs.push(dir)
        const maxConnections = anchor === undefined ? command.anchorMaxConnections : undefined
        const node = command.kind === 'ipns' ? await startIpnsNode(dir, anchor, nodes.at(-1)?.info.multiaddr, maxConnections) : await startKeydirNode(dir, anchor, { maxConnections })
        nodes.push(node)
        // The first node of a network is the anchor everyone else joins through.
        anchor ??= { multiaddr: node.info.multiaddr, peerId: node.info.peerId, ...(command.kind === 'ipns' ? {} : { mlDsaFingerprint: node.info.expected }) }
        process.send?.({ progress: 1 })
      }
      return { nodes: nodes.map(node => node.info), anchor, before }
    }
    case 'publish': {
      // A few at a time (the coordinator's DEFAULT_PUBLISH_CONCURRENCY says why).
      // A put that fails (its 60 s bound, on a loaded machine) is counted, not fatal: the network runs on.
      const times: number[] = []
      let failed = 0
      let next = 0
      await Promise.all(Array.from({ length: command.concurrency }, async () => {
        for (let i = next++; i < nodes.length; i = next++) {
          const started = performance.now()
          try {
            await nodes[i].publish()
            times.push(performance.now() - started)
          } catch {
            failed++
          }
        }
      }))
      // Waited for here, all at once: a slot that waited for its node's retries (up to three more puts,
      // 35 s of backoff) would hold the next node's publish back, and a large network's phase with it.
      await Promise.all(nodes.map(async node => node.settled?.()))
      return { times, failed }
    }
    case 'usage':
      // A full GC first for memory figures only: its CPU time would count against the resolves.
      if (command.gc === true) collectGarbage()
      return usage()
    case 'profile':
      // A CPU profile of one phase (the coordinator's --profile-dir), written as a .cpuprofile for Chrome DevTools.
      if (command.action === 'start') {
        profiler ??= new Session()
        profiler.connect()
        await profiler.post('Profiler.enable')
        await profiler.post('Profiler.start')
        return {}
      } else {
        const { profile } = await profiler!.post('Profiler.stop')
        await writeFile(command.path, JSON.stringify(profile))
        profiler!.disconnect()
        return { path: command.path }
      }
    case 'quiet':
      return waitUntilQuiet(command.maxMs, command.busyFraction)
    case 'routing':
      // kad-dht's routing table sizes (as KeydirNode.status() reads them): the network has settled when they stop growing.
      return nodes.map(node => node.libp2p.services.dht.routingTable.size)
    case 'connections':
      // At libp2p's connection limit a node refuses every inbound connection: how close to it the nodes are.
      return nodes.map(node => node.libp2p.getConnections().length)
    case 'connect':
      await nodes[command.from].libp2p.dial(multiaddr(command.target.multiaddr), { signal: AbortSignal.timeout(command.timeoutMs) })
      return {}
    case 'resolve':
      return nodes[command.from].resolve(command.target, command.path, command.timeoutMs)
    case 'holders':
      return (await Promise.all(nodes.map(async node => node.holds(command.target)))).filter(Boolean).length
    case 'rotate':
      return nodes[command.index].rotate()
    case 'join': {
      // Fresh nodes join a running network (bench/hostile.ts): all at once; their indices follow the nodes this process holds.
      const first = nodes.length
      const joined = await Promise.all(Array.from({ length: command.count }, async () => {
        const dir = await mkdtemp(join(NODES_DIR, `keydir-bench-${command.kind}-`))
        dirs.push(dir)
        return command.kind === 'ipns' ? startIpnsNode(dir, command.anchor) : startKeydirNode(dir, command.anchor, command.options)
      }))
      nodes.push(...joined)
      return { first, nodes: joined.map(node => node.info) }
    }
    case 'stale-start': {
      // Keys near a victim first (CPU), then the nodes at once.
      const keys = []
      for (let i = 0; i < command.count; i++) {
        keys.push(command.placement === 'near' ? await keyNear(routingKeyOf(command.kind, command.near[i % command.near.length]), command.nearBits) : undefined)
      }
      const started = await Promise.all(keys.map(async privateKey => startStaleDhtNode(command.bootstrap, {
        privateKey,
        seqOf: command.kind === 'ipns' ? ipnsSeqOf : undefined
      })))
      staleNodes.push(...started)
      return started.map(node => ({ peerId: node.peerId.toString(), multiaddrs: node.libp2p.getMultiaddrs().map(ma => ma.decapsulateCode(421).toString()) }))
    }
    case 'stale-set': {
      const accomplices = command.accomplices.map(a => {
        const peerId = peerIdFromString(a.peerId)
        return { peerId, kadId: kadIdOf(peerId.toMultihash().bytes), multiaddrs: a.multiaddrs.map(ma => multiaddr(ma).bytes) }
      })
      for (const node of staleNodes) node.setAccomplices(accomplices)
      return {}
    }
    case 'stale-capture': {
      const keys = command.targets.map(peerId => routingKeyOf(command.kind, peerId))
      // How many (node, key) pairs hold a value afterwards.
      return (await Promise.all(staleNodes.map(async node => node.capture(keys)))).reduce((a, b) => a + b, 0)
    }
    case 'stale-freeze':
      for (const node of staleNodes) node.freeze()
      return {}
    case 'stale-stats':
      return staleNodes.reduce<StaleDhtStats>((sum, node) => ({
        valuesServed: sum.valuesServed + node.stats.valuesServed,
        valuesMissing: sum.valuesMissing + node.stats.valuesMissing,
        putsStored: sum.putsStored + node.stats.putsStored,
        putsDropped: sum.putsDropped + node.stats.putsDropped,
        findNodes: sum.findNodes + node.stats.findNodes
      }), { valuesServed: 0, valuesMissing: 0, putsStored: 0, putsDropped: 0, findNodes: 0 })
    case 'stop':
      await Promise.all(staleNodes.map(async node => node.stop().catch(() => {})))
      await Promise.all(nodes.map(async node => node.stop().catch(() => {})))
      await Promise.all(dirs.map(async dir => rm(dir, { recursive: true, force: true })))
      return {}
  }
}

process.on('message', (message: { id: number, command: HostCommand }) => {
  handle(message.command).then(
    result => process.send?.({ id: message.id, ok: true, result }),
    (err: Error) => process.send?.({ id: message.id, ok: false, error: err.stack ?? err.message })
  )
})
// The coordinator went (it ended, or was killed): take this process's node dirs with it, without waiting for the nodes.
process.on('disconnect', () => {
  try {
    for (const dir of dirs) {
      // A node still running may be writing into its dir: one dir that will not go does not keep the others.
      try { rmSync(dir, { recursive: true, force: true, maxRetries: 3 }) } catch {}
    }
  } finally {
    process.exit(0)
  }
})
