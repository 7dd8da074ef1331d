import { RegistryError } from '../errors.js'
import { KeyedLock } from '../util/keyed-lock.js'
import { RECORDS } from './constants.js'
import { CORRUPT, RegistryStore, type WriteOps } from './database.js'
import { HotLayer } from './hot-layer.js'
import { parsePeer, tryParsePeer, type PeerKey } from './peer-key.js'
import type { ExchangeNonceStore, RegistryEntry } from './types.js'
import type { PqCrypto } from '../crypto/types.js'
import type { KeyRecordValidator } from '../record/index.js'
import type { PeerId } from '@libp2p/interface'

export interface RegistryStateInit {
  path: string
  crypto: PqCrypto
  validator: KeyRecordValidator
  now: () => number
  cacheSize: number
  onCorruptValue: (key: string, err: Error) => void
}

/**
 * What the registry's parts share: the database, the hot in-memory layer
 * over it, and the per-peer locks that serialize a peer's reads from disk
 * and writes. Every change goes through `commit` with the peer's lock held,
 * so memory never runs ahead of or behind what is on disk for long.
 */
export class RegistryState {
  readonly store: RegistryStore
  readonly hot: HotLayer
  readonly locks = new KeyedLock()
  readonly crypto: PqCrypto
  readonly validator: KeyRecordValidator
  readonly now: () => number
  opened = false
  /** A peer left no trace (WriteOps.deletePeer): what is held of it in memory elsewhere goes too. */
  onPeerDropped: (key: string) => void = () => {}

  constructor (init: RegistryStateInit) {
    this.crypto = init.crypto
    this.validator = init.validator
    this.now = init.now
    this.store = new RegistryStore(init.path, init.validator, init.now, init.onCorruptValue)
    this.hot = new HotLayer(init.cacheSize, init.now)
  }

  /** Cache, else disk; call with the peer's lock held so a load never overwrites a newer write. */
  entryLocked (key: string, peerId: PeerId): RegistryEntry | undefined {
    const hit = this.hot.get(key)
    if (hit !== undefined) {
      return hit
    }
    const entry = this.store.loadEntry(key, peerId)
    if (entry !== undefined) {
      this.hot.put(key, entry)
    }
    return entry
  }

  /** Write to disk, then to the hot layer; call with the peer's lock held. */
  async commit (key: string, ops: WriteOps): Promise<void> {
    await this.store.write(key, ops)
    if (ops.deletePeer === true) this.onPeerDropped(key)
    if (ops.entry !== undefined) {
      this.hot.put(key, ops.entry, ops.summary)
    } else if (ops.deleteEntry === true) {
      this.hot.forget(key)
    } else if (ops.summary !== undefined) {
      this.hot.setSummary(key, ops.summary)
    }
  }

  /**
   * Whether removing this peer's record removes its pin and nonce too: only
   * for a peer learned unasked, and never an anchor's pin. Call with the
   * peer's lock held.
   */
  dropsPeer (key: string): boolean {
    if (this.hot.summary(key)?.unsolicited !== true) return false
    const pin = this.store.readPin(key)
    return pin === undefined || pin === CORRUPT || pin.source !== 'anchor'
  }

  /** The entry under a database key; a key that is no PeerId is reported as corrupt. */
  async loadByKey (key: string): Promise<RegistryEntry | undefined> {
    const peerKey = tryParsePeer(key, err => { this.store.report(`${RECORDS}/${key}`, err) })
    return peerKey === undefined ? undefined : this.locks.run(peerKey.key, async () => this.entryLocked(peerKey.key, peerKey.peerId))
  }

  /** The rows the exchange keeps its nonces in, under each peer's lock (see PeerKeyRegistry.nonceStore). */
  nonceStore (): ExchangeNonceStore {
    return {
      withPeer: async (peerId, task) => {
        const { key } = this.openPeer(peerId)
        return this.locks.run(key, async () => task(this.hot.has(key) || this.store.readPin(key) !== undefined))
      },
      inbound: this.store.nonces,
      meta: this.store.meta
    }
  }

  openPeer (peerId: PeerId | string): PeerKey {
    this.assertOpen()
    return parsePeer(peerId)
  }

  assertOpen (): void {
    if (!this.opened) {
      throw new RegistryError('ERR_NOT_OPEN', 'the registry is not open: call open() first')
    }
  }
}
