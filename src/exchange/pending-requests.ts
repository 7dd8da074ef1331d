import { ExchangeError } from '../errors.js'
import { MAX_PENDING_PER_PEER, MAX_PENDING_REQUESTS, PENDING_REQUEST_TIMEOUT_MS } from './constants.js'
import type { KeyRequestTable } from '../registry/index.js'

export interface PendingKeyRequestsInit {
  /** How long an entry blocks another request for the peer. Default 30 s (the seed's rule). */
  timeoutMs?: number
  /** Entries in total. Default 1024. */
  max?: number
  now?: () => number
}

interface Pending {
  /** Requests of ours on the wire to the peer. */
  inFlight: number
  /** Reserved through the registry's requestKeysIfNeeded, not yet completed. */
  reserved: boolean
  /** Unix milliseconds when the entry stops blocking another request. */
  deadline: number
}

/**
 * Key requests in flight, per peer, in memory only (a restart forgets them,
 * which only means a request may be sent again): the exchange's one
 * pending table. Every request the exchange sends is counted here, at most
 * MAX_PENDING_PER_PEER at once per peer; the registry's seed API
 * (requestKeysIfNeeded, completeRequest, cleanupExpiredRequests) reserves
 * and reads the same entries, so discovery on connect does not ask a peer
 * that a resolve is already asking. Entries expire after a timeout, and
 * reservations are bounded in total so a flood of new peers cannot grow
 * the table without limit.
 */
export class PendingKeyRequests implements KeyRequestTable {
  private readonly entries = new Map<string, Pending>()
  private readonly timeoutMs: number
  private readonly max: number
  private readonly now: () => number

  constructor (init: PendingKeyRequestsInit = {}) {
    this.timeoutMs = init.timeoutMs ?? PENDING_REQUEST_TIMEOUT_MS
    this.max = init.max ?? MAX_PENDING_REQUESTS
    this.now = init.now ?? Date.now
  }

  tryReserve (key: string): boolean {
    const now = this.now()
    const entry = this.entries.get(key)
    if (entry !== undefined && entry.deadline > now) {
      return false
    }
    if (entry === undefined && this.entries.size >= this.max) {
      this.removeExpired()
      if (this.entries.size >= this.max) {
        return false
      }
    }
    this.entries.set(key, { inFlight: entry?.inFlight ?? 0, reserved: true, deadline: now + this.timeoutMs })
    return true
  }

  complete (key: string): void {
    const entry = this.entries.get(key)
    if (entry === undefined) return
    entry.reserved = false
    if (entry.inFlight <= 0) this.entries.delete(key)
  }

  /**
   * A request of ours to `key` goes on the wire: ERR_TOO_MANY_PENDING when
   * MAX_PENDING_PER_PEER are already in flight. Not bounded by the table's
   * total: requests are made by the node's own resolves, each bounded in time.
   */
  begin (key: string): void {
    const entry = this.entries.get(key) ?? { inFlight: 0, reserved: false, deadline: 0 }
    if (entry.inFlight >= MAX_PENDING_PER_PEER) {
      throw new ExchangeError('ERR_TOO_MANY_PENDING', `already ${entry.inFlight} key requests pending to ${key}`)
    }
    entry.inFlight++
    entry.deadline = Math.max(entry.deadline, this.now() + this.timeoutMs)
    this.entries.set(key, entry)
  }

  /** A request begun with `begin` ended, answered or not. */
  end (key: string): void {
    const entry = this.entries.get(key)
    if (entry === undefined) return
    entry.inFlight--
    if (entry.inFlight <= 0 && !entry.reserved) this.entries.delete(key)
  }

  /**
   * Drop expired entries. One with a request still on the wire keeps its
   * count until the request ends (bounded by the same timeout), so the
   * per-peer bound never undercounts.
   */
  removeExpired (): number {
    const now = this.now()
    let removed = 0
    for (const [key, entry] of this.entries) {
      if (entry.deadline > now || (entry.inFlight > 0 && !entry.reserved)) continue
      removed++
      if (entry.inFlight > 0) entry.reserved = false
      else this.entries.delete(key)
    }
    return removed
  }

  get size (): number {
    return this.entries.size
  }

  clear (): void {
    this.entries.clear()
  }
}
