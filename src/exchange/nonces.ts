import { lazyLru } from '../util/lru.js'
import { ExchangeError } from '../errors.js'
import { MAX_UINT64 } from '../util/protons-uint64.js'
import { NONCE_CLOCK_FACTOR, OUTBOUND_NONCE_KEY, OUTBOUND_NONCE_RESERVATION, UNHELD_NONCES } from './constants.js'
import type { ExchangeNonceStore } from '../registry/index.js'
import type { PeerId } from '@libp2p/interface'

export interface NonceBookInit {
  /** Clock in Unix milliseconds. Default `Date.now`. */
  now?: () => number
  /** Outbound nonces one written ceiling covers. */
  reservation?: bigint
}

/**
 * The direct exchange's nonces, persisted so that a restart neither accepts
 * a replayed request nor reuses one of our own nonces. The rows live in the
 * registry's database (ExchangeNonceStore); the rules live here.
 */
export class NonceBook {
  private readonly store: ExchangeNonceStore
  private readonly now: () => number
  private readonly reservation: bigint
  /** The outbound ceiling on disk, once read. */
  private ceiling: bigint | undefined
  /** The last outbound nonce handed out by this process. */
  private last: bigint | undefined
  /** A background move of the ceiling is being written. */
  private extending = false
  /** The last ceiling write issued; they land one after another. */
  private writes: Promise<void> = Promise.resolve()
  /** Outbound nonces are handed out one at a time: takes that must wait for LevelDB queue here. */
  private outbound: Promise<unknown> = Promise.resolve()
  /** Takes queued on `outbound` and not yet done. */
  private queued = 0
  /** Last nonces of requesters the registry does not hold, in memory only (bounded): see acceptInbound. */
  private readonly unheld = lazyLru<string, bigint>(UNHELD_NONCES)

  constructor (store: ExchangeNonceStore, init: NonceBookInit = {}) {
    this.store = store
    this.now = init.now ?? Date.now
    this.reservation = init.reservation ?? OUTBOUND_NONCE_RESERVATION
  }

  /**
   * Replay protection: accept `nonce` from `peerId` only if it is strictly
   * greater than the last accepted one, and persist it before saying yes.
   * For a requester the registry does not hold (PeerIds are free, and a row
   * per PeerId on disk would grow without end) the nonce is kept in a
   * bounded memory table instead; a restart or the table's bound forgets it,
   * and then the exchange's 5-minute timestamp window alone bounds a replay,
   * which could only make this node answer the same request again.
   */
  async acceptInbound (peerId: PeerId | string, nonce: bigint): Promise<boolean> {
    if (typeof nonce !== 'bigint' || nonce < 0n || nonce > MAX_UINT64) {
      return false
    }
    const key = peerId.toString()
    return this.store.withPeer(peerId, async held => {
      const stored = await this.store.inbound.get(key)
      const remembered = this.unheld.get(key)
      if ((stored !== undefined && nonce <= stored) || (remembered !== undefined && nonce <= remembered)) {
        return false
      }
      if (!held) {
        this.unheld.set(key, nonce)
        return true
      }
      await this.store.inbound.put(key, nonce)
      this.unheld.delete(key)
      return true
    })
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
   * still being written (the first one after start, if it comes at once).
   */
  async nextOutbound (): Promise<bigint> {
    // The common case needs no LevelDB: taken in this turn, so that the
    // request's signature can start before anything else the caller does.
    const now = this.queued === 0 ? this.takeCovered() : undefined
    if (now !== undefined) return now
    this.queued++
    const next = this.outbound.then(async () => this.takeOutbound()).finally(() => { this.queued-- })
    this.outbound = next.catch(() => {})
    return next
  }

  private async takeOutbound (): Promise<bigint> {
    await this.prepare()
    const covered = this.takeCovered()
    if (covered !== undefined) return covered
    const next = this.last! + 1n
    if (next > MAX_UINT64) {
      throw new ExchangeError('ERR_NONCE_EXHAUSTED', 'outbound nonces are used up (uint64)')
    }
    // A reservation still being written may cover it.
    await this.writes
    if (next > this.ceiling!) await this.reserve(next)
    this.last = next
    return next
  }

  /**
   * The next nonce, when the ceiling on disk already covers it (starting the
   * next reservation in the background once half of this one is used);
   * undefined when it must wait for the first read or for a ceiling write.
   */
  private takeCovered (): bigint | undefined {
    if (this.last === undefined || this.ceiling === undefined) return undefined
    const next = this.last + 1n
    if (next > this.ceiling || next > MAX_UINT64) return undefined
    if (this.ceiling - next < this.reservation / 2n && !this.extending) {
      this.extending = true
      this.reserve(next).catch(() => {}).finally(() => { this.extending = false })
    }
    this.last = next
    return next
  }

  /**
   * Read the stored ceiling and start the first reservation, once; the
   * exchange calls it when it starts, so that the first request finds it done.
   */
  async prepare (): Promise<void> {
    if (this.last !== undefined) return
    const stored = await this.store.meta.get(OUTBOUND_NONCE_KEY) ?? 0n
    if (this.last !== undefined) return
    const fromClock = BigInt(Math.max(0, Math.floor(this.now()))) * NONCE_CLOCK_FACTOR
    this.ceiling = stored
    this.last = stored >= fromClock ? stored : fromClock - 1n
    this.reserve(this.last + 1n).catch(() => {})
  }

  /** Resolves once no nonce is being handed out and no ceiling is being written. */
  async idle (): Promise<void> {
    await this.outbound
    await this.writes
  }

  /**
   * Write a ceiling a reservation above `from`. Writes are chained so that
   * they land in the order issued, and the ceiling in memory moves only once
   * its write is on disk.
   */
  private async reserve (from: bigint): Promise<void> {
    const ceiling = from + this.reservation > MAX_UINT64 ? MAX_UINT64 : from + this.reservation
    const write = this.writes.then(async () => {
      await this.store.meta.put(OUTBOUND_NONCE_KEY, ceiling, { sync: true })
      if (this.ceiling === undefined || ceiling > this.ceiling) this.ceiling = ceiling
    })
    this.writes = write.catch(() => {})
    return write
  }
}
