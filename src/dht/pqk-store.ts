import { Libp2pRecord } from '@libp2p/record'
import { BaseDatastore } from 'datastore-core'
import { Key } from 'interface-datastore'
import { equals as uint8ArrayEquals } from 'uint8arrays/equals'
import { toString as uint8ArrayToString } from 'uint8arrays/to-string'
import { InvalidRecordError } from '../errors.js'
import { comparePqkValues, createEquivocationProof, decodePqkValue, routingKeyFor } from '../record/index.js'
import { conflictingRecords } from './pqk-validator.js'
import { KeyedLock } from '../util/keyed-lock.js'
import { countOption } from '../util/options.js'
import { DHT_DATASTORE_PREFIX } from './constants.js'
import { dhtRecordKey } from './record-key.js'
import type { KeyRecord, PqkValue } from '../record/index.js'
import type { AbortOptions, PeerId } from '@libp2p/interface'
import type { Datastore, KeyQuery, Pair, Query } from 'interface-datastore'

/** How long a held revocation keeps its room against new PeerIds' records: kad-dht's own 48-hour validity of what it stores. */
export const REVOCATION_ROOM_MS = 48 * 60 * 60 * 1000

/** Records for other PeerIds a node holds in its DHT store at most (about 70 MB of 7 KB records). */
export const DEFAULT_MAX_DHT_RECORDS = 10_000

/** `/pqk/` is 5 bytes, 40 bits: exactly 8 base32 characters, so every `/pqk/` record key starts with these. */
const PQK_KEY_PREFIX = `${DHT_DATASTORE_PREFIX}/record/${uint8ArrayToString(new TextEncoder().encode('/pqk/'), 'base32')}`

export type ClosableDatastore = Datastore & { close (): Promise<void> }

export interface PqkRecordStoreInit {
  /** This node's PeerId: its own record is always stored, whatever the bound. */
  self: PeerId
  /**
   * The other routing keys this node's own current record is put under
   * (its ML-DSA PeerId's), exempt from the bound as the PeerId's key is.
   * Read at each write, so a rotation moves the exemption to the new key.
   */
  selfKeys?: () => Uint8Array[]
  /** Records for other PeerIds held at most. Default DEFAULT_MAX_DHT_RECORDS. */
  maxRecords?: number
  /**
   * A synchronous read of the inner store (LevelDB's getSync), as the
   * `/pqk/` validator has: the held record was just read by the validator,
   * so it is in LevelDB's cache, and a thread-pool round trip is saved.
   */
  readSync?: (key: Key) => Uint8Array | undefined
  /** A write refused: ERR_ROLLBACK (a better record is held), ERR_REVOKED, ERR_EQUIVOCATION or ERR_DHT_STORE_FULL. */
  onRefused?: (code: string) => void
  /**
   * A PUT brought a record with the held record's seq and other signed
   * content (both validated): under the key of the peer's libp2p PeerId the
   * store keeps their proof in place of the record; under the key of an
   * ML-DSA PeerId it keeps the held record and refuses the second
   * (ERR_EQUIVOCATION), as a proof there would be refused. Either way it
   * hands the two records here (the node's registry). Must not throw.
   */
  onEquivocation?: (held: KeyRecord, incoming: KeyRecord) => void
  now?: () => number
}

/**
 * The datastore under kad-dht, guarding the `/pqk/` records it holds for
 * others. kad-dht's PUT handler validates a record, then writes it, with
 * nothing in between: two PUTs for one key validated before either lands
 * can leave the older record last. Here writes of one key run one at a
 * time and a value that ranks below the one held is not written (the
 * held one stays): an older record, or any record under a held revocation. And since PeerIds are free, the number of PeerIds held
 * is bounded: a record for a new PeerId past the bound takes the place of
 * an expired one, else it is refused (ERR_DHT_STORE_FULL), as kad-dht
 * bounds provider records. Everything else passes through.
 */
export class PqkRecordStore extends BaseDatastore {
  private readonly inner: ClosableDatastore
  private readonly ownKey: string
  private readonly selfKeys: () => Uint8Array[]
  /** The datastore key of each routing key selfKeys returned, by the key's bytes (the same array while no rotation happens). */
  private readonly selfIds = new WeakMap<Uint8Array, string>()
  private readonly maxRecords: number
  private readonly onRefused: (code: string) => void
  private readonly onEquivocation: (held: KeyRecord, incoming: KeyRecord) => void
  private readonly now: () => number
  private readonly readSync: ((key: Key) => Uint8Array | undefined) | undefined
  private readonly locks = new KeyedLock()
  /** Expiry (Unix ms) of every `/pqk/` value held, by datastore key; a revocation never expires (Infinity). */
  private readonly held = new Map<string, number>()

  constructor (inner: ClosableDatastore, init: PqkRecordStoreInit) {
    super()
    this.inner = inner
    this.ownKey = dhtRecordKey(routingKeyFor(init.self)).toString()
    this.selfKeys = init.selfKeys ?? (() => [])
    // Named as the node's option, which is what nearly every caller set.
    this.maxRecords = countOption('maxDhtRecords', init.maxRecords, DEFAULT_MAX_DHT_RECORDS, 0)
    this.onRefused = init.onRefused ?? (() => {})
    this.onEquivocation = init.onEquivocation ?? (() => {})
    this.now = init.now ?? Date.now
    this.readSync = init.readSync
  }

  /** Learn what is held; call once the inner store is open. */
  async open (): Promise<void> {
    this.held.clear()
    for await (const { key, value } of this.inner.query({ prefix: PQK_KEY_PREFIX })) {
      this.held.set(key.toString(), expiryOf(heldValue(value)))
    }
  }

  /** `/pqk/` records held, this node's own included. */
  get size (): number {
    return this.held.size
  }

  override async put (key: Key, put: Uint8Array, options?: AbortOptions): Promise<Key> {
    let value = put
    const id = key.toString()
    if (!id.startsWith(PQK_KEY_PREFIX)) return this.inner.put(key, value, options)
    return this.locks.run(id, async () => {
      let incoming = heldValue(value)
      if (this.held.has(id)) {
        const held = heldValue(await this.readHeld(key, options))
        const conflict = incoming === undefined || held === undefined ? undefined : conflictingRecords(held.value, incoming.value)
        const stored = conflict === undefined ? undefined : Libp2pRecord.deserialize(put)
        if (conflict !== undefined && stored !== undefined && !provableUnder(stored.key, conflict[0])) {
          // The peer signed two records of one seq, under the key of one of its
          // ML-DSA PeerIds: a proof names the libp2p PeerId, so the validator
          // refuses it under this key, and kad-dht's GET would serve it
          // unvalidated (the lookup would score this node 'invalid'). The held
          // record stays; the registry still learns of the conflict.
          this.onEquivocation(conflict[0], conflict[1])
          this.onRefused('ERR_EQUIVOCATION')
          return key
        }
        if (conflict !== undefined && stored !== undefined) {
          // The peer signed two records of one seq: from now on this node serves the proof of it.
          const [a, b] = conflict
          const proof = createEquivocationProof(a, b)
          value = new Libp2pRecord(stored.key, proof.bytes, stored.timeReceived).serialize()
          incoming = { value: decodePqkValue(proof.bytes), receivedAt: stored.timeReceived.getTime() }
          this.onEquivocation(a, b)
        } else if (incoming !== undefined && held !== undefined && comparePqkValues(held.value, incoming.value) < 0) {
          // A held revocation outranks everything, a held proof every record; neither is replaced by what it outranks.
          this.onRefused(refusalCode(held.value, incoming.value))
          return key
        }
      } else if (!this.ownIds().has(id)) {
        // Room is taken in this turn of the event loop, before any wait, so
        // PUTs of new PeerIds at once cannot take the same room twice.
        const victim = this.takeRoom()
        this.held.set(id, expiryOf(incoming))
        try {
          if (victim !== undefined) await this.dropExpired(victim, options)
          await this.inner.put(key, value, options)
        } catch (err) {
          this.held.delete(id)
          throw err
        }
        return key
      }
      await this.inner.put(key, value, options)
      this.held.set(id, expiryOf(incoming))
      return key
    })
  }

  override async get (key: Key, options?: AbortOptions): Promise<Uint8Array> {
    return this.inner.get(key, options)
  }

  override async has (key: Key, options?: AbortOptions): Promise<boolean> {
    return this.inner.has(key, options)
  }

  override async delete (key: Key, options?: AbortOptions): Promise<void> {
    const id = key.toString()
    if (!id.startsWith(PQK_KEY_PREFIX)) return this.inner.delete(key, options)
    await this.locks.run(id, async () => {
      await this.inner.delete(key, options)
      this.held.delete(id)
    })
  }

  override async * query (q: Query, options?: AbortOptions): AsyncGenerator<Pair> {
    yield * this.inner.query(q, options)
  }

  override async * queryKeys (q: KeyQuery, options?: AbortOptions): AsyncGenerator<Key> {
    yield * this.inner.queryKeys(q, options)
  }

  async close (): Promise<void> {
    await this.locks.idle()
    await this.inner.close()
  }

  /**
   * Room for a record of a new PeerId, taken at once: under the bound,
   * nothing to do; at it, an expired record of another PeerId gives way
   * (returned, already out of the count); none expired: ERR_DHT_STORE_FULL.
   */
  private takeRoom (): string | undefined {
    const own = this.ownIds()
    if (this.othersHeld(own) < this.maxRecords) return undefined
    const now = this.now()
    for (const [id, expiresAt] of this.held) {
      if (own.has(id) || expiresAt > now) continue
      this.held.delete(id)
      return id
    }
    this.onRefused('ERR_DHT_STORE_FULL')
    throw new InvalidRecordError('ERR_DHT_STORE_FULL', `this node already holds ${this.maxRecords} /pqk/ records for other peers, none expired`)
  }

  /** Delete an expired record that gave way, unless a new record of that PeerId was put since. */
  private async dropExpired (id: string, options?: AbortOptions): Promise<void> {
    await this.locks.run(id, async () => {
      if (this.held.has(id)) return
      await this.inner.delete(new Key(id, false), options)
    })
  }

  private othersHeld (own: Set<string>): number {
    let count = this.held.size
    for (const id of own) if (this.held.has(id)) count--
    return count
  }

  /** The datastore keys of this node's own records: its PeerId's and selfKeys'. */
  private ownIds (): Set<string> {
    const ids = new Set([this.ownKey])
    for (const key of this.selfKeys()) {
      let id = this.selfIds.get(key)
      if (id === undefined) {
        id = dhtRecordKey(key).toString()
        this.selfIds.set(key, id)
      }
      ids.add(id)
    }
    return ids
  }

  private async readHeld (key: Key, options?: AbortOptions): Promise<Uint8Array | undefined> {
    try {
      return this.readSync !== undefined ? this.readSync(key) : await this.inner.get(key, options)
    } catch {
      return undefined
    }
  }
}

/** Whether a proof about `record`'s peer is valid under `routingKey`: the key of its libp2p PeerId, not of an ML-DSA PeerId. */
function provableUnder (routingKey: Uint8Array, record: KeyRecord): boolean {
  return uint8ArrayEquals(routingKey, routingKeyFor(record.peerId))
}

/** The code a refused write is counted under. */
function refusalCode (held: PqkValue, incoming: PqkValue): string {
  if (incoming.kind === 'record' && held.kind === 'revocation') return 'ERR_REVOKED'
  if (incoming.kind === 'record' && held.kind === 'equivocation') return 'ERR_EQUIVOCATION'
  return 'ERR_ROLLBACK'
}

/** A held value and when kad-dht received it. */
interface HeldValue {
  value: PqkValue
  receivedAt: number
}

/** The key record or revocation inside a stored DHT record; undefined when it does not decode (nothing to protect then). */
function heldValue (bytes: Uint8Array | undefined): HeldValue | undefined {
  if (bytes === undefined) return undefined
  try {
    const stored = Libp2pRecord.deserialize(bytes)
    return { value: decodePqkValue(stored.value), receivedAt: stored.timeReceived.getTime() }
  } catch {
    return undefined
  }
}

/**
 * When a held value may give way to a new PeerId's: a record at its
 * expiry; a revocation or an equivocation proof REVOCATION_ROOM_MS after it
 * was received. Neither expires, but a free identity can sign one: held
 * for good, they would fill the bounded store for good. kad-dht itself
 * drops a value it received more than 48 hours ago, so they live on by
 * being republished.
 */
function expiryOf (held: HeldValue | undefined): number {
  if (held === undefined) return 0
  return held.value.kind === 'record' ? held.value.record.expiresAt : held.receivedAt + REVOCATION_ROOM_MS
}
