import { setImmediate as yieldEventLoop } from 'node:timers/promises'
import { RegistryError } from '../errors.js'
import { admitAnchor, admitRecord } from './admission.js'
import { COLLECT_SLICE, DEFAULT_CACHE_SIZE, DEFAULT_MAX_NEW_UNSOLICITED_PER_MINUTE, DEFAULT_MAX_UNSOLICITED_PEERS, LIST_SLICE, RECORDS } from './constants.js'
import { CORRUPT, RegistryStore, type WriteOps } from './database.js'
import { recordToStore } from './intake.js'
import { HotLayer } from './hot-layer.js'
import { summarize } from './store-entry.js'
import { UnsolicitedBound } from './unsolicited.js'
import { KeyedLock } from '../util/keyed-lock.js'
import { parsePeer, tryParsePeer, type PeerKey } from './peer-key.js'
import { parseAnchorKey } from './pins.js'
import { matchesFilter } from './trust.js'
import type { AnchorKey, ExchangeNonceStore, KeyRequestTable, ListPeersFilter, PeerKeyRegistryInit, Pin, RegistryCounts, RegistryEntry, StoreAdmission, StoreOptions, TrustLevel } from './types.js'
import type { KeyRecord, KeyRecordValidator } from '../record/index.js'
import type { PqCrypto } from '../crypto/types.js'
import type { AbortOptions, PeerId } from '@libp2p/interface'

/**
 * The local registry of peers' post-quantum keys (the seed's
 * PeerKeyRegistry) in LevelDB with a hot in-memory layer. Only validated
 * records enter, through the pin and rollback rules (admission.ts, pins.ts).
 * Writes for one peer are serialized, so concurrent stores end with the best
 * record and the pin's high-water mark never goes back. Values read from disk
 * are decoded and re-validated once, then served from memory; one that fails
 * is reported through `onCorruptValue` and treated as absent.
 */
export class PeerKeyRegistry {
  private readonly store: RegistryStore
  private readonly crypto: PqCrypto
  private readonly validator: KeyRecordValidator
  private readonly now: () => number
  private readonly hot: HotLayer
  private readonly locks = new KeyedLock()
  private readonly requests: KeyRequestTable | undefined
  /**
   * The rows the key exchange keeps its nonces in, and the peer lock its
   * checks run under: a peer's nonce is written or dropped (with an evicted
   * unsolicited peer) in step with its record and pin.
   */
  readonly nonceStore: ExchangeNonceStore
  private readonly unsolicited: UnsolicitedBound
  private readonly onUnsolicitedEvicted: (peerId: string) => void
  private readonly onCollected: (counts: { records: number, pins: number }) => void
  private opened = false

  constructor (init: PeerKeyRegistryInit) {
    this.crypto = init.crypto
    this.validator = init.validator
    this.now = init.now ?? Date.now
    const report = init.onCorruptValue ?? (() => {})
    this.store = new RegistryStore(init.path, this.validator, this.now, report)
    this.hot = new HotLayer(init.cacheSize ?? DEFAULT_CACHE_SIZE, this.now)
    this.requests = init.requests
    this.nonceStore = {
      withPeer: async (peerId, task) => {
        const { key } = this.openPeer(peerId)
        return this.locks.run(key, async () => task(this.hot.has(key) || this.store.readPin(key) !== undefined))
      },
      inbound: this.store.nonces,
      meta: this.store.meta
    }
    this.unsolicited = new UnsolicitedBound(init.maxUnsolicitedPeers ?? DEFAULT_MAX_UNSOLICITED_PEERS,
      init.maxNewUnsolicitedPerMinute ?? DEFAULT_MAX_NEW_UNSOLICITED_PER_MINUTE, this.now)
    this.onUnsolicitedEvicted = init.onUnsolicitedEvicted ?? (() => {})
    this.onCollected = init.onCollected ?? (() => {})
  }

  async open (): Promise<void> {
    if (this.opened) {
      return
    }
    await this.store.open()
    this.hot.reset(await this.store.readSummaries())
    this.opened = true
  }

  /** Waits for writes in progress, then closes the database. */
  async close (): Promise<void> {
    this.opened = false
    await this.locks.idle()
    await this.store.close()
    this.hot.reset([])
  }

  /**
   * Store a peer's record. Bytes are validated (for `options.peerId` if
   * given); a KeyRecord object is taken as validated by the caller. Throws
   * InvalidRecordError for bad bytes, RegistryError for a refusal
   * (ERR_ROLLBACK, ERR_KEY_CHANGED, ERR_ANCHOR_CONFLICT, ERR_NOT_ANCHORED,
   * ERR_RECORD_EXPIRED, ERR_CORRUPT_PIN, ...). 'unchanged' when the stored
   * record stays (the same bytes, or a same-seq record the selector ranks lower).
   */
  async storePeerKeys (input: KeyRecord | Uint8Array, trust: TrustLevel, options: StoreOptions = {}): Promise<'stored' | 'unchanged'> {
    const { outcome, written } = await this.admitPeerKeys(input, trust, options)
    await written
    return outcome
  }

  /**
   * Store a peer's record as storePeerKeys does, but settle as soon as the
   * pin and rollback rules have admitted it and it is served from memory,
   * with the entry the registry now holds for the peer (the stored one when
   * it stays). `written` settles once the change is on disk; until then the
   * peer's lock is held, so the next store for the peer sees it. If the
   * write fails, the change leaves memory too and `written` rejects.
   * A resolve returns its keys this way without waiting for LevelDB's
   * thread pool and a turn of a busy event loop.
   */
  async admitPeerKeys (input: KeyRecord | Uint8Array, trust: TrustLevel, options: StoreOptions = {}): Promise<StoreAdmission> {
    this.assertOpen()
    options.signal?.throwIfAborted()
    const record = recordToStore(this.validator, this.now(), input, trust, options.peerId)
    const key = record.peerId.toString()
    if (this.locks.isIdle(key)) {
      // Nothing is reading or writing this peer: admit in this turn of the
      // event loop, and hold the peer until the write lands.
      const { outcome, entry, commit } = this.admitLocked(key, record, trust, options)
      const written = commit === undefined ? Promise.resolve() : this.locks.run(key, commit)
      // The caller sees a failed write through `written`; a caller that ignores it must not crash the process.
      written.catch(() => {})
      return { outcome, entry, written }
    }
    const admitted = Promise.withResolvers<StoreAdmission>()
    const written = this.locks.run(key, async () => {
      const { outcome, entry, commit } = this.admitLocked(key, record, trust, options)
      const write = commit?.() ?? Promise.resolve()
      admitted.resolve({ outcome, entry, written: write })
      await write
    })
    // A refusal before admission rejects `admitted`; after it, only `written`.
    written.catch(err => { admitted.reject(err) })
    return admitted.promise
  }

  /**
   * Apply the pin and rollback rules to `record` and serve the result from
   * memory; call with the peer's lock held or free. `commit` writes it to
   * disk (with the lock held), and takes it out of memory again if the write
   * fails; absent when nothing changes.
   */
  private admitLocked (key: string, record: KeyRecord, trust: TrustLevel, options: StoreOptions): { outcome: 'stored' | 'unchanged', entry: RegistryEntry | undefined, commit?: () => Promise<void> } {
    const pin = this.store.readPin(key)
    if (pin === CORRUPT) {
      // Fail closed: without the pin there is no key-change or rollback check.
      throw new RegistryError('ERR_CORRUPT_PIN', `the stored pin of ${key} is corrupt; configure it as an anchor to reset it`)
    }
    const current = this.entryLocked(key, record.peerId)
    const known = this.hot.summary(key)
    // A peer with a pin but no record was known before (a pin of an unsolicited peer goes with its record).
    const newUnsolicited = options.unsolicited === true && known === undefined && pin === undefined
    const unsolicited = newUnsolicited || (options.unsolicited === true && known?.unsolicited === true)
    const result = admitRecord({
      crypto: this.crypto, record, trust, verified: options.verified === true, pin, current, now: this.now()
    })
    const entry = result.entry === undefined ? undefined : Object.freeze(result.entry)
    if (entry === undefined && (known === undefined || known.unsolicited === unsolicited)) {
      return { outcome: result.outcome, entry: current }
    }
    options.signal?.throwIfAborted()
    const summary = entry === undefined ? { ...known!, unsolicited } : summarize(entry, unsolicited)
    // Checked last, so that only a record that is really stored uses the new-peer budget.
    const displaced = newUnsolicited && this.unsolicited.admit(this.hot.counts.unsolicited) ? this.hot.oldestUnsolicited() : undefined
    const ops: WriteOps = { entry, summary, pin: result.outcome === 'stored' ? result.pin : undefined }
    if (entry !== undefined) this.hot.put(key, entry, summary)
    else this.hot.setSummary(key, summary)
    if (displaced !== undefined) this.evictUnsolicited(displaced)
    const commit = async (): Promise<void> => {
      try {
        await this.store.write(key, ops)
      } catch (err) {
        this.hot.evict(key, known)
        throw err
      }
    }
    return { outcome: result.outcome, entry: entry ?? current, commit }
  }

  /**
   * Drop an unsolicited peer to make room for a newer one: its record, pin
   * and last nonce go, as if it had never asked. In the background; a peer
   * that meanwhile became solicited stays.
   */
  private evictUnsolicited (key: string): void {
    this.hot.releaseUnsolicited(key)
    this.locks.run(key, async () => {
      if (this.hot.summary(key)?.unsolicited !== true) return
      await this.commit(key, { deleteEntry: true, deletePeer: this.dropsPeer(key) })
      this.onUnsolicitedEvicted(key)
    }).catch(err => {
      // Not deleted after all: it counts again (as the newest), and the next admission makes room.
      const summary = this.hot.summary(key)
      if (summary !== undefined) this.hot.setSummary(key, summary)
      this.store.report(`${RECORDS}/${key}`, err as Error)
    })
  }

  /**
   * The node looked this peer up and found it in the registry: a peer
   * learned unasked becomes one the node uses, out of the bounded store.
   * A map lookup when there is nothing to do; the write runs in the background.
   */
  noteResolved (peerId: PeerId | string): void {
    const key = typeof peerId === 'string' ? peerId : peerId.toString()
    if (this.hot.summary(key)?.unsolicited !== true) return
    this.locks.run(key, async () => {
      const summary = this.hot.summary(key)
      if (summary?.unsolicited !== true) return
      await this.commit(key, { summary: { ...summary, unsolicited: false } })
    }).catch(err => { this.store.report(`${RECORDS}/${key}`, err as Error) })
  }

  /** The stored, valid, unexpired entry of a peer. */
  async get (peerId: PeerId | string): Promise<RegistryEntry | undefined> {
    const hit = this.getCached(peerId)
    if (hit !== undefined) {
      return hit
    }
    const { key, peerId: id } = this.openPeer(peerId)
    // A load must not race a write of the same peer; with none going on it reads at once.
    return this.locks.read(key, () => this.entryLocked(key, id))
  }

  /**
   * The entry from the in-memory layer only, without touching LevelDB: the
   * cached-resolve path. A string must be the PeerId's canonical (base58btc)
   * form to hit.
   */
  getCached (peerId: PeerId | string): RegistryEntry | undefined {
    return this.hot.get(typeof peerId === 'string' ? peerId : peerId.toString())
  }

  async getMlDsaKey (peerId: PeerId | string): Promise<Uint8Array | undefined> {
    return (await this.get(peerId))?.record.mlDsaPublicKey
  }

  async getMlKemKey (peerId: PeerId | string): Promise<Uint8Array | undefined> {
    return (await this.get(peerId))?.record.mlKemPublicKey
  }

  /** A valid record always carries both keys, so this is "has an unexpired record". */
  async hasCompleteKeys (peerId: PeerId | string): Promise<boolean> {
    return (await this.get(peerId)) !== undefined
  }

  async isVerified (peerId: PeerId | string): Promise<boolean> {
    return (await this.get(peerId))?.verified === true
  }

  /** The peer itself or an anchor confirmed the stored record. ERR_NO_RECORD when none is stored. */
  async markVerified (peerId: PeerId | string): Promise<void> {
    const { key, peerId: id } = this.openPeer(peerId)
    await this.locks.run(key, async () => {
      const current = this.entryLocked(key, id)
      if (current === undefined) {
        throw new RegistryError('ERR_NO_RECORD', `no unexpired record of ${key} to mark verified`)
      }
      if (current.verified) {
        return
      }
      const entry = Object.freeze({ ...current, verified: true })
      await this.commit(key, { entry, summary: summarize(entry, this.hot.summary(key)?.unsolicited ?? false) })
    })
  }

  /**
   * True when the caller should send a KeyRequest now: no unexpired record
   * and no request pending in the exchange's table. Reserves the request
   * there; false when the table is full.
   */
  async requestKeysIfNeeded (peerId: PeerId | string): Promise<boolean> {
    const { key } = parsePeer(peerId)
    const requests = this.requestTable()
    if (await this.hasCompleteKeys(peerId)) {
      return false
    }
    return requests.tryReserve(key)
  }

  /** Clear a reserved request (answered or failed). */
  completeRequest (peerId: PeerId | string): void {
    this.requestTable().complete(parsePeer(peerId).key)
  }

  /** Drop expired pending requests; returns how many. */
  cleanupExpiredRequests (): number {
    return this.requestTable().removeExpired()
  }

  /** Pending key requests, expired ones included until cleaned up. */
  pendingRequestCount (): number {
    return this.requestTable().size
  }

  private requestTable (): KeyRequestTable {
    if (this.requests === undefined) {
      throw new RegistryError('ERR_NO_REQUEST_TABLE', 'this registry was made without the key exchange\'s pending-request table: pass `requests` (a PendingKeyRequests) to the PeerKeyRegistry')
    }
    return this.requests
  }

  /** Peers with a verified, unexpired record. Lists in slices that yield the event loop. */
  async getVerifiedPeers (): Promise<PeerId[]> {
    return (await this.listPeers({ verified: true })).map(entry => entry.record.peerId)
  }

  /**
   * Valid, unexpired entries in PeerId order, optionally filtered and paged
   * (`after`, `limit`). The filter is applied to the in-memory summaries
   * first; only matching records are loaded (and re-validated, when not in
   * memory), LIST_SLICE at a time between yields of the event loop, so a
   * large registry never stalls the node.
   */
  async listPeers (filter: ListPeersFilter = {}): Promise<RegistryEntry[]> {
    this.assertOpen()
    const limit = filter.limit ?? Infinity
    const entries: RegistryEntry[] = []
    let loaded = 0
    for await (const key of this.store.summaryKeys(filter.after)) {
      if (entries.length >= limit) break
      const summary = this.hot.summary(key)
      if (summary === undefined || summary.expiresAt <= this.now() || !matchesFilter(summary, filter)) continue
      let entry = this.getCached(key)
      if (entry === undefined) {
        if (++loaded % LIST_SLICE === 0) await yieldEventLoop()
        entry = await this.loadByKey(key)
      }
      if (entry !== undefined && matchesFilter(entry, filter)) entries.push(entry)
    }
    return entries
  }

  /**
   * Remove a peer's record. Its pin and last nonce stay on purpose: the pin
   * (key and seq high-water mark) is what refuses a replayed older record or
   * a swapped key after the record is gone, and the nonce is what refuses a
   * replayed KeyRequest. Dropping them would let anyone who gets a record
   * removed reset the peer's protection.
   */
  async removePeerKeys (peerId: PeerId | string): Promise<void> {
    const { key } = this.openPeer(peerId)
    // An unsolicited peer's pin goes too: kept, it would make the peer "known" and let its next record in unbounded.
    await this.locks.run(key, async () => this.commit(key, { deleteEntry: true, deletePeer: this.dropsPeer(key) }))
  }

  /**
   * Whether removing this peer's record removes its pin and nonce too: only
   * for a peer learned unasked, and never an anchor's pin. Call with the
   * peer's lock held.
   */
  private dropsPeer (key: string): boolean {
    if (this.hot.summary(key)?.unsolicited !== true) return false
    const pin = this.store.readPin(key)
    return pin === undefined || pin === CORRUPT || pin.source !== 'anchor'
  }

  /**
   * Delete stored records that have expired; returns how many. Pins stay,
   * except those of unsolicited peers, which go with their record and nonce
   * (anchors and peers the node resolved keep theirs: the pin is their
   * rollback and key-change protection). Works from the in-memory
   * summaries, COLLECT_SLICE at a time between yields of the event loop.
   */
  async removeExpiredRecords (options: AbortOptions = {}): Promise<number> {
    this.assertOpen()
    const expired: string[] = []
    let seen = 0
    for (const [key, summary] of this.hot.storedSummaries()) {
      if (summary.expiresAt <= this.now()) expired.push(key)
      if (++seen % COLLECT_SLICE === 0) await yieldEventLoop()
    }
    let records = 0
    let pins = 0
    for (const key of expired) {
      options.signal?.throwIfAborted()
      if (!this.opened) break
      const removed = await this.locks.run(key, async () => {
        const summary = this.hot.summary(key)
        // Replaced by a fresh record since it was found, or gone.
        if (summary === undefined || summary.expiresAt > this.now()) return undefined
        // The summary is not trusted to delete a record: one that still validates and has not expired stays, its summary mended.
        const peer = tryParsePeer(key, () => {})
        const live = peer === undefined ? undefined : this.entryLocked(key, peer.peerId)
        if (live !== undefined) {
          await this.commit(key, { summary: summarize(live, summary.unsolicited) })
          return undefined
        }
        await this.commit(key, { deleteEntry: true, deletePeer: this.dropsPeer(key) })
        return summary
      })
      if (removed === undefined) continue
      records++
      if (removed.unsolicited) pins++
    }
    if (records > 0) this.onCollected({ records, pins })
    return records
  }

  /**
   * Pin a configured bootstrap anchor's ML-DSA-65 key (see anchorPin for
   * what happens to an existing pin). A stored record with the anchor's key
   * becomes trust 'anchor' and verified; one with another key is deleted.
   */
  async setAnchor (peerId: PeerId | string, anchorKey: AnchorKey): Promise<void> {
    const { key, peerId: id } = this.openPeer(peerId)
    const anchor = parseAnchorKey(anchorKey)
    await this.locks.run(key, async () => {
      const existing = this.store.readPin(key)
      // The operator's configuration replaces a corrupt pin.
      const admission = admitAnchor(existing === CORRUPT ? undefined : existing, anchor, this.entryLocked(key, id))
      // An anchor is configured, never unsolicited: a summary that says so (even of an expired record) is mended.
      const known = this.hot.summary(key)
      const summary = admission.entry !== undefined
        ? summarize(admission.entry, false)
        : known?.unsolicited === true && !admission.deleteEntry ? { ...known, unsolicited: false } : undefined
      await this.commit(key, { ...admission, summary })
    })
  }

  /** The peer's pin; undefined when none (or when it is corrupt, which is reported). */
  async getPin (peerId: PeerId | string): Promise<Pin | undefined> {
    const { key } = this.openPeer(peerId)
    // An admitted record's pin is on disk only once its write lands, with the peer's lock still held: wait for it as get() does.
    return this.locks.read(key, () => {
      const pin = this.store.readPin(key)
      return pin === CORRUPT ? undefined : pin
    })
  }

  /** Stored records, including expired ones not yet removed. */
  size (): number {
    return this.hot.counts.records
  }

  /** Stored, verified and unsolicited records, kept as entries change: reading them scans nothing. */
  counts (): RegistryCounts {
    return this.hot.counts
  }

  /** Cache, else disk; call with the peer's lock held so a load never overwrites a newer write. */
  private entryLocked (key: string, peerId: PeerId): RegistryEntry | undefined {
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
  private async commit (key: string, ops: WriteOps): Promise<void> {
    await this.store.write(key, ops)
    if (ops.entry !== undefined) {
      this.hot.put(key, ops.entry, ops.summary)
    } else if (ops.deleteEntry === true) {
      this.hot.forget(key)
    } else if (ops.summary !== undefined) {
      this.hot.setSummary(key, ops.summary)
    }
  }

  private async loadByKey (key: string): Promise<RegistryEntry | undefined> {
    const peerKey = tryParsePeer(key, err => { this.store.report(`${RECORDS}/${key}`, err) })
    return peerKey === undefined ? undefined : this.locks.run(peerKey.key, async () => this.entryLocked(peerKey.key, peerKey.peerId))
  }

  private openPeer (peerId: PeerId | string): PeerKey {
    this.assertOpen()
    return parsePeer(peerId)
  }

  private assertOpen (): void {
    if (!this.opened) {
      throw new RegistryError('ERR_NOT_OPEN', 'the registry is not open: call open() first')
    }
  }
}
