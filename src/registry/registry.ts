import { RegistryError } from '../errors.js'
import { countOption } from '../util/options.js'
import { admitAnchor } from './admission.js'
import { Admitter } from './admitter.js'
import { collectExpired } from './collect.js'
import { DEFAULT_CACHE_SIZE, DEFAULT_MAX_NEW_UNSOLICITED_PER_MINUTE, DEFAULT_MAX_UNSOLICITED_PEERS } from './constants.js'
import { CORRUPT } from './database.js'
import { listEntries } from './listing.js'
import { mlDsaKeyLink, type MlDsaKeyLink } from './ml-dsa-index.js'
import { parsePeer } from './peer-key.js'
import { parseAnchorKey } from './pins.js'
import { Equivocations } from './equivocations.js'
import { RefusedPeers } from './refused-peers.js'
import { Revocations } from './revocations.js'
import { sideRows } from './side-rows.js'
import { RegistryState } from './state.js'
import { summarize } from './store-entry.js'
import type {
  AnchorKey, ExchangeNonceStore, KeyRequestTable, ListPeersFilter, PeerKeyRegistryInit, Pin, RegistryCounts, RegistryEntry, SideRows, StoreAdmission, StoreOptions, TrustLevel
} from './types.js'
import { EquivocationValidator, RevocationValidator } from '../record/index.js'
import type { KeyRecord } from '../record/index.js'
import type { AbortOptions, PeerId } from '@libp2p/interface'

/**
 * The local registry of peers' post-quantum keys (the seed's
 * PeerKeyRegistry) in LevelDB with a hot in-memory layer. Only validated
 * records enter, through the pin and rollback rules (admission.ts, pins.ts,
 * applied by the Admitter). Writes for one peer are serialized, so
 * concurrent stores end with the best record and the pin's high-water mark
 * never goes back. Values read from disk are decoded and re-validated
 * once, then served from memory; one that fails is reported through
 * `onCorruptValue` and treated as absent.
 */
export class PeerKeyRegistry extends RefusedPeers {
  private readonly state: RegistryState
  private readonly admitter: Admitter
  private readonly requests: KeyRequestTable | undefined
  private readonly onCollected: (counts: { records: number, pins: number }) => void
  /**
   * The rows the key exchange keeps its nonces in, and the peer lock its
   * checks run under: a peer's nonce is written or dropped (with an evicted
   * unsolicited peer) in step with its record and pin.
   */
  readonly nonceStore: ExchangeNonceStore

  constructor (init: PeerKeyRegistryInit) {
    const now = init.now ?? Date.now
    // Checked before the state: its LevelDB opens by itself once made, and a throw after would leave it open.
    const cacheSize = countOption('cacheSize', init.cacheSize, DEFAULT_CACHE_SIZE)
    const maxUnsolicitedPeers = countOption('maxUnsolicitedPeers', init.maxUnsolicitedPeers, DEFAULT_MAX_UNSOLICITED_PEERS)
    const maxNewUnsolicitedPerMinute = countOption('maxNewUnsolicitedPerMinute', init.maxNewUnsolicitedPerMinute, DEFAULT_MAX_NEW_UNSOLICITED_PER_MINUTE, 0)
    const state = new RegistryState({
      path: init.path,
      crypto: init.crypto,
      validator: init.validator,
      now,
      cacheSize,
      onCorruptValue: init.onCorruptValue ?? (() => {})
    })
    super(
      new Revocations(state, init.revocationValidator ?? new RevocationValidator({ crypto: init.crypto, now }), init.onKeyChange ?? (() => {})),
      new Equivocations(state, init.equivocationValidator ?? new EquivocationValidator({ crypto: init.crypto }), {
        onKeyChange: init.onKeyChange ?? (() => {}),
        onEquivocation: init.onEquivocation ?? (() => {})
      })
    )
    this.state = state
    // A peer learned unasked takes its proof with its record and pin, or free PeerIds that equivocate could grow the proofs without end.
    state.onPeerDropped = key => { this.equivocations.forget(key) }
    this.admitter = new Admitter(state, {
      maxUnsolicitedPeers,
      maxNewUnsolicitedPerMinute,
      onUnsolicitedEvicted: init.onUnsolicitedEvicted ?? (() => {}),
      onKeyChange: init.onKeyChange ?? (() => {})
    }, key => this.revocations.get(key) !== undefined, this.equivocations)
    this.requests = init.requests
    this.onCollected = init.onCollected ?? (() => {})
    this.nonceStore = state.nonceStore()
  }

  async open (): Promise<void> {
    if (this.state.opened) return
    await this.state.store.open()
    this.state.hot.reset(await this.state.store.readSummaries())
    await this.revocations.load()
    await this.equivocations.load()
    this.state.opened = true
  }

  /** Waits for writes in progress, then closes the database. */
  async close (): Promise<void> {
    this.state.opened = false
    await this.state.locks.idle()
    await this.state.store.close()
    this.state.hot.reset([])
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
   * write fails, the change leaves memory too and `written` rejects. A
   * resolve returns its keys this way, without waiting for LevelDB.
   */
  async admitPeerKeys (input: KeyRecord | Uint8Array, trust: TrustLevel, options: StoreOptions = {}): Promise<StoreAdmission> {
    return this.admitter.admit(input, trust, options)
  }

  /**
   * The node looked this peer up and found it in the registry: a peer
   * learned unasked becomes one the node uses, out of the bounded store.
   * A map lookup when there is nothing to do; the write runs in the background.
   */
  noteResolved (peerId: PeerId | string): void {
    this.admitter.noteResolved(peerId)
  }

  /** Whether this node holds a record or a pin of the peer: a peer it met, not a stranger. */
  async holds (peerId: PeerId | string): Promise<boolean> {
    return this.getCached(peerId) !== undefined || await this.get(peerId) !== undefined || await this.getPin(peerId) !== undefined
  }

  /** The stored, valid, unexpired entry of a peer. */
  async get (peerId: PeerId | string): Promise<RegistryEntry | undefined> {
    const hit = this.getCached(peerId)
    if (hit !== undefined) return hit
    const { key, peerId: id } = this.state.openPeer(peerId)
    // A load must not race a write of the same peer; with none going on it reads at once.
    return this.state.locks.read(key, () => this.state.entryLocked(key, id))
  }

  /**
   * The entry from the in-memory layer only, without touching LevelDB: the
   * cached-resolve path. A string must be the PeerId's canonical (base58btc)
   * form to hit.
   */
  getCached (peerId: PeerId | string): RegistryEntry | undefined {
    return this.state.hot.get(typeof peerId === 'string' ? peerId : peerId.toString())
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
    await this.admitter.markVerified(peerId)
  }

  /** True when the caller should send a KeyRequest now (no record, none pending): reserves it in the exchange's table; false when full. */
  async requestKeysIfNeeded (peerId: PeerId | string): Promise<boolean> {
    const { key } = parsePeer(peerId)
    const requests = this.requestTable()
    // A revoked or equivocating peer has no keys to ask for.
    if (this.isRefused(key) || await this.hasCompleteKeys(peerId)) return false
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
    if (this.requests !== undefined) return this.requests
    throw new RegistryError('ERR_NO_REQUEST_TABLE', 'this registry was made without the key exchange\'s pending-request table: pass `requests` (a PendingKeyRequests) to the PeerKeyRegistry')
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
    return listEntries(this.state, filter)
  }

  /**
   * Remove a peer's record. Its pin and last nonce stay on purpose: the pin
   * (key and seq high-water mark) is what refuses a replayed older record or
   * a swapped key after the record is gone, and the nonce is what refuses a
   * replayed KeyRequest. Dropping them would let anyone who gets a record
   * removed reset the peer's protection.
   */
  async removePeerKeys (peerId: PeerId | string): Promise<void> {
    const { key } = this.state.openPeer(peerId)
    // An unsolicited peer's pin goes too: kept, it would make the peer "known" and let its next record in unbounded.
    await this.state.locks.run(key, async () => this.state.commit(key, { deleteEntry: true, deletePeer: this.state.dropsPeer(key) }))
  }

  /**
   * Delete stored records that have expired; returns how many. Pins stay,
   * except those of unsolicited peers, which go with their record and nonce
   * (anchors and peers the node resolved keep theirs: the pin is their
   * rollback and key-change protection). Works from the in-memory
   * summaries, COLLECT_SLICE at a time between yields of the event loop.
   */
  async removeExpiredRecords (options: AbortOptions = {}): Promise<number> {
    const { records, pins } = await collectExpired(this.state, options)
    if (records > 0) this.onCollected({ records, pins })
    return records
  }

  /**
   * Pin a configured bootstrap anchor's ML-DSA-65 key (see anchorPin for
   * what happens to an existing pin). A stored record with the anchor's key
   * becomes trust 'anchor' and verified; one with another key is deleted.
   */
  async setAnchor (peerId: PeerId | string, anchorKey: AnchorKey): Promise<void> {
    const { key, peerId: id } = this.state.openPeer(peerId)
    const anchor = parseAnchorKey(anchorKey)
    await this.state.locks.run(key, async () => {
      const existing = this.state.store.readPin(key)
      // The operator's configuration replaces a corrupt pin.
      const admission = admitAnchor(existing === CORRUPT ? undefined : existing, anchor, this.state.entryLocked(key, id))
      // An anchor is configured, never unsolicited: a summary that says so (even of an expired record) is mended.
      const known = this.state.hot.summary(key)
      const summary = admission.entry !== undefined
        ? summarize(admission.entry, false, known?.checkedAt)
        : known?.unsolicited === true && !admission.deleteEntry ? { ...known, unsolicited: false } : undefined
      await this.state.commit(key, { ...admission, summary })
    })
  }

  /** The peer's pin; undefined when none (or when it is corrupt, which is reported). */
  async getPin (peerId: PeerId | string): Promise<Pin | undefined> {
    const { key } = this.state.openPeer(peerId)
    // An admitted record's pin is on disk only once its write lands, with the peer's lock still held: wait for it as get() does.
    return this.state.locks.read(key, () => {
      const pin = this.state.store.readPin(key)
      return pin === CORRUPT ? undefined : pin
    })
  }

  /**
   * The peer whose ML-DSA-65 key has the ML-DSA PeerId `mlDsaPeerId`
   * (base58btc), from the index admissions keep (ml-dsa-index.ts), without
   * the network: undefined when no row names it, or when the row's key is
   * neither the peer's pinned key nor one its pin followed away from (an
   * anchor configured since, say).
   */
  async findByMlDsaPeerId (mlDsaPeerId: string): Promise<{ peerId: PeerId, fingerprint: Uint8Array, link: MlDsaKeyLink } | undefined> {
    this.state.assertOpen()
    const row = this.state.store.readIndexRow(mlDsaPeerId)
    if (row === undefined) return undefined
    const link = await this.mlDsaKeyLink(row.peerId, row.fingerprint)
    return link === undefined ? undefined : { ...row, link }
  }

  /**
   * The index row of `mlDsaPeerId` as stored, without the pin check of
   * findByMlDsaPeerId: a resolve that goes on to the peer's current record
   * checks the link itself, and reads the pin only for an earlier key.
   */
  mlDsaIndexRow (mlDsaPeerId: string): { peerId: PeerId, fingerprint: Uint8Array } | undefined {
    this.state.assertOpen()
    return this.state.store.readIndexRow(mlDsaPeerId)
  }

  /** How the ML-DSA-65 key with `keyFingerprint` stands to the peer's pin: 'current', 'previous' (left behind through verified hand-overs), or undefined. */
  async mlDsaKeyLink (peerId: PeerId | string, keyFingerprint: Uint8Array): Promise<MlDsaKeyLink | undefined> {
    return mlDsaKeyLink(await this.getPin(peerId), keyFingerprint)
  }

  /** When the network last confirmed the peer's stored record (see PeerSummary.checkedAt); undefined when none is stored. */
  checkedAt (peerId: PeerId | string): number | undefined {
    return this.state.hot.summary(typeof peerId === 'string' ? peerId : peerId.toString())?.checkedAt
  }

  /** Another layer's rows under sublevel `name` of this database (SideRows; the node's peer scores); ERR_BAD_SIDE_ROWS for a name of the registry's own. */
  sideRows (name: string): SideRows {
    return sideRows(this.state.store, name)
  }

  /** Stored records, including expired ones not yet removed. */
  size (): number {
    return this.state.hot.counts.records
  }

  /** Stored, verified and unsolicited records, kept as entries change: reading them scans nothing. */
  counts (): RegistryCounts {
    return this.state.hot.counts
  }
}
