import { createHash } from 'node:crypto'
import { xorCompare as uint8ArrayXorCompare } from 'uint8arrays/xor-compare'
import { DHT_REPLICATION } from '../constants.js'
import { MalformedAnswer, Unreachable, type AskPeer } from './kad-get.js'
import { takeInTurn } from '../../util/in-turn.js'
import type { LookupScores } from './scores.js'
import type { AbortOptions, PeerId, PeerInfo } from '@libp2p/interface'

/** One peer's answer on one path. */
export interface PathAnswer {
  peer: PeerId
  path: number
  /** The peer's Kademlia id XOR the key's: how close to the key it sits. */
  distance: Uint8Array
  /** The value it holds under the key, unchecked; absent when it named closer peers only. */
  value?: Uint8Array
}

export interface DisjointPathsComponents {
  /** The routing table's closest peers to a Kademlia id: where the paths start. */
  closestPeers: (kadId: Uint8Array, count: number) => PeerId[]
  /** Resolves once the routing table holds a peer (a node just started has none yet), as kad-dht's queries wait. */
  routingTableReady?: (options: AbortOptions) => Promise<void>
  ask: AskPeer
  self: PeerId
  scores?: LookupScores
}

export interface WalkOptions extends AbortOptions {
  /** How many paths; no peer is asked on two of them. */
  paths: number
  /** Peers asked at once on one path. */
  alpha: number
  /** Each peer has this long to answer. */
  askTimeoutMs: number
  onAnswer: (answer: PathAnswer) => void
  /** Once true, no new peer is asked: the paths end as the requests in flight come back. */
  stopAsking?: () => boolean
  /** How many paths start (fewer than asked when the routing table holds fewer peers), before the first is asked. */
  onStart?: (paths: number) => void
  /** A path asked every peer it could reach and converged, or ran out of peers. */
  onPathEnd?: (path: number) => void
}

export interface WalkResult {
  /** How many paths started (fewer than asked when the routing table holds fewer peers). */
  paths: number
  /** Peers not asked because their score is below the threshold: the lookup asks them when no one else had an answer. */
  skipped: PeerInfo[]
  /**
   * Peers named on the walk but never asked (none farther from the key
   * than the one naming them goes on a path), at most K: the closest to the
   * key that each path heard of, taken from the paths in turn, so that
   * peers named by the hostile nodes of one path do not come first. A first
   * contact whose paths ended short of its quorum asks them in this order.
   */
  unasked: PeerInfo[]
}

interface Candidate {
  peer: PeerInfo
  distance: Uint8Array
  /** 0 for a peer with a good score, 1 for an unknown one, 2 for a poor one above the threshold: asked in that order. */
  tier: number
}

/** The Kademlia id of a key or a PeerId's multihash, as kad-dht computes it. */
export function kadId (bytes: Uint8Array): Uint8Array {
  return createHash('sha256').update(bytes).digest()
}

/** How far `peer` sits from `key`: the XOR of their Kademlia ids. */
export function distanceTo (key: Uint8Array, peer: PeerId): Uint8Array {
  return xor(kadId(peer.toMultihash().bytes), kadId(key))
}

function xor (a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length)
  for (let i = 0; i < a.length; i++) out[i] = a[i] ^ b[i]
  return out
}

/**
 * An S/Kademlia lookup over disjoint paths (Baumgart and Mies 2007, 4.4):
 * the routing table's K closest peers to the key are dealt out to `paths`
 * paths, each path walks towards the key on its own (at most `alpha` peers
 * asked at once, each next peer the closest one it was named that is closer
 * than the peer that named it), and a peer asked on one path is never asked
 * on another. A few hostile peers that name only each other can then
 * capture the paths they are on, not the others. Peers with a good score
 * are asked first; peers below the reputation threshold are not asked, but
 * returned, so that a lookup that found nothing can still ask them.
 */
export async function walkDisjointPaths (components: DisjointPathsComponents, key: Uint8Array, options: WalkOptions): Promise<WalkResult> {
  const target = kadId(key)
  const claimed = new Set<string>([components.self.toString()])
  /** Every peer a path asked, answered or not (a peer unreachable at the addresses it was named at is unclaimed, but stays asked). */
  const asked = new Set<string>()
  const skipped = new Map<string, PeerInfo>()
  /** The peers each path heard of, by the path that heard of them first. */
  const heardOf = new Map<string, { path: number, candidate: Candidate }>()
  const candidate = (peer: PeerInfo): Candidate | undefined => {
    const id = peer.id.toString()
    if (claimed.has(id)) return undefined
    if (components.scores?.isBelowThreshold(peer.id) === true) {
      skipped.set(id, peer)
      return undefined
    }
    const score = components.scores?.score(peer.id) ?? 0
    return { peer, distance: xor(kadId(peer.id.toMultihash().bytes), target), tier: score > 0 ? 0 : score === 0 ? 1 : 2 }
  }
  const heard = (c: Candidate, path: number): void => {
    const id = c.peer.id.toString()
    if (!heardOf.has(id)) heardOf.set(id, { path, candidate: c })
  }
  const result = (paths: number): WalkResult => ({ paths, skipped: [...skipped.values()], unasked: takenInTurn(heardOf, asked) })

  let closest = components.closestPeers(target, DHT_REPLICATION)
  if (closest.length === 0 && components.routingTableReady !== undefined) {
    await components.routingTableReady(options).catch(() => {})
    closest = components.closestPeers(target, DHT_REPLICATION)
  }
  const starting = closest
    .map(id => candidate({ id, multiaddrs: [] }))
    .filter((c): c is Candidate => c !== undefined)
    .sort(byTierThenDistance)
  const pathCount = Math.min(Math.max(1, options.paths), starting.length)
  options.onStart?.(pathCount)
  if (pathCount === 0) return result(0)

  const done = Promise.withResolvers<void>()
  let running = pathCount
  const walkers = Array.from({ length: pathCount }, (_, index) => new PathWalker(index, {
    ...options,
    key,
    components,
    claimed,
    asked,
    candidate,
    heard,
    ended: () => {
      options.onPathEnd?.(index)
      if (--running === 0) done.resolve()
    }
  }))
  starting.forEach((c, i) => {
    walkers[i % pathCount].add(c)
    heard(c, i % pathCount)
  })

  const onAbort = (): void => { done.resolve() }
  options.signal?.addEventListener('abort', onAbort, { once: true })
  try {
    if (options.signal?.aborted !== true) walkers.forEach(walker => { walker.pump() })
    await done.promise
  } finally {
    options.signal?.removeEventListener('abort', onAbort)
  }
  return result(pathCount)
}

function byTierThenDistance (a: Candidate, b: Candidate): number {
  return a.tier - b.tier || uint8ArrayXorCompare(a.distance, b.distance)
}

/** The peers heard of but never asked, at most K: each path's closest to the key, from the paths in turn. */
function takenInTurn (heardOf: Map<string, { path: number, candidate: Candidate }>, asked: Set<string>): PeerInfo[] {
  const byPath = new Map<number, Candidate[]>()
  for (const [id, { path, candidate }] of heardOf) {
    if (asked.has(id)) continue
    const queue = byPath.get(path) ?? []
    queue.push(candidate)
    byPath.set(path, queue)
  }
  const queues = [...byPath.values()].map(queue => queue.sort((a, b) => uint8ArrayXorCompare(a.distance, b.distance)).map(c => c.peer))
  return takeInTurn(queues, DHT_REPLICATION)
}

interface PathContext extends WalkOptions {
  key: Uint8Array
  components: DisjointPathsComponents
  claimed: Set<string>
  asked: Set<string>
  candidate: (peer: PeerInfo) => Candidate | undefined
  /** A peer this path heard of, asked on it or not. */
  heard: (c: Candidate, path: number) => void
  ended: () => void
}

/** One path: its queue of peers to ask and the closest peers that answered on it. */
class PathWalker {
  private readonly queue: Candidate[] = []
  private readonly named = new Set<string>()
  /** Distances of the peers that answered on this path, closest first, at most K. */
  private readonly answered: Uint8Array[] = []
  private inFlight = 0
  private finished = false

  constructor (private readonly index: number, private readonly context: PathContext) {}

  add (c: Candidate): void {
    const id = c.peer.id.toString()
    if (this.named.has(id)) return
    this.named.add(id)
    this.queue.push(c)
  }

  /** Ask peers until alpha are in flight; end the path when nothing is left to ask. */
  pump (): void {
    const { signal, alpha, stopAsking } = this.context
    while (this.inFlight < alpha && signal?.aborted !== true && stopAsking?.() !== true) {
      const next = this.next()
      if (next === undefined) break
      this.context.claimed.add(next.peer.id.toString())
      this.context.asked.add(next.peer.id.toString())
      this.inFlight++
      void this.ask(next).finally(() => {
        this.inFlight--
        this.pump()
      })
    }
    if (this.inFlight === 0 && !this.finished) {
      this.finished = true
      this.context.ended()
    }
  }

  /** The next peer to ask: not claimed by another path, and closer than the K-th closest that answered here (else the path has converged). */
  private next (): Candidate | undefined {
    this.queue.sort(byTierThenDistance)
    while (this.queue.length > 0) {
      const c = this.queue.shift()!
      if (this.context.claimed.has(c.peer.id.toString())) continue
      const kth = this.answered[DHT_REPLICATION - 1]
      if (kth !== undefined && uint8ArrayXorCompare(c.distance, kth) >= 0) continue
      return c
    }
    return undefined
  }

  private async ask (c: Candidate): Promise<void> {
    const { components, signal, askTimeoutMs } = this.context
    const timeout = AbortSignal.timeout(askTimeoutMs)
    let answer
    try {
      answer = await components.ask(c.peer, this.context.key, { signal: signal == null ? timeout : AbortSignal.any([signal, timeout]) })
    } catch (err) {
      if (signal?.aborted === true) return
      if (err instanceof Unreachable && err.namedAddresses) {
        // Another peer named it at addresses that do not answer: perhaps that peer's lie, not this one's fault. Another path may name it better.
        this.context.claimed.delete(c.peer.id.toString())
        return
      }
      components.scores?.note(c.peer.id, err instanceof MalformedAnswer && !timeout.aborted ? 'invalid' : 'timeout')
      return
    }
    if (signal?.aborted === true) return
    this.noteAnswered(c.distance)
    for (const peer of answer.closer) {
      const named = this.context.candidate(peer)
      if (named === undefined) continue
      this.context.heard(named, this.index)
      // Only peers closer than the one naming them: a path only moves towards the key.
      if (uint8ArrayXorCompare(named.distance, c.distance) < 0) this.add(named)
    }
    this.context.onAnswer({ peer: c.peer.id, path: this.index, distance: c.distance, value: answer.value })
  }

  private noteAnswered (distance: Uint8Array): void {
    let at = this.answered.findIndex(d => uint8ArrayXorCompare(distance, d) < 0)
    if (at === -1) at = this.answered.length
    this.answered.splice(at, 0, distance)
    if (this.answered.length > DHT_REPLICATION) this.answered.length = DHT_REPLICATION
  }
}
