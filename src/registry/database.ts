import { Level } from 'level'
import { toString as uint8ArrayToString } from 'uint8arrays/to-string'
import { lazyLru } from '../util/lru.js'
import { fingerprint } from '../crypto/index.js'
import { InvalidRecordError, RegistryError } from '../errors.js'
import { mlDsaPeerIdString, unmarshalKeyRecord } from '../record/index.js'
import { EQUIVOCATIONS, INDEX, META, ML_DSA_IDS, ML_DSA_IDS_BY_PEER, NONCES, PINS, RECORDS, REVOCATIONS } from './constants.js'
import { decodeIndexRow, encodeIndexRow, type MlDsaIndexRow } from './ml-dsa-index.js'
import { pinMatches } from './pins.js'
import { decodeEntry, decodeNonce, decodePin, decodeSummary, encodeEntry, encodeNonce, encodePin, encodeSummary } from './store-entry.js'
import type { NonceRows, PeerSummary, Pin, RegistryEntry, SideRows } from './types.js'
import type { KeyRecord, KeyRecordValidator } from '../record/index.js'
import type { PeerId } from '@libp2p/interface'

/** Decoded ML-DSA PeerId index rows kept in memory. */
const INDEX_ROW_CACHE_SIZE = 4096

/** What readPin returns for a pin that is stored but fails to decode. */
export const CORRUPT = Symbol('corrupt')

function sublevels (db: Level<string, Uint8Array>): Record<'records' | 'pins' | 'nonces' | 'meta' | 'index' | 'revocations' | 'equivocations' | 'mlDsaIds' | 'mlDsaIdsByPeer', ReturnType<typeof sublevel>> {
  return {
    records: sublevel(db, RECORDS),
    pins: sublevel(db, PINS),
    nonces: sublevel(db, NONCES),
    meta: sublevel(db, META),
    index: sublevel(db, INDEX),
    revocations: sublevel(db, REVOCATIONS),
    equivocations: sublevel(db, EQUIVOCATIONS),
    mlDsaIds: sublevel(db, ML_DSA_IDS),
    mlDsaIdsByPeer: sublevel(db, ML_DSA_IDS_BY_PEER)
  }
}

function sublevel (db: Level<string, Uint8Array>, name: string) {
  return db.sublevel<string, Uint8Array>(name, { keyEncoding: 'utf8', valueEncoding: 'view' })
}

/** LevelDB hands back Buffers; callers get plain Uint8Arrays (same memory). */
function plain (value: Uint8Array | undefined): Uint8Array | undefined {
  return value === undefined ? undefined : new Uint8Array(value.buffer, value.byteOffset, value.byteLength)
}

export interface WriteOps {
  /** Written with its summary. */
  entry?: RegistryEntry
  /** The stored record's summary, written alone when only it changes. */
  summary?: PeerSummary
  pin?: Pin
  /** Delete the record and its summary. */
  deleteEntry?: boolean
  /** Delete the pin, the last inbound nonce and an equivocation proof too: an unsolicited peer leaves no trace. */
  deletePeer?: boolean
  /** A revocation certificate's bytes, kept for good. */
  revocation?: Uint8Array
  /** An equivocation proof's bytes, kept for good. */
  equivocation?: Uint8Array
  /** ML-DSA PeerId index rows to write, by ML-DSA PeerId (ml-dsa-index.ts). */
  mlDsaIds?: Array<[string, MlDsaIndexRow]>
  /**
   * Fingerprints of the keys whose index rows the peer keeps (with a new
   * pin): its rows of every other key are deleted, so the index holds no
   * more rows per peer than its pin remembers keys.
   */
  mlDsaKept?: Uint8Array[]
}

/**
 * The registry's LevelDB: one sublevel each for records, pins, nonces and
 * meta, keyed by PeerId string. Reads turn stored values back into trusted
 * domain values or report them as corrupt; a record is trusted only if it
 * validates for the peer it is stored under, is consistent with the peer's
 * pin, and its trust is one the pin allows.
 */
export class RegistryStore {
  private db: Level<string, Uint8Array>
  private sub: ReturnType<typeof sublevels>
  // Reads use getSync, and the record and pin reads are synchronous
  // functions: values are a few KB, served from LevelDB's memtable or block
  // cache in microseconds, while an async get waits for a thread-pool round
  // trip that costs milliseconds on a busy event loop (and sits on the path
  // of every resolve and key exchange). Writes stay async.
  readonly nonces: NonceRows = {
    get: async key => this.readNonce(this.sub.nonces, NONCES, key),
    put: async (key, value) => this.sub.nonces.put(key, encodeNonce(value))
  }

  readonly meta: NonceRows = {
    get: async key => this.readNonce(this.sub.meta, META, key),
    // A sublevel hands its options to classic-level, whose `sync` its own type does not list.
    put: async (key, value, options) => this.sub.meta.put(key, encodeNonce(value), { sync: options?.sync === true } as Parameters<typeof this.sub.meta.put>[2])
  }

  /**
   * Keys whose stored record or pin was found corrupt: reported once and not
   * read again until the next write for that peer replaces them.
   */
  private readonly corrupt = new Set<string>()

  constructor (
    private readonly path: string,
    private readonly validator: KeyRecordValidator,
    private readonly now: () => number,
    private readonly onCorruptValue: (key: string, err: Error) => void
  ) {
    this.db = new Level<string, Uint8Array>(path, { keyEncoding: 'utf8', valueEncoding: 'view' })
    this.sub = sublevels(this.db)
  }

  async open (): Promise<void> {
    // Sublevels of a closed database stay closed, so a reopen starts afresh.
    if (this.db.status === 'closed') {
      this.db = new Level<string, Uint8Array>(this.path, { keyEncoding: 'utf8', valueEncoding: 'view' })
      this.sub = sublevels(this.db)
    }
    await this.db.open()
  }

  async close (): Promise<void> {
    await this.db.close()
    this.corrupt.clear()
    this.indexRows.clear()
  }

  /** Report a corrupt value once; `key` is `<sublevel>/<key>`. */
  report (key: string, err: Error): void {
    if (!this.corrupt.has(key)) {
      this.corrupt.add(key)
      this.onCorruptValue(key, err)
    }
  }

  /** A stored nonce; a corrupt one is reported and read as absent (the exchange's timestamp window still bounds a replay). */
  private readNonce (rows: ReturnType<typeof sublevel>, name: string, key: string): bigint | undefined {
    const value = plain(rows.getSync(key))
    if (value === undefined) return undefined
    try {
      return decodeNonce(value)
    } catch (err) {
      this.report(`${name}/${key}`, err as Error)
      return undefined
    }
  }

  /** Another layer's rows under sublevel `name` (SideRows); each call finds the sublevel of the database as it is then (a reopen makes a new one). */
  sideRows (name: string): SideRows {
    return {
      readAll: async () => (await sublevel(this.db, name).iterator().all()).map(([key, value]) => [key, plain(value)!]),
      write: async (puts, deletes) => {
        await sublevel(this.db, name).batch([...puts.map(([key, value]) => ({ type: 'put' as const, key, value })), ...deletes.map(key => ({ type: 'del' as const, key }))])
      }
    }
  }

  /** Every stored revocation certificate's bytes, by PeerId string, read at open (they are few: see Revocations). */
  async readRevocations (): Promise<Array<[string, Uint8Array]>> {
    return this.readAll(this.sub.revocations)
  }

  /** Every stored equivocation proof's bytes, by PeerId string, read at open (see Equivocations). */
  async readEquivocations (): Promise<Array<[string, Uint8Array]>> {
    return this.readAll(this.sub.equivocations)
  }

  private async readAll (rows: ReturnType<typeof sublevel>): Promise<Array<[string, Uint8Array]>> {
    const stored: Array<[string, Uint8Array]> = []
    for await (const [key, value] of rows.iterator()) stored.push([key, plain(value)!])
    return stored
  }

  /**
   * Every stored record's summary, read at open. A record without one (a
   * registry written before summaries existed) is summarized from its
   * stored bytes, unvalidated, as solicited, and the summary written; a
   * summary without a record is dropped.
   */
  async readSummaries (): Promise<Map<string, PeerSummary>> {
    const summaries = new Map<string, PeerSummary>()
    for (const [key, value] of await this.sub.index.iterator().all()) {
      try {
        summaries.set(key, decodeSummary(plain(value)!))
      } catch (err) {
        this.report(`${INDEX}/${key}`, err as Error)
      }
    }
    const recordKeys = new Set(await this.sub.records.keys().all())
    const batch = this.db.batch()
    for (const key of summaries.keys()) {
      if (!recordKeys.has(key)) {
        summaries.delete(key)
        batch.del(key, { sublevel: this.sub.index })
      }
    }
    for (const key of recordKeys) {
      if (summaries.has(key)) continue
      const summary = this.summarizeStored(key)
      if (summary === undefined) continue
      summaries.set(key, summary)
      batch.put(key, encodeSummary(summary), { sublevel: this.sub.index })
    }
    if (batch.length > 0) await batch.write()
    else await batch.close()
    return summaries
  }

  /** Keys of stored summaries after `after`, in order, a batch at a time (an async iterator: it never holds the event loop). */
  async * summaryKeys (after: string | undefined): AsyncGenerator<string> {
    const iterator = this.sub.index.keys(after === undefined ? {} : { gt: after })
    try {
      for (let keys = await iterator.nextv(256); keys.length > 0; keys = await iterator.nextv(256)) {
        yield * keys
      }
    } finally {
      await iterator.close()
    }
  }

  /** A stored record's summary from its bytes, without validating them; undefined (reported) when they do not decode. */
  private summarizeStored (key: string): PeerSummary | undefined {
    try {
      const stored = decodeEntry(plain(this.sub.records.getSync(key))!)
      const record = unmarshalKeyRecord(stored.recordBytes)
      return { trust: stored.trust, verified: stored.verified, expiresAt: record.expiresAt, unsolicited: false, storedAt: stored.storedAt, checkedAt: stored.storedAt }
    } catch (err) {
      this.report(`${RECORDS}/${key}`, err as Error)
      return undefined
    }
  }

  /**
   * Index rows admitted and served from memory, whose batch has not landed
   * yet (a resolve returns before LevelDB's write completes, and the next
   * resolve by ML-DSA PeerId must find the peer as the hot layer does).
   */
  private readonly stagedIndexRows = new Map<string, MlDsaIndexRow>()

  /** Rows read before, decoded: a resolve by ML-DSA PeerId reads its row each time. Kept in step by `write`. */
  private readonly indexRows = lazyLru<string, MlDsaIndexRow>(INDEX_ROW_CACHE_SIZE)

  /** Serve `rows` at once; `write` with them as `mlDsaIds` lands them, or drops them if it fails. */
  stageIndexRows (rows: Array<[string, MlDsaIndexRow]>): void {
    for (const [id, row] of rows) this.stagedIndexRows.set(id, row)
  }

  /** The ML-DSA PeerId index row of `mlDsaPeerId` (base58btc); undefined when absent or corrupt (reported). */
  readIndexRow (mlDsaPeerId: string): MlDsaIndexRow | undefined {
    const staged = this.stagedIndexRows.get(mlDsaPeerId) ?? this.indexRows.get(mlDsaPeerId)
    if (staged !== undefined) return staged
    const name = `${ML_DSA_IDS}/${mlDsaPeerId}`
    if (this.corrupt.has(name)) return undefined
    const value = plain(this.sub.mlDsaIds.getSync(mlDsaPeerId))
    if (value === undefined) return undefined
    try {
      const row = decodeIndexRow(value)
      this.indexRows.set(mlDsaPeerId, row)
      return row
    } catch (err) {
      this.report(name, err as Error)
      return undefined
    }
  }

  /** The peer's index rows, as [reverse key, ML-DSA PeerId]. */
  private async peerIndexRows (key: string): Promise<Array<[string, string]>> {
    const rows: Array<[string, string]> = []
    for await (const [reverse, id] of this.sub.mlDsaIdsByPeer.iterator({ gt: `${key}/`, lt: `${key}0` })) {
      rows.push([reverse, new TextDecoder().decode(id)])
    }
    return rows
  }

  readPin (key: string): Pin | undefined | typeof CORRUPT {
    if (this.corrupt.has(`${PINS}/${key}`)) {
      return CORRUPT
    }
    const value = plain(this.sub.pins.getSync(key))
    if (value === undefined) {
      return undefined
    }
    try {
      return decodePin(value)
    } catch (err) {
      this.report(`${PINS}/${key}`, err as Error)
      return CORRUPT
    }
  }

  /**
   * The stored entry of `peerId`, validated; undefined when absent, expired
   * or corrupt (reported). An expired record is not corrupt: it is just absent.
   */
  loadEntry (key: string, peerId: PeerId): RegistryEntry | undefined {
    if (this.corrupt.has(`${RECORDS}/${key}`)) {
      return undefined
    }
    const value = plain(this.sub.records.getSync(key))
    if (value === undefined) {
      return undefined
    }
    let record: KeyRecord
    let stored
    try {
      stored = decodeEntry(value)
      record = this.validator.validate(peerId, stored.recordBytes)
    } catch (err) {
      if (!(err instanceof InvalidRecordError && err.code === 'ERR_RECORD_EXPIRED')) {
        this.report(`${RECORDS}/${key}`, err as Error)
      }
      return undefined
    }
    if (record.expiresAt <= this.now()) {
      return undefined
    }
    const pin = this.readPin(key)
    const problem = pin === CORRUPT
      ? 'the peer\'s pin is corrupt'
      : pin === undefined
        ? 'the peer has no pin'
        : !pinMatches(pin, fingerprint(record.mlDsaPublicKey))
            ? 'its ML-DSA-65 key is not the pinned key'
            : record.seq > pin.highestSeq
              ? 'its seq is above the pin\'s high-water mark'
              : stored.trust === 'anchor' && pin.source !== 'anchor'
                ? 'it claims anchor trust for a peer that is not an anchor'
                : undefined
    if (problem !== undefined) {
      this.report(`${RECORDS}/${key}`, new RegistryError('ERR_CORRUPT_VALUE', `stored record does not fit the peer's pin: ${problem}`))
      return undefined
    }
    return Object.freeze({ record, trust: stored.trust, verified: stored.verified, storedAt: stored.storedAt })
  }

  /** Write a peer's entry and pin together, atomically. */
  async write (key: string, ops: WriteOps): Promise<void> {
    // Whatever was found corrupt for this peer is replaced or must be read again.
    this.corrupt.delete(`${RECORDS}/${key}`)
    this.corrupt.delete(`${PINS}/${key}`)
    const batch = this.db.batch()
    if (ops.entry !== undefined) {
      batch.put(key, encodeEntry(ops.entry), { sublevel: this.sub.records })
    } else if (ops.deleteEntry === true) {
      batch.del(key, { sublevel: this.sub.records })
      batch.del(key, { sublevel: this.sub.index })
    }
    if (ops.summary !== undefined) {
      batch.put(key, encodeSummary(ops.summary), { sublevel: this.sub.index })
    }
    if (ops.revocation !== undefined) {
      batch.put(key, ops.revocation, { sublevel: this.sub.revocations })
    }
    if (ops.equivocation !== undefined) {
      batch.put(key, ops.equivocation, { sublevel: this.sub.equivocations })
    }
    const dropped: string[] = []
    if (ops.mlDsaKept !== undefined || ops.deletePeer === true) {
      const kept = new Set((ops.deletePeer === true && ops.pin === undefined ? [] : ops.mlDsaKept ?? []).map(f => uint8ArrayToString(f, 'base16')))
      for (const [reverse, id] of await this.peerIndexRows(key)) {
        if (kept.has(reverse.slice(key.length + 1))) continue
        batch.del(reverse, { sublevel: this.sub.mlDsaIdsByPeer })
        // Another peer's row of that key (it was seen there first) stays.
        if (this.readIndexRow(id)?.peerId.toString() === key) {
          batch.del(id, { sublevel: this.sub.mlDsaIds })
          dropped.push(id)
        }
      }
    }
    if (ops.mlDsaIds !== undefined && ops.mlDsaIds.length > 0) {
      for (const [id, row] of ops.mlDsaIds) {
        this.corrupt.delete(`${ML_DSA_IDS}/${id}`)
        batch.put(id, encodeIndexRow(row.peerId, row.fingerprint), { sublevel: this.sub.mlDsaIds })
        batch.put(reverseIndexKey(key, row.fingerprint), new TextEncoder().encode(id), { sublevel: this.sub.mlDsaIdsByPeer })
      }
    }
    if (ops.pin !== undefined) {
      batch.put(key, encodePin(ops.pin), { sublevel: this.sub.pins })
    } else if (ops.deletePeer === true) {
      // The peer leaves no trace: nor does the index row of its pinned key.
      const pin = this.readPin(key)
      if (pin !== undefined && pin !== CORRUPT && pin.mlDsaPublicKey !== undefined) {
        const id = mlDsaPeerIdString(pin.mlDsaPublicKey)
        if (this.readIndexRow(id)?.peerId.toString() === key) {
          batch.del(id, { sublevel: this.sub.mlDsaIds })
          this.indexRows.delete(id)
        }
      }
      batch.del(key, { sublevel: this.sub.pins })
      batch.del(key, { sublevel: this.sub.nonces })
      batch.del(key, { sublevel: this.sub.equivocations })
    }
    try {
      await batch.write()
    } finally {
      for (const id of dropped) this.indexRows.delete(id)
      for (const [id, row] of ops.mlDsaIds ?? []) {
        // Landed or not, the cached row is no longer what LevelDB holds: read it again.
        this.indexRows.delete(id)
        if (this.stagedIndexRows.get(id) === row) this.stagedIndexRows.delete(id)
      }
    }
  }
}

/** The key of a peer's row in the reverse index: PeerId, '/', the key's fingerprint in hex ('/' sorts before every hex digit, '0' after). */
function reverseIndexKey (peerKey: string, keyFingerprint: Uint8Array): string {
  return `${peerKey}/${uint8ArrayToString(keyFingerprint, 'base16')}`
}
