import { createHash } from 'node:crypto'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { Libp2pRecord } from '@libp2p/record'
import { lpStream } from '@libp2p/utils'
import { multiaddr } from '@multiformats/multiaddr'
import { DHT_PROTOCOL } from '../../src/dht/index.js'
import { unmarshalKeyRecord } from '../../src/record/index.js'
import { startPermissiveNode } from './hostile-node.js'
import { dhtGet } from './kad-wire.js'
import { encodeFields, encodeVarint, parseFields } from './protobuf-wire.js'
import type { WireField } from './protobuf-wire.js'
import type { BaseLibp2p } from '../../src/node/libp2p.js'
import type { PeerId, PrivateKey, Stream } from '@libp2p/interface'

/**
 * A stale-serving hostile DHT node (issue 21, part 4): a raw libp2p +
 * kad-dht node on keydir's DHT protocol whose Kademlia handler is replaced
 * by its own (as test/helpers/garbage-dht-node.ts does), so that it
 *
 * - keeps the records it learned before it was frozen (PUTs to it, or a
 *   `capture` that fetches them with GET_VALUE from every honest node it
 *   is connected to) and serves them for GET_VALUE ever after: once the
 *   victims rotate, those are their older, validly signed records;
 * - drops stores once frozen: a PUT_VALUE is echoed, as kad-dht echoes a
 *   PUT it stored, and nothing is kept, so the publisher counts it as a
 *   storer and an honest lookup's correction PUT changes nothing;
 * - answers routing queries (FIND_NODE, and the closer peers of GET_VALUE)
 *   with its own set only: the set's members closest to the key (XOR of
 *   SHA-256 kad-ids, as kad-dht measures), with their real multiaddrs, up to
 *   K = 20, never the requester or itself; PING is echoed, provider
 *   messages answered empty;
 * - optionally takes an ID near a victim: Ed25519 keys are generated until
 *   one's kad-id shares `nearBits` leading bits with the kad-id of the
 *   victim's `/pqk/` routing key, so that it falls among the K closest to
 *   that key (and a lookup of the key meets it early).
 *
 * It serves any namespace: what it keeps of a key is the value with the
 * highest `seqOf` (default: a keydir record's seq) it saw before the freeze.
 */

const PUT_VALUE = 0
const GET_VALUE = 1
const ADD_PROVIDER = 2
const GET_PROVIDERS = 3
const FIND_NODE = 4
const PING = 5
/** kad-dht's K: at most this many closer peers in an answer. */
const K = 20
/** A Kademlia message is a few KB; kad-dht allows far more, a hostile node needs no more than this. */
const MAX_MESSAGE_BYTES = 64 * 1024

export type Placement = 'random' | 'near'

export interface StaleDhtOptions {
  /** Where the IDs fall: random, or near the victims' routing keys (`near`, round-robin over them). Default random. */
  placement?: Placement
  /** The victims' routing keys (keydir: routingKeyFor(peerId)); needed for the `near` placement. */
  nearKeys?: Uint8Array[]
  /** Leading bits of kad-id shared with the victim's key in the `near` placement. Default 10. */
  nearBits?: number
  /** The sequence number of a value under a key, to keep the highest before the freeze; undefined for bytes it does not take. Default: a keydir record's seq. */
  seqOf?: (value: Uint8Array) => bigint | number | undefined
  /** Kademlia protocol id. Default keydir's. */
  protocol?: string
}

export interface StaleDhtStats {
  /** GET_VALUE answers that carried a held value. */
  valuesServed: number
  /** GET_VALUE asked for keys it held nothing under. */
  valuesMissing: number
  /** PUT_VALUEs taken before the freeze. */
  putsStored: number
  /** PUT_VALUEs echoed and dropped after the freeze. */
  putsDropped: number
  /** FIND_NODE answers (each with hostile peers only). */
  findNodes: number
}

/** One member of the hostile set, as the others name it in their closer peers. */
export interface Accomplice {
  peerId: PeerId
  multiaddrs: Uint8Array[]
  kadId: Uint8Array
}

export interface StaleDhtNode {
  libp2p: BaseLibp2p
  peerId: PeerId
  multiaddr: string
  /** SHA-256 of the PeerId's multihash bytes: its place in the key space. */
  kadId: Uint8Array
  stats: StaleDhtStats
  frozen: boolean
  /** The members of the hostile set its routing answers name (itself included; it never names itself). */
  setAccomplices (accomplices: Accomplice[]): void
  /** The value held under `key`, and its seq, if any. */
  held (key: Uint8Array): { value: Uint8Array, seq: bigint } | undefined
  /**
   * Fetch the value under each key with GET_VALUE from every peer it is
   * connected to (its accomplices aside), and keep the one with the
   * highest seq. Before the freeze only.
   * Returns how many keys it holds a value for afterwards.
   */
  capture (keys: Uint8Array[]): Promise<number>
  /** From now on it stores nothing new: PUTs are echoed and dropped. */
  freeze (): void
  stop (): Promise<void>
}

export interface StaleDhtSet {
  nodes: StaleDhtNode[]
  capture (keys: Uint8Array[]): Promise<void>
  freeze (): void
  /** Sum of the members' stats. */
  stats (): StaleDhtStats
  stop (): Promise<void>
}

/** kad-dht's place of a key (or of a PeerId's multihash bytes) in the key space. */
export function kadIdOf (bytes: Uint8Array): Uint8Array {
  return createHash('sha256').update(bytes).digest()
}

/** XOR distance of two kad-ids, compared as big-endian numbers: negative when `a` is closer to `target` than `b`. */
export function compareDistance (target: Uint8Array, a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < target.length; i++) {
    const da = a[i] ^ target[i]
    const db = b[i] ^ target[i]
    if (da !== db) return da - db
  }
  return 0
}

/** How many leading bits two kad-ids share. */
export function commonPrefixBits (a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < a.length; i++) {
    const x = a[i] ^ b[i]
    if (x !== 0) return i * 8 + Math.clz32(x) - 24
  }
  return a.length * 8
}

/** An Ed25519 key whose kad-id shares at least `bits` leading bits with `key`'s (about 2^bits tries). */
export async function keyNear (key: Uint8Array, bits: number): Promise<PrivateKey> {
  const target = kadIdOf(key)
  for (;;) {
    const privateKey = await generateKeyPair('Ed25519')
    if (commonPrefixBits(kadIdOf(peerIdFromPrivateKey(privateKey).toMultihash().bytes), target) >= bits) return privateKey
  }
}

/** A keydir record's seq; undefined for bytes that are no record (a revocation, garbage). */
export function keydirSeqOf (value: Uint8Array): bigint | undefined {
  try {
    return BigInt(unmarshalKeyRecord(value).seq)
  } catch {
    return undefined
  }
}

function varintOf (field: WireField | undefined): number {
  if (field === undefined) return 0
  let n = 0
  for (let i = field.value.length - 1; i >= 0; i--) n = n * 128 + (field.value[i] & 0x7f)
  return n
}

function keyString (key: Uint8Array): string {
  return Buffer.from(key).toString('base64')
}

/** Start one stale-serving node joined through `bootstrap` (it dials each). Its accomplices are set by `startStaleDhtNodes`. */
export async function startStaleDhtNode (bootstrap: string[], options: StaleDhtOptions & { privateKey?: PrivateKey } = {}): Promise<StaleDhtNode> {
  const protocol = options.protocol ?? DHT_PROTOCOL
  const seqOf = options.seqOf ?? keydirSeqOf
  const { libp2p, stop } = await startPermissiveNode('keydir-stale-dht-', async () => {}, { privateKey: options.privateKey })
  const self = libp2p.peerId
  const kadId = kadIdOf(self.toMultihash().bytes)
  const store = new Map<string, { key: Uint8Array, record: Uint8Array, value: Uint8Array, seq: bigint }>()
  let accomplices: Accomplice[] = []
  const stats: StaleDhtStats = { valuesServed: 0, valuesMissing: 0, putsStored: 0, putsDropped: 0, findNodes: 0 }

  const keep = (key: Uint8Array, value: Uint8Array, record: Uint8Array): boolean => {
    const seq = seqOf(value)
    if (seq === undefined) return false
    const held = store.get(keyString(key))
    if (held !== undefined && held.seq >= BigInt(seq)) return false
    store.set(keyString(key), { key, record, value, seq: BigInt(seq) })
    return true
  }

  /** The set's members closest to `key`, never `requester` or this node, with their real addresses. */
  const closerPeers = (key: Uint8Array, requester: PeerId): WireField[] => {
    const target = kadIdOf(key)
    return accomplices
      .filter(a => !a.peerId.equals(self) && !a.peerId.equals(requester))
      .sort((a, b) => compareDistance(target, a.kadId, b.kadId))
      .slice(0, K)
      .map(a => ({
        field: 8,
        wireType: 2,
        value: encodeFields([
          { field: 1, wireType: 2, value: a.peerId.toMultihash().bytes },
          ...a.multiaddrs.map(bytes => ({ field: 2, wireType: 2, value: bytes }))
        ])
      }))
  }

  const answer = (request: Uint8Array, from: PeerId): Uint8Array | undefined => {
    const fields = parseFields(request)
    if (fields === undefined) return undefined
    const type = varintOf(fields.find(f => f.field === 1 && f.wireType === 0))
    const key = fields.find(f => f.field === 2 && f.wireType === 2)?.value ?? new Uint8Array(0)
    const head: WireField[] = [{ field: 1, wireType: 0, value: encodeVarint(type) }, { field: 2, wireType: 2, value: key }]
    switch (type) {
      case PUT_VALUE: {
        const record = fields.find(f => f.field === 3 && f.wireType === 2)?.value
        if (record === undefined) return undefined
        if (node.frozen) {
          stats.putsDropped++
        } else {
          try {
            if (keep(key, Libp2pRecord.deserialize(record).value, record)) stats.putsStored++
          } catch {}
        }
        // kad-dht echoes a PUT it stored: so does this node, stored or not.
        return request
      }
      case GET_VALUE: {
        const held = store.get(keyString(key))
        if (held === undefined) stats.valuesMissing++
        else stats.valuesServed++
        return encodeFields([
          ...head,
          ...(held === undefined ? [] : [{ field: 3, wireType: 2, value: new Libp2pRecord(held.key, held.value, new Date()).serialize() }]),
          ...closerPeers(key, from)
        ])
      }
      case FIND_NODE:
        stats.findNodes++
        return encodeFields([...head, ...closerPeers(key, from)])
      case PING:
        return request
      case ADD_PROVIDER:
        return undefined
      case GET_PROVIDERS:
        return encodeFields(head)
      default:
        return undefined
    }
  }

  await libp2p.unhandle(protocol)
  await libp2p.handle(protocol, async (stream: Stream, connection) => {
    const messages = lpStream(stream, { maxDataLength: MAX_MESSAGE_BYTES })
    try {
      // As kad-dht's own handler: messages one after another until the remote stops sending.
      while (stream.readStatus === 'readable') {
        const request = await messages.read({ signal: AbortSignal.timeout(10_000) })
        const reply = answer(request.subarray(), connection.remotePeer)
        if (reply !== undefined) await messages.write(reply)
      }
      await stream.close()
    } catch (err) {
      // The remote ending its side while we wait for another message is the usual end of a stream.
      if (stream.readStatus === 'readable') stream.abort(err as Error)
      else await stream.close().catch(() => {})
    }
  }, { maxInboundStreams: 256 })
  // A hostile node joins every node it is given, so that they all take it into their routing tables.
  await Promise.all(bootstrap.map(async address => libp2p.dial(multiaddr(address)).catch(() => {})))

  const node: StaleDhtNode = {
    libp2p,
    peerId: self,
    multiaddr: libp2p.getMultiaddrs()[0].toString(),
    kadId,
    stats,
    frozen: false,
    setAccomplices: set => { accomplices = set },
    held: key => {
      const held = store.get(keyString(key))
      return held === undefined ? undefined : { value: held.value, seq: held.seq }
    },
    capture: async keys => {
      if (node.frozen) throw new Error('a frozen stale node stores nothing new')
      const peers = [...new Map(libp2p.getConnections().map(c => [c.remotePeer.toString(), c.remotePeer])).values()]
        .filter(p => !accomplices.some(a => a.peerId.equals(p)))
      // Every connected peer, not only those closest to the key: nodes outside the K the last put reached may hold an
      // older record from a put before it, and the highest seq is kept; the key's owner, if connected, holds its latest.
      await Promise.all(keys.map(async key => {
        await Promise.all(peers.map(async peerId => {
          const value = await dhtGet(libp2p, peerId, key, protocol).catch(() => undefined)
          if (value !== undefined) keep(key, value, new Libp2pRecord(key, value, new Date()).serialize())
        }))
      }))
      return keys.filter(key => store.has(keyString(key))).length
    },
    freeze: () => { node.frozen = true },
    stop
  }
  return node
}

/**
 * `count` stale-serving nodes joined through `bootstrap`, each told the
 * whole set (their routing answers name only each other). With the `near`
 * placement, their IDs are chosen near the `nearKeys`, round-robin.
 */
export async function startStaleDhtNodes (count: number, bootstrap: string[], options: StaleDhtOptions = {}): Promise<StaleDhtSet> {
  const nodes: StaleDhtNode[] = []
  const placement = options.placement ?? 'random'
  if (placement === 'near' && (options.nearKeys ?? []).length === 0) throw new Error('the near placement needs the victims\' routing keys')
  const keys: Array<PrivateKey | undefined> = []
  for (let i = 0; i < count; i++) {
    keys.push(placement === 'near' ? await keyNear(options.nearKeys![i % options.nearKeys!.length], options.nearBits ?? 10) : undefined)
  }
  const started = await Promise.allSettled(keys.map(async privateKey => startStaleDhtNode(bootstrap, { ...options, privateKey })))
  for (const result of started) if (result.status === 'fulfilled') nodes.push(result.value)
  const failed = started.find(result => result.status === 'rejected')
  if (failed !== undefined) {
    await Promise.all(nodes.map(async n => n.stop()))
    throw failed.reason
  }
  const accomplices: Accomplice[] = nodes.map(n => ({ peerId: n.peerId, kadId: n.kadId, multiaddrs: n.libp2p.getMultiaddrs().map(ma => ma.decapsulateCode(421).bytes) }))
  for (const n of nodes) n.setAccomplices(accomplices)
  return {
    nodes,
    capture: async keys => { await Promise.all(nodes.map(async n => n.capture(keys))) },
    freeze: () => { for (const n of nodes) n.freeze() },
    stats: () => nodes.reduce<StaleDhtStats>((sum, n) => ({
      valuesServed: sum.valuesServed + n.stats.valuesServed,
      valuesMissing: sum.valuesMissing + n.stats.valuesMissing,
      putsStored: sum.putsStored + n.stats.putsStored,
      putsDropped: sum.putsDropped + n.stats.putsDropped,
      findNodes: sum.findNodes + n.stats.findNodes
    }), { valuesServed: 0, valuesMissing: 0, putsStored: 0, putsDropped: 0, findNodes: 0 }),
    stop: async () => { await Promise.all(nodes.map(async n => n.stop())) }
  }
}
