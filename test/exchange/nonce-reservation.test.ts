import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { NonceBook, OUTBOUND_NONCE_KEY } from '../../src/exchange/index.js'
import type { NonceRows } from '../../src/registry/index.js'

/** Nonce rows in memory that record every write and can hold writes back. */
class MemoryStore implements NonceRows {
  readonly values = new Map<string, bigint>()
  readonly writes: Array<{ value: bigint, sync: boolean }> = []
  /** While set, writes wait for it. */
  gate: Promise<void> | undefined
  failing = false

  async get (key: string): Promise<bigint | undefined> {
    return this.values.get(key)
  }

  async put (key: string, value: bigint, options?: { sync?: boolean }): Promise<void> {
    await this.gate
    if (this.failing) throw new Error('disk full')
    this.values.set(key, value)
    this.writes.push({ value, sync: options?.sync === true })
  }

  ceiling (): bigint | undefined {
    return this.values.get(OUTBOUND_NONCE_KEY)
  }
}

const NOW = 1_750_000_000_000

function book (meta: MemoryStore, reservation = 100n, now = NOW): NonceBook {
  const store = { withPeer: async <T>(_peer: unknown, task: (held: boolean) => Promise<T>) => task(true), inbound: new MemoryStore(), meta }
  return new NonceBook(store, { now: () => now, reservation })
}

describe('NonceBook: outbound nonce reservations', () => {
  it('counts up from the clock, writing one synced ceiling per half reservation', async () => {
    const meta = new MemoryStore()
    const nonces = book(meta)
    const seen: bigint[] = []
    for (let i = 0; i < 500; i++) seen.push(await nonces.nextOutbound())
    await nonces.idle()
    assert.equal(seen[0], BigInt(NOW) * 1000n, 'the first nonce is the clock in microseconds')
    assert.ok(seen.every((n, i) => i === 0 || n === seen[i - 1] + 1n), 'then one more each time')
    // 500 nonces with a reservation of 100, moved on at half: about 10 writes, not 500.
    assert.ok(meta.writes.length >= 5 && meta.writes.length <= 11, `${meta.writes.length} ceiling writes`)
    assert.ok(meta.writes.every(w => w.sync), 'every ceiling write is synced to disk')
    assert.ok(meta.ceiling()! >= seen[seen.length - 1], 'no nonce above the stored ceiling was handed out')
  })

  it('never hands out a nonce above the ceiling on disk, even while the write is slow', async () => {
    const meta = new MemoryStore()
    const nonces = book(meta, 10n)
    let release!: () => void
    meta.gate = new Promise(resolve => { release = resolve })
    // The first nonce waits for the first ceiling.
    let settled = false
    const first = nonces.nextOutbound().then(n => { settled = true; return n })
    await new Promise(resolve => setImmediate(resolve))
    assert.equal(settled, false, 'nothing is handed out before a ceiling covering it is on disk')
    release()
    meta.gate = undefined
    const values = [await first]
    for (let i = 0; i < 30; i++) {
      values.push(await nonces.nextOutbound())
      assert.ok(values[values.length - 1] <= meta.ceiling()!, 'each nonce is under the ceiling on disk when it is handed out')
    }
    await nonces.idle()
    assert.equal(new Set(values).size, 31)
  })

  it('after a restart starts above the stored ceiling, not above the last nonce used', async () => {
    const meta = new MemoryStore()
    const first = book(meta)
    const used = await first.nextOutbound()
    await first.idle()
    const ceiling = meta.ceiling()!
    assert.ok(ceiling > used)
    // A restart with the clock set back an hour.
    const again = book(meta, 100n, NOW - 3_600_000)
    assert.equal(await again.nextOutbound(), ceiling + 1n)
  })

  it('starts from the clock when the stored ceiling is lost or behind it', async () => {
    const meta = new MemoryStore()
    meta.values.set(OUTBOUND_NONCE_KEY, 5n)
    assert.equal(await book(meta).nextOutbound(), BigInt(NOW) * 1000n)
    assert.equal(await book(new MemoryStore()).nextOutbound(), BigInt(NOW) * 1000n)
  })

  it('hands out a nonce the ceiling covers in the caller\'s turn, so the request is signed at once', async () => {
    const meta = new MemoryStore()
    const nonces = book(meta, 100n)
    const first = await nonces.nextOutbound()
    await nonces.idle()
    // Writes now hang: a nonce under the ceiling must not wait for any of them.
    meta.gate = new Promise(() => {})
    let taken: bigint | undefined
    void nonces.nextOutbound().then(n => { taken = n })
    await Promise.resolve()
    assert.equal(taken, first + 1n, 'taken before the caller\'s next turn, with no store access')
    // Past half the reservation a new ceiling is started in the background; nonces it already covers still come at once.
    const more: bigint[] = []
    for (let i = 0; i < 60; i++) more.push(await nonces.nextOutbound())
    assert.ok(more.every((n, i) => n === first + 2n + BigInt(i)), 'strictly one more each time')
    assert.ok(more.every(n => n <= meta.ceiling()!), 'none above the ceiling on disk')
  })

  it('a failed ceiling write fails the request that needs it, and a later one can still succeed', async () => {
    const meta = new MemoryStore()
    meta.failing = true
    const nonces = book(meta, 10n)
    await assert.rejects(nonces.nextOutbound(), /disk full/)
    meta.failing = false
    const next = await nonces.nextOutbound()
    assert.ok(next <= meta.ceiling()!)
  })
})
