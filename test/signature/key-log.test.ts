import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { MAX_RETIRED_KEY_PEERS, MAX_RETIRED_KEYS_PER_PEER, RetiredSigningKeys } from '../../src/signature/index.js'
import type { SideRows } from '../../src/registry/index.js'

/** Side rows in memory, as the registry's database keeps them. */
function memoryRows (): SideRows & { rows: Map<string, Uint8Array> } {
  const rows = new Map<string, Uint8Array>()
  return {
    rows,
    readAll: async () => [...rows.entries()].sort(([a], [b]) => a < b ? -1 : 1),
    write: async (puts, deletes) => {
      for (const [key, value] of puts) rows.set(key, value)
      for (const key of deletes) rows.delete(key)
    }
  }
}

const key = (n: number): Uint8Array => new Uint8Array(1952).fill(n)

describe('retired signing keys', () => {
  it('remembers the keys a peer rotated away from, newest first, across a reload', async () => {
    const peer = peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
    const rows = memoryRows()
    const log = new RetiredSigningKeys(rows)
    await log.note(peer, { mlDsaPublicKey: key(1), seq: 5 })
    await log.note(peer, { mlDsaPublicKey: key(2), seq: 9 })
    assert.deepEqual(log.of(peer).map(k => k.seq), [9, 5])

    const reloaded = new RetiredSigningKeys(rows)
    await reloaded.load()
    assert.deepEqual(reloaded.of(peer).map(k => [k.seq, k.mlDsaPublicKey[0]]), [[9, 2], [5, 1]])
  })

  it('keeps one entry per key and at most the bound per peer', async () => {
    const peer = peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
    const log = new RetiredSigningKeys(memoryRows())
    for (let i = 1; i <= MAX_RETIRED_KEYS_PER_PEER + 3; i++) await log.note(peer, { mlDsaPublicKey: key(i), seq: i })
    await log.note(peer, { mlDsaPublicKey: key(MAX_RETIRED_KEYS_PER_PEER + 3), seq: 100 })
    const kept = log.of(peer)
    assert.equal(kept.length, MAX_RETIRED_KEYS_PER_PEER)
    assert.equal(kept[0].seq, 100)
    assert.equal(new Set(kept.map(k => k.mlDsaPublicKey[0])).size, kept.length)
  })

  it('skips rows that do not parse instead of failing the load', async () => {
    const peer = peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
    const rows = memoryRows()
    rows.rows.set(peer.toString(), new Uint8Array(17))
    const log = new RetiredSigningKeys(rows)
    await log.load()
    assert.deepEqual(log.of(peer), [])
  })
})

describe('retired signing keys: rows beyond the bounds', () => {
  it('keeps the newest keys of a longer row, and deletes the rows of peers past the bound at load', async () => {
    const rows = memoryRows()
    const peers = []
    for (let i = 0; i < MAX_RETIRED_KEY_PEERS + 2; i++) peers.push(peerIdFromPrivateKey(await generateKeyPair('Ed25519')))
    const row = (n: number): Uint8Array => {
      const out = new Uint8Array(n * (8 + 1952))
      for (let i = 0; i < n; i++) { new DataView(out.buffer).setBigUint64(i * (8 + 1952), BigInt(100 - i)); out.fill(i + 1, i * (8 + 1952) + 8, (i + 1) * (8 + 1952)) }
      return out
    }
    for (const peer of peers) rows.rows.set(peer.toString(), row(MAX_RETIRED_KEYS_PER_PEER + 2))
    const log = new RetiredSigningKeys(rows)
    await log.load()
    assert.equal(rows.rows.size, MAX_RETIRED_KEY_PEERS)
    const kept = [...rows.rows.keys()][0]
    assert.deepEqual(log.of(peers.find(p => p.toString() === kept)!).map(k => k.seq), [100, 99, 98, 97].slice(0, MAX_RETIRED_KEYS_PER_PEER))
  })
})
