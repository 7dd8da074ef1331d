import { equals as uint8ArrayEquals } from 'uint8arrays/equals'
import { lazyLru } from '../util/lru.js'
import { ML_DSA_65 } from '../crypto/types.js'
import { MAX_RETIRED_KEY_PEERS, MAX_RETIRED_KEYS_PER_PEER } from './constants.js'
import type { SideRows } from '../registry/index.js'
import type { PeerId } from '@libp2p/interface'

/** A key a peer rotated away from, and the seq of the last record of it this node held. */
export interface RetiredSigningKey {
  mlDsaPublicKey: Uint8Array
  seq: number
}

/**
 * The ML-DSA-65 keys peers rotated away from, as this node saw them go
 * (the registry's `rotated` changes): what lets `verify` say which record
 * carried an earlier key. Kept in the registry's database (side rows
 * `retired-signing-keys`, one row per peer: seq u64 || key, repeated), so
 * a restart keeps them; bounded per peer and in peers.
 */
export class RetiredSigningKeys {
  private readonly keys = lazyLru<string, RetiredSigningKey[]>(MAX_RETIRED_KEY_PEERS)
  private readonly rows: SideRows

  constructor (rows: SideRows) {
    this.rows = rows
  }

  /**
   * Read the rows; a row that does not parse is skipped (it is only a hint
   * for `seq`), one with more keys than the bound keeps its newest, and the
   * rows past the bound in peers are deleted.
   */
  async load (): Promise<void> {
    const dropped: string[] = []
    for (const [peer, value] of await this.rows.readAll()) {
      const keys = parseRow(value)
      if (keys === undefined) continue
      const evicted = this.keys.size >= MAX_RETIRED_KEY_PEERS ? this.keys.rkeys().next().value : undefined
      if (evicted !== undefined) dropped.push(evicted)
      this.keys.set(peer, keys.slice(0, MAX_RETIRED_KEYS_PER_PEER))
    }
    if (dropped.length > 0) await this.rows.write([], dropped)
  }

  /** Every retired key of `peerId` this node knows, newest first. */
  of (peerId: PeerId): RetiredSigningKey[] {
    return this.keys.get(peerId.toString()) ?? []
  }

  /** `peerId` rotated away from `retired`: remembered, and written. */
  async note (peerId: PeerId, retired: RetiredSigningKey): Promise<void> {
    const peer = peerId.toString()
    const known = (this.keys.get(peer) ?? []).filter(key => !uint8ArrayEquals(key.mlDsaPublicKey, retired.mlDsaPublicKey))
    const keys = [retired, ...known].slice(0, MAX_RETIRED_KEYS_PER_PEER)
    const evicted = this.keys.size >= MAX_RETIRED_KEY_PEERS && !this.keys.has(peer) ? this.keys.rkeys().next().value : undefined
    this.keys.set(peer, keys)
    await this.rows.write([[peer, formatRow(keys)]], evicted === undefined ? [] : [evicted])
  }
}

const ROW_ENTRY = 8 + ML_DSA_65.publicKey

function formatRow (keys: RetiredSigningKey[]): Uint8Array {
  const row = new Uint8Array(keys.length * ROW_ENTRY)
  const view = new DataView(row.buffer)
  keys.forEach((key, i) => {
    view.setBigUint64(i * ROW_ENTRY, BigInt(key.seq))
    row.set(key.mlDsaPublicKey, i * ROW_ENTRY + 8)
  })
  return row
}

function parseRow (row: Uint8Array): RetiredSigningKey[] | undefined {
  if (row.length === 0 || row.length % ROW_ENTRY !== 0) return undefined
  const view = new DataView(row.buffer, row.byteOffset, row.byteLength)
  const keys: RetiredSigningKey[] = []
  for (let offset = 0; offset < row.length; offset += ROW_ENTRY) {
    const seq = view.getBigUint64(offset)
    if (seq < 1n || seq > BigInt(Number.MAX_SAFE_INTEGER)) return undefined
    keys.push({ seq: Number(seq), mlDsaPublicKey: row.slice(offset + 8, offset + ROW_ENTRY) })
  }
  return keys
}
