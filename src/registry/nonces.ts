import { LRUCache } from 'lru-cache'
import { RegistryError } from '../errors.js'
import { MAX_NONCE, NONCE_CLOCK_FACTOR, OUTBOUND_NONCE_KEY, OUTBOUND_NONCE_RESERVATION, UNHELD_NONCES } from './constants.js'
import { decodeNonce, encodeNonce } from './store-entry.js'

/** The little of a LevelDB sublevel that nonce keeping needs. */
export interface NonceStore {
  get (key: string): Promise<Uint8Array | undefined>
  /** `sync`: on disk (fsync) before it resolves, not only handed to the OS. */
  put (key: string, value: Uint8Array, options?: { sync?: boolean }): Promise<void>
}

/**
 * Nonces of the direct exchange, persisted so that a restart neither accepts
 * a replayed request nor reuses one of our own nonces. Callers serialize
 * calls per peer (and the outbound ones among themselves).
 */
export class NonceBook {
  /** The outbound ceiling on disk, once read. */
  private ceiling: bigint | undefined
  /** The last outbound nonce handed out by this process. */
  private last: bigint | undefined
  /** A background move of the ceiling is being written. */
  private extending = false
  /** The last ceiling write issued; they land one after another. */
  private writes: Promise<void> = Promise.resolve()
  /** Last nonces of requesters the registry does not hold, in memory only (bounded): see acceptInbound. */
  private readonly unheld = new LRUCache<string, bigint>({ max: UNHELD_NONCES })

  constructor (
    private readonly inbound: NonceStore,
    private readonly meta: NonceStore,
    private readonly report: (key: string, err: Error) => void,
    /** Outbound nonces one written ceiling covers. */
    private readonly reservation = OUTBOUND_NONCE_RESERVATION
  ) {}

  /**
   * Accept `nonce` from peer `key` only if it is strictly greater than the
   * last accepted one; persist it before saying yes. A corrupt stored value
   * is reported and treated as absent: the exchange's 5-minute timestamp
   * window still bounds what could be replayed. With `persist: false` (a
   * requester the registry does not hold: PeerIds are free, and a row per
   * PeerId on disk would grow without end) the nonce is kept in a bounded
   * memory table instead; a restart or the table's bound forgets it, and
   * then the timestamp window alone bounds a replay, which could only make
   * this node answer the same request again.
   */
  async acceptInbound (key: string, nonce: bigint, persist = true): Promise<boolean> {
    if (typeof nonce !== 'bigint' || nonce < 0n || nonce > MAX_NONCE) {
      return false
    }
    const stored = await this.read(this.inbound, key, `nonces/${key}`)
    const remembered = this.unheld.get(key)
    if ((stored !== undefined && nonce <= stored) || (remembered !== undefined && nonce <= remembered)) {
      return false
    }
    if (!persist) {
      this.unheld.set(key, nonce)
      return true
    }
    await this.inbound.put(key, encodeNonce(nonce))
    this.unheld.delete(key)
    return true
  }

  /**
   * The next nonce for our own requests, strictly above every one handed out
   * before, across restarts. What is on disk is a ceiling, not the last
   * nonce: no nonce above it has been handed out. A process starts above the
   * stored ceiling and at least at the clock in microseconds (so that even a
   * lost registry does not reuse the nonces peers remember), then counts up
   * by one from memory. The ceiling is written, synced to disk, a
   * reservation ahead, and moved on in the background once half of it is
   * used: a request waits for LevelDB only while a reservation it needs is
   * still being written (the first one after open, if it comes at once).
   */
  async nextOutbound (nowMs: number): Promise<bigint> {
    await this.prepare(nowMs)
    const next = this.last! + 1n
    if (next > MAX_NONCE) {
      throw new RegistryError('ERR_NONCE_EXHAUSTED', 'outbound nonces are used up (uint64)')
    }
    if (next > this.ceiling!) {
      // A reservation still being written may cover it.
      await this.writes
      if (next > this.ceiling!) await this.reserve(next)
    } else if (this.ceiling! - next < this.reservation / 2n && !this.extending) {
      this.extending = true
      this.reserve(next).catch(() => {}).finally(() => { this.extending = false })
    }
    this.last = next
    return next
  }

  /**
   * Read the stored ceiling and start the first reservation, once per open;
   * the registry calls it at open so that the first request finds it done.
   */
  async prepare (nowMs: number): Promise<void> {
    if (this.last !== undefined) return
    const stored = await this.read(this.meta, OUTBOUND_NONCE_KEY, `meta/${OUTBOUND_NONCE_KEY}`) ?? 0n
    if (this.last !== undefined) return
    const fromClock = BigInt(Math.max(0, Math.floor(nowMs))) * NONCE_CLOCK_FACTOR
    this.ceiling = stored
    this.last = stored >= fromClock ? stored : fromClock - 1n
    this.reserve(this.last + 1n).catch(() => {})
  }

  /** Resolves once no ceiling is being written. */
  async idle (): Promise<void> {
    await this.writes
  }

  /** Forget what was read from disk (the database was closed and may be reopened). */
  reset (): void {
    this.ceiling = undefined
    this.last = undefined
  }

  /**
   * Write a ceiling a reservation above `from`. Writes are chained so that
   * they land in the order issued, and the ceiling in memory moves only once
   * its write is on disk.
   */
  private async reserve (from: bigint): Promise<void> {
    const ceiling = from + this.reservation > MAX_NONCE ? MAX_NONCE : from + this.reservation
    const write = this.writes.then(async () => {
      await this.meta.put(OUTBOUND_NONCE_KEY, encodeNonce(ceiling), { sync: true })
      if (this.ceiling === undefined || ceiling > this.ceiling) this.ceiling = ceiling
    })
    this.writes = write.catch(() => {})
    return write
  }

  private async read (store: NonceStore, key: string, reportKey: string): Promise<bigint | undefined> {
    const value = await store.get(key)
    if (value === undefined) {
      return undefined
    }
    try {
      return decodeNonce(value)
    } catch (err) {
      this.report(reportKey, err as Error)
      return undefined
    }
  }
}
