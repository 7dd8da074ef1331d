import { Level } from 'level'
import { selectPqCrypto } from '../../src/crypto/index.js'
import { NonceBook, PendingKeyRequests } from '../../src/exchange/index.js'
import { KeyRecordValidator } from '../../src/record/index.js'
import { PeerKeyRegistry } from '../../src/registry/index.js'
import { makeTempDir } from '../helpers/temp-dir.js'
import type { PeerKeyRegistryInit } from '../../src/registry/index.js'
import type { TempDir } from '../helpers/temp-dir.js'

export const crypto = selectPqCrypto()
export const second = 1000
export const minute = 60 * second
export const hour = 60 * minute

/** A clock the test moves by hand; it starts at the real time so default record times are fresh. */
export class TestClock {
  ms = Date.now()
  readonly now = (): number => this.ms
  advance (ms: number): void { this.ms += ms }
}

export interface Fixture {
  dir: TempDir
  clock: TestClock
  registry: PeerKeyRegistry
  /** Every value reported through onCorruptValue, in order. */
  corrupt: Array<{ key: string, err: Error }>
  /** Close and open a new registry on the same folder. */
  reopen (): Promise<PeerKeyRegistry>
  /** Write a raw value into a sublevel while the registry is closed. */
  writeRaw (sublevel: string, key: string, value: Uint8Array): Promise<void>
  /** Close the registry and remove the folder. */
  cleanup (): Promise<void>
  /** The key exchange's nonce rules over the registry as it is now: one per registry instance, a new one after reopen. */
  nonceBook (): NonceBook
}

export interface FixtureInit extends Partial<PeerKeyRegistryInit> {
  /** The pending-request table's timeout and size (the exchange's PendingKeyRequests). */
  pendingRequestTimeoutMs?: number
  maxPendingRequests?: number
}

export async function openFixture (options: FixtureInit = {}): Promise<Fixture> {
  const { pendingRequestTimeoutMs, maxPendingRequests, ...init } = options
  const dir = await makeTempDir('keydir-registry-')
  const clock = new TestClock()
  const corrupt: Fixture['corrupt'] = []
  const requests = new PendingKeyRequests({ timeoutMs: pendingRequestTimeoutMs, max: maxPendingRequests, now: clock.now })
  const make = (): PeerKeyRegistry => new PeerKeyRegistry({
    path: dir.path,
    crypto,
    validator: new KeyRecordValidator({ crypto, now: clock.now }),
    now: clock.now,
    requests,
    onCorruptValue: (key, err) => { corrupt.push({ key, err }) },
    ...init
  })
  // One nonce book per registry instance, as the node has one per exchange.
  let book: { registry: PeerKeyRegistry, nonces: NonceBook } | undefined
  const settleNonces = async (): Promise<void> => { await book?.nonces.idle() }
  const fixture: Fixture = {
    dir,
    clock,
    corrupt,
    registry: make(),
    async reopen () {
      await settleNonces()
      await fixture.registry.close()
      fixture.registry = make()
      await fixture.registry.open()
      return fixture.registry
    },
    async writeRaw (sublevel, key, value) {
      await settleNonces()
      await fixture.registry.close()
      const db = new Level<string, Uint8Array>(dir.path, { keyEncoding: 'utf8', valueEncoding: 'view' })
      await db.sublevel<string, Uint8Array>(sublevel, { keyEncoding: 'utf8', valueEncoding: 'view' }).put(key, value)
      await db.close()
    },
    async cleanup () {
      await settleNonces()
      await fixture.registry.close()
      await dir.remove()
    },
    nonceBook () {
      if (book?.registry !== fixture.registry) book = { registry: fixture.registry, nonces: new NonceBook(fixture.registry.nonceStore, { now: clock.now }) }
      return book.nonces
    }
  }
  await fixture.registry.open()
  return fixture
}

/** A predicate for assert.rejects / assert.throws: a KeydirError of this name and code. */
export function isError (name: string, code: string): (err: any) => boolean {
  return (err: any) => {
    if (err?.name !== name || err?.code !== code) {
      throw new Error(`expected ${name} ${code}, got ${String(err?.name)} ${String(err?.code)}: ${String(err?.message)}`)
    }
    return true
  }
}
