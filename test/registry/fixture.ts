import { Level } from 'level'
import { selectPqCrypto } from '../../src/crypto/index.js'
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
}

export async function openFixture (init: Partial<PeerKeyRegistryInit> = {}): Promise<Fixture> {
  const dir = await makeTempDir('keydir-registry-')
  const clock = new TestClock()
  const corrupt: Fixture['corrupt'] = []
  const make = (): PeerKeyRegistry => new PeerKeyRegistry({
    path: dir.path,
    crypto,
    validator: new KeyRecordValidator({ crypto, now: clock.now }),
    now: clock.now,
    onCorruptValue: (key, err) => { corrupt.push({ key, err }) },
    ...init
  })
  const fixture: Fixture = {
    dir,
    clock,
    corrupt,
    registry: make(),
    async reopen () {
      await fixture.registry.close()
      fixture.registry = make()
      await fixture.registry.open()
      return fixture.registry
    },
    async writeRaw (sublevel, key, value) {
      await fixture.registry.close()
      const db = new Level<string, Uint8Array>(dir.path, { keyEncoding: 'utf8', valueEncoding: 'view' })
      await db.sublevel<string, Uint8Array>(sublevel, { keyEncoding: 'utf8', valueEncoding: 'view' }).put(key, value)
      await db.close()
    },
    async cleanup () {
      await fixture.registry.close()
      await dir.remove()
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
