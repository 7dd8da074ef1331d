import { Key } from 'interface-datastore'
import { NotFoundError } from 'interface-store'
import type { AbortOptions } from '@libp2p/interface'
import type { Batch, Datastore, KeyQuery, Pair, Query } from 'interface-datastore'

/** The peer store's namespace in libp2p's datastore. */
const PEERS_PREFIX = '/peers/'
/** Entries kept in memory for reads; libp2p's peer store holds one per known peer. */
const DEFAULT_MAX_CACHED = 10_000
/** How long a peer-store write may wait in memory before it reaches LevelDB. */
const DEFAULT_FLUSH_DELAY_MS = 1000
/** A failing LevelDB is tried again after a doubling delay, up to this. */
const MAX_RETRY_DELAY_MS = 60_000

/** LevelDatastore, as far as this wrapper needs it. */
export type ClosableDatastore = Datastore & { close (): Promise<void> }

export interface CachedPeerDatastoreInit {
  maxCached?: number
  flushDelayMs?: number
}

/**
 * libp2p's datastore with the peer store's entries (`/peers/...`) held in
 * memory and written to LevelDB behind.
 *
 * libp2p reads and rewrites the remote peer's entry on every protocol stream
 * it opens or accepts (`peerStore.merge` in `newStream` and in the inbound
 * handler), so each key exchange and each DHT RPC costs two LevelDB round
 * trips through the thread pool on each side before any protocol byte
 * moves. Here those reads come from memory and the writes are coalesced: at
 * most one LevelDB write per peer per flush delay. A crash loses at most the
 * last flush delay of peer-store updates (addresses and protocols, which the
 * next identify refreshes); everything else, kad-dht's records included,
 * goes straight to the inner datastore.
 */
export class CachedPeerDatastore implements Datastore {
  private readonly inner: ClosableDatastore
  private readonly maxCached: number
  private readonly flushDelayMs: number
  /** Peer entries read or written, least recently used first. */
  private readonly cached = new Map<string, Uint8Array>()
  /** Peer entries written or deleted (undefined) since the last flush. */
  private readonly dirty = new Map<string, Uint8Array | undefined>()
  /** Entries of the flush being written: LevelDB may not hold them yet. */
  private readonly flushing = new Map<string, Uint8Array | undefined>()
  private flushTimer: ReturnType<typeof setTimeout> | undefined
  private retryDelayMs: number
  /** Every write of peer entries to the inner store, in order. */
  private writes: Promise<void> = Promise.resolve()

  constructor (inner: ClosableDatastore, init: CachedPeerDatastoreInit = {}) {
    this.inner = inner
    this.maxCached = init.maxCached ?? DEFAULT_MAX_CACHED
    this.flushDelayMs = init.flushDelayMs ?? DEFAULT_FLUSH_DELAY_MS
    this.retryDelayMs = this.flushDelayMs
  }

  async put (key: Key, value: Uint8Array, options?: AbortOptions): Promise<Key> {
    const id = key.toString()
    if (!isPeerKey(id)) return this.inner.put(key, value, options)
    this.remember(id, value)
    this.dirty.set(id, value)
    this.scheduleFlush()
    return key
  }

  async get (key: Key, options?: AbortOptions): Promise<Uint8Array> {
    const id = key.toString()
    if (!isPeerKey(id)) return this.inner.get(key, options)
    const hit = this.cached.get(id) ?? this.pending(id)
    if (hit !== undefined) {
      if (hit === DELETED) throw new NotFoundError(`${id} was deleted`)
      this.remember(id, hit)
      return hit
    }
    const value = await this.inner.get(key, options)
    // A put or delete that landed while LevelDB answered is newer than this read.
    if (!this.cached.has(id) && this.pending(id) === undefined) this.remember(id, value)
    return value
  }

  async has (key: Key, options?: AbortOptions): Promise<boolean> {
    const id = key.toString()
    if (!isPeerKey(id)) return this.inner.has(key, options)
    if (this.cached.has(id)) return true
    const pending = this.pending(id)
    if (pending !== undefined) return pending !== DELETED
    return this.inner.has(key, options)
  }

  async delete (key: Key, options?: AbortOptions): Promise<void> {
    const id = key.toString()
    if (!isPeerKey(id)) {
      await this.inner.delete(key, options)
      return
    }
    this.cached.delete(id)
    this.dirty.set(id, undefined)
    this.scheduleFlush()
  }

  async * putMany (source: Iterable<Pair> | AsyncIterable<Pair>, options?: AbortOptions): AsyncGenerator<Key> {
    for await (const { key, value } of source) {
      yield await this.put(key, value, options)
    }
  }

  async * getMany (source: Iterable<Key> | AsyncIterable<Key>, options?: AbortOptions): AsyncGenerator<Pair> {
    for await (const key of source) {
      yield { key, value: await this.get(key, options) }
    }
  }

  async * deleteMany (source: Iterable<Key> | AsyncIterable<Key>, options?: AbortOptions): AsyncGenerator<Key> {
    for await (const key of source) {
      await this.delete(key, options)
      yield key
    }
  }

  /** Not atomic across the two stores; nothing in libp2p or kad-dht batches today. */
  batch (): Batch {
    const ops: Array<() => Promise<unknown>> = []
    return {
      put: (key, value) => { ops.push(async () => this.put(key, value)) },
      delete: key => { ops.push(async () => this.delete(key)) },
      commit: async (options?: AbortOptions) => {
        for (const op of ops) {
          options?.signal?.throwIfAborted()
          await op()
        }
      }
    }
  }

  async * query (q: Query, options?: AbortOptions): AsyncGenerator<Pair> {
    if (mayIncludePeers(q.prefix)) await this.flush()
    yield * this.inner.query(q, options)
  }

  async * queryKeys (q: KeyQuery, options?: AbortOptions): AsyncGenerator<Key> {
    if (mayIncludePeers(q.prefix)) await this.flush()
    yield * this.inner.queryKeys(q, options)
  }

  /** Write every pending peer entry to the inner store; call before closing it. */
  async flush (): Promise<void> {
    if (this.flushTimer !== undefined) {
      clearTimeout(this.flushTimer)
      this.flushTimer = undefined
    }
    if (this.dirty.size === 0) {
      await this.writes
      return
    }
    const pending = [...this.dirty]
    this.dirty.clear()
    for (const [id, value] of pending) this.flushing.set(id, value)
    const write = this.writes.then(async () => {
      const batch = this.inner.batch()
      for (const [id, value] of pending) {
        if (value === undefined) batch.delete(new Key(id))
        else batch.put(new Key(id), value)
      }
      await batch.commit()
    })
    const settled = (): void => {
      for (const [id, value] of pending) {
        if (this.flushing.get(id) === value) this.flushing.delete(id)
      }
    }
    this.writes = write.then(() => {
      settled()
      this.retryDelayMs = this.flushDelayMs
    }, () => {
      // A failed write goes back in the queue (unless the key changed since) and is tried again, later each time.
      settled()
      for (const [id, value] of pending) {
        if (!this.dirty.has(id)) this.dirty.set(id, value)
      }
      this.retryDelayMs = Math.min(this.retryDelayMs * 2, MAX_RETRY_DELAY_MS)
      this.scheduleFlush()
    })
    await write
  }

  /** Flush, then close the inner store. */
  async close (): Promise<void> {
    try {
      await this.flush()
    } finally {
      await this.inner.close()
    }
  }

  /** The unflushed value of an entry, DELETED, or undefined when LevelDB is up to date. */
  private pending (id: string): Uint8Array | typeof DELETED | undefined {
    for (const queue of [this.dirty, this.flushing]) {
      if (queue.has(id)) return queue.get(id) ?? DELETED
    }
    return undefined
  }

  private remember (id: string, value: Uint8Array): void {
    this.cached.delete(id)
    this.cached.set(id, value)
    if (this.cached.size > this.maxCached) {
      this.cached.delete(this.cached.keys().next().value as string)
    }
  }

  private scheduleFlush (): void {
    if (this.flushTimer !== undefined) return
    this.flushTimer = setTimeout(() => {
      this.flushTimer = undefined
      this.flush().catch(() => {})
    }, this.retryDelayMs)
    this.flushTimer.unref()
  }
}

const DELETED = Symbol('deleted')

function isPeerKey (id: string): boolean {
  return id.startsWith(PEERS_PREFIX)
}

function mayIncludePeers (prefix: string | undefined): boolean {
  return prefix === undefined || prefix.startsWith(PEERS_PREFIX) || PEERS_PREFIX.startsWith(prefix)
}
