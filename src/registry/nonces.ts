import { RegistryError } from '../errors.js'
import { MAX_NONCE, NONCE_CLOCK_FACTOR, OUTBOUND_NONCE_KEY } from './constants.js'
import { decodeNonce, encodeNonce } from './store-entry.js'

/** The little of a LevelDB sublevel that nonce keeping needs. */
export interface NonceStore {
  get (key: string): Promise<Uint8Array | undefined>
  put (key: string, value: Uint8Array): Promise<void>
}

/**
 * Nonces of the direct exchange, persisted so that a restart neither accepts
 * a replayed request nor reuses one of our own nonces. Callers serialize
 * calls per peer (and the outbound ones among themselves).
 */
export class NonceBook {
  constructor (
    private readonly inbound: NonceStore,
    private readonly meta: NonceStore,
    private readonly report: (key: string, err: Error) => void
  ) {}

  /**
   * Accept `nonce` from peer `key` only if it is strictly greater than the
   * last accepted one; persist it before saying yes. A corrupt stored value
   * is reported and treated as absent: the exchange's 5-minute timestamp
   * window still bounds what could be replayed.
   */
  async acceptInbound (key: string, nonce: bigint): Promise<boolean> {
    if (typeof nonce !== 'bigint' || nonce < 0n || nonce > MAX_NONCE) {
      return false
    }
    const last = await this.read(this.inbound, key, `nonces/${key}`)
    if (last !== undefined && nonce <= last) {
      return false
    }
    await this.inbound.put(key, encodeNonce(nonce))
    return true
  }

  /**
   * The next nonce for our own requests: above the last one handed out and
   * at least the clock in microseconds, written before it is returned. If a
   * write is lost in a crash, the clock term still moves past it, as long as
   * fewer than 1000 nonces are taken per millisecond.
   */
  async nextOutbound (nowMs: number): Promise<bigint> {
    const last = await this.read(this.meta, OUTBOUND_NONCE_KEY, `meta/${OUTBOUND_NONCE_KEY}`) ?? 0n
    const fromClock = BigInt(Math.max(0, Math.floor(nowMs))) * NONCE_CLOCK_FACTOR
    const next = last + 1n > fromClock ? last + 1n : fromClock
    if (next > MAX_NONCE) {
      throw new RegistryError('ERR_NONCE_EXHAUSTED', 'outbound nonces are used up (uint64)')
    }
    await this.meta.put(OUTBOUND_NONCE_KEY, encodeNonce(next))
    return next
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
