import { Level } from 'level'
import { fingerprint } from '../crypto/index.js'
import { InvalidRecordError, RegistryError } from '../errors.js'
import { unmarshalKeyRecord } from '../record/index.js'
import { META, NONCES, PINS, RECORDS } from './constants.js'
import { pinMatches } from './pins.js'
import { decodeEntry, decodePin, encodeEntry, encodePin } from './store-entry.js'
import type { NonceStore } from './nonces.js'
import type { Pin, RegistryEntry } from './types.js'
import type { KeyRecord, KeyRecordValidator } from '../record/index.js'
import type { PeerId } from '@libp2p/interface'

/** What readPin returns for a pin that is stored but fails to decode. */
export const CORRUPT = Symbol('corrupt')

function sublevels (db: Level<string, Uint8Array>): Record<'records' | 'pins' | 'nonces' | 'meta', ReturnType<typeof sublevel>> {
  return { records: sublevel(db, RECORDS), pins: sublevel(db, PINS), nonces: sublevel(db, NONCES), meta: sublevel(db, META) }
}

function sublevel (db: Level<string, Uint8Array>, name: string) {
  return db.sublevel<string, Uint8Array>(name, { keyEncoding: 'utf8', valueEncoding: 'view' })
}

/** LevelDB hands back Buffers; callers get plain Uint8Arrays (same memory). */
function plain (value: Uint8Array | undefined): Uint8Array | undefined {
  return value === undefined ? undefined : new Uint8Array(value.buffer, value.byteOffset, value.byteLength)
}

export interface WriteOps {
  entry?: RegistryEntry
  pin?: Pin
  deleteEntry?: boolean
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
  readonly nonces: NonceStore = {
    get: async key => plain(this.sub.nonces.getSync(key)),
    put: async (key, value) => this.sub.nonces.put(key, value)
  }

  readonly meta: NonceStore = {
    get: async key => plain(this.sub.meta.getSync(key)),
    // A sublevel hands its options to classic-level, whose `sync` its own type does not list.
    put: async (key, value, options) => this.sub.meta.put(key, value, { sync: options?.sync === true } as Parameters<typeof this.sub.meta.put>[2])
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
  }

  /** Report a corrupt value once; `key` is `<sublevel>/<key>`. */
  report (key: string, err: Error): void {
    if (!this.corrupt.has(key)) {
      this.corrupt.add(key)
      this.onCorruptValue(key, err)
    }
  }

  async recordKeys (): Promise<string[]> {
    return this.sub.records.keys().all()
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
   * Whether the stored record has expired, by its own (unvalidated) expiry:
   * enough to decide to delete it. Absent or corrupt values say false; a
   * corrupt one is reported when read and left for inspection.
   */
  async hasExpiredRecord (key: string, now: number): Promise<boolean> {
    const value = plain(this.sub.records.getSync(key))
    try {
      return value !== undefined && unmarshalKeyRecord(decodeEntry(value).recordBytes).expiresAt <= now
    } catch {
      return false
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
    }
    if (ops.pin !== undefined) {
      batch.put(key, encodePin(ops.pin), { sublevel: this.sub.pins })
    }
    await batch.write()
  }
}
