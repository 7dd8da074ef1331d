import * as assert from 'node:assert/strict'
import { readFile, writeFile } from 'node:fs/promises'
import { describe, it } from 'node:test'
import { PqIdentity } from '../../protobuf/identity.js'
import { expandXWingSeed, selectPqCrypto } from '../../src/crypto/index.js'
import {
  createIdentity, DEFAULT_ENVELOPE_GRACE_MS, ensureKemSeed, eraseExpiredKemSeeds, identityPaths, loadIdentity, loadOrCreateIdentity, MAX_RETIRED_KEMS, rotateIdentity, type Identity
} from '../../src/identity/index.js'
import { decodePqKey, encodePqKey } from '../../src/identity/pq-key.js'
import { tempDataDir, withCode } from './helpers.js'

const crypto = selectPqCrypto('native')
const day = 24 * 60 * 60 * 1000

/** Rewrite pq.key as an older keydir wrote it: no X-Wing seed, a random ML-KEM-768 seed, nothing retired. */
async function makeOld (dataDir: string): Promise<void> {
  const path = identityPaths(dataDir).pqKey
  const file = decodePqKey(await readFile(path), path)
  await writeFile(path, encodePqKey({ mlDsaSeed: file.mlDsaSeed, mlKemSeed: new Uint8Array(64).fill(3), rotation: file.rotation, history: file.history }))
}

function assertKemOf (identity: Identity): void {
  assert.ok(identity.kemSeed !== undefined)
  assert.equal(identity.kemSeed.length, 32)
  const expanded = expandXWingSeed(identity.kemSeed)
  assert.deepEqual(identity.mlKemSeed, expanded.mlKemSeed)
  assert.deepEqual(identity.x25519PublicKey, expanded.x25519PublicKey)
  assert.deepEqual(identity.mlKem.publicKey, crypto.mlKem768.createDecapsulator(expanded.mlKemSeed).publicKey)
}

describe('identity KEM seed', () => {
  it('a new identity has an X-Wing seed, its ML-KEM-768 seed derived from it, and loads the same', async () => {
    const dataDir = await tempDataDir()
    const created = await createIdentity(dataDir, { crypto })
    assertKemOf(created)
    assert.deepEqual(created.retiredKem, [])
    const loaded = await loadIdentity(dataDir, { crypto })
    assert.deepEqual(loaded.kemSeed, created.kemSeed)
    assert.deepEqual(loaded.x25519PublicKey, created.x25519PublicKey)
    assert.deepEqual(loaded.mlKem.publicKey, created.mlKem.publicKey)
    assert.deepEqual(loaded.retiredKem, [])
  })

  it('refuses a pq.key whose ML-KEM-768 seed is not its X-Wing seed\'s', async () => {
    const dataDir = await tempDataDir()
    await createIdentity(dataDir, { crypto })
    const path = identityPaths(dataDir).pqKey
    const message = PqIdentity.decode(await readFile(path))
    message.mlKemSeed = new Uint8Array(64).fill(9)
    await writeFile(path, PqIdentity.encode(message))
    await assert.rejects(loadIdentity(dataDir, { crypto }), withCode('ERR_IDENTITY_CORRUPT'))
  })

  it('refuses a KEM seed or a retired seed of the wrong length, and more than MAX_RETIRED_KEMS retired', async () => {
    const dataDir = await tempDataDir()
    await createIdentity(dataDir, { crypto })
    const path = identityPaths(dataDir).pqKey
    const good = await readFile(path)
    const variants: Array<(m: PqIdentity) => void> = [
      m => { m.kemSeed = new Uint8Array(31) },
      m => { m.retiredKem = [{ kemSeed: new Uint8Array(33), lastSeq: 5n, retiredAt: 6n }] },
      m => { m.retiredKem = [{ kemSeed: new Uint8Array(31), lastSeq: 5n, retiredAt: 6n }] },
      m => { m.retiredKem = Array.from({ length: MAX_RETIRED_KEMS + 1 }, () => ({ kemSeed: new Uint8Array(32), lastSeq: 5n, retiredAt: 6n })) }
    ]
    for (const change of variants) {
      const message = PqIdentity.decode(good)
      change(message)
      await writeFile(path, PqIdentity.encode(message))
      await assert.rejects(loadIdentity(dataDir, { crypto }), withCode('ERR_IDENTITY_CORRUPT'))
    }
  })

  it('an older identity is upgraded when loaded for a node: new KEM keys, same ML-DSA-65 key and proofs, written to pq.key', async () => {
    const dataDir = await tempDataDir()
    const first = await createIdentity(dataDir, { crypto })
    const rotated = await rotateIdentity(dataDir, first, { crypto })
    await makeOld(dataDir)
    const old = await loadIdentity(dataDir, { crypto })
    assert.equal(old.kemSeed, undefined)
    assert.equal(old.x25519PublicKey, undefined)

    const added: Identity[] = []
    const upgraded = await loadOrCreateIdentity(dataDir, { crypto, onKemSeedAdded: identity => added.push(identity) })
    assert.equal(added.length, 1)
    assertKemOf(upgraded)
    assert.notDeepEqual(upgraded.mlKem.publicKey, old.mlKem.publicKey)
    assert.deepEqual(upgraded.mlDsaSigner.publicKey, rotated.mlDsaSigner.publicKey)
    assert.deepEqual(upgraded.rotation, rotated.rotation)
    assert.ok(upgraded.peerId.equals(first.peerId))
    // The old ML-KEM-768 key is not kept: nothing was ever sealed to it.
    assert.deepEqual(upgraded.retiredKem, [])

    const reloaded = await loadIdentity(dataDir, { crypto })
    assert.deepEqual(reloaded.kemSeed, upgraded.kemSeed)
    // Once is enough.
    const again = await loadOrCreateIdentity(dataDir, { crypto, onKemSeedAdded: identity => added.push(identity) })
    assert.equal(added.length, 1)
    assert.deepEqual(again.kemSeed, upgraded.kemSeed)
  })

  it('ensureKemSeed leaves an identity with a seed alone', async () => {
    const dataDir = await tempDataDir()
    const identity = await createIdentity(dataDir, { crypto })
    const before = await readFile(identityPaths(dataDir).pqKey)
    const result = await ensureKemSeed(dataDir, identity, { crypto })
    assert.equal(result.upgraded, false)
    assert.equal(result.identity, identity)
    assert.deepEqual(await readFile(identityPaths(dataDir).pqKey), before)
  })
})

describe('rotation and retired KEM keys', () => {
  it('keeps the replaced KEM seed with the last seq and the time, and a new seed', async () => {
    const dataDir = await tempDataDir()
    const before = await createIdentity(dataDir, { crypto })
    const now = 1_800_000_000_000
    const after = await rotateIdentity(dataDir, before, { crypto, lastSeq: 1_799_999_000_000, now })
    assertKemOf(after)
    assert.notDeepEqual(after.kemSeed, before.kemSeed)
    assert.notDeepEqual(after.x25519PublicKey, before.x25519PublicKey)
    assert.deepEqual(after.retiredKem, [{ kemSeed: before.kemSeed, lastSeq: 1_799_999_000_000, retiredAt: now }])
    const loaded = await loadIdentity(dataDir, { crypto })
    assert.deepEqual(loaded.retiredKem, after.retiredKem)
    assert.deepEqual(loaded.kemSeed, after.kemSeed)
  })

  it('erases the seeds of retired keys past the grace time, keeping their seq and time', async () => {
    const dataDir = await tempDataDir()
    const k0 = await createIdentity(dataDir, { crypto })
    const t0 = 1_800_000_000_000
    const k1 = await rotateIdentity(dataDir, k0, { crypto, lastSeq: 10, now: t0 })
    const k2 = await rotateIdentity(dataDir, k1, { crypto, lastSeq: 20, now: t0 + day })
    assert.deepEqual(k2.retiredKem.map(r => r.lastSeq), [20, 10])
    // Exactly the grace time after the first retirement: its seed is erased, the second's stays.
    const k3 = await rotateIdentity(dataDir, k2, { crypto, lastSeq: 30, now: t0 + DEFAULT_ENVELOPE_GRACE_MS })
    assert.deepEqual(k3.retiredKem.map(r => [r.lastSeq, r.kemSeed.length]), [[30, 32], [20, 32], [10, 0]])
    assert.deepEqual(k3.retiredKem[1].kemSeed, k1.kemSeed)
    assert.deepEqual((await loadIdentity(dataDir, { crypto })).retiredKem, k3.retiredKem)
    // A grace time of 0 keeps no seed.
    const k4 = await rotateIdentity(dataDir, k3, { crypto, lastSeq: 40, now: t0 + DEFAULT_ENVELOPE_GRACE_MS, envelopeGraceMs: 0 })
    assert.deepEqual(k4.retiredKem.map(r => [r.lastSeq, r.kemSeed.length]), [[40, 0], [30, 0], [20, 0], [10, 0]])
  })

  it('eraseExpiredKemSeeds rewrites pq.key without the seeds past the grace time, and leaves it alone otherwise', async () => {
    const dataDir = await tempDataDir()
    const t0 = 1_800_000_000_000
    const k1 = await rotateIdentity(dataDir, await createIdentity(dataDir, { crypto }), { crypto, lastSeq: 10, now: t0 })
    const path = identityPaths(dataDir).pqKey
    const before = await readFile(path)
    const same = await eraseExpiredKemSeeds(dataDir, k1, { crypto, now: t0 + 1000, graceMs: DEFAULT_ENVELOPE_GRACE_MS })
    assert.equal(same, k1)
    assert.deepEqual(await readFile(path), before)
    const erased = await eraseExpiredKemSeeds(dataDir, k1, { crypto, now: t0 + DEFAULT_ENVELOPE_GRACE_MS, graceMs: DEFAULT_ENVELOPE_GRACE_MS })
    assert.deepEqual(erased.retiredKem, [{ kemSeed: new Uint8Array(0), lastSeq: 10, retiredAt: t0 }])
    const loaded = await loadIdentity(dataDir, { crypto })
    assert.deepEqual(loaded.retiredKem, erased.retiredKem)
    assert.ok(!Buffer.from(await readFile(path)).includes(Buffer.from(k1.retiredKem[0].kemSeed)), 'the erased seed is not in pq.key')
  })

  it('keeps at most MAX_RETIRED_KEMS', async () => {
    const dataDir = await tempDataDir()
    let identity = await createIdentity(dataDir, { crypto })
    const t0 = 1_800_000_000_000
    for (let i = 1; i <= MAX_RETIRED_KEMS + 2; i++) {
      identity = await rotateIdentity(dataDir, identity, { crypto, lastSeq: i, now: t0 + i })
    }
    assert.equal(identity.retiredKem.length, MAX_RETIRED_KEMS)
    assert.deepEqual(identity.retiredKem.map(r => r.lastSeq), Array.from({ length: MAX_RETIRED_KEMS }, (_, i) => MAX_RETIRED_KEMS + 2 - i))
    assert.deepEqual((await loadIdentity(dataDir, { crypto })).retiredKem, identity.retiredKem)
  })

  it('an identity never upgraded retires nothing, and gets a seed', async () => {
    const dataDir = await tempDataDir()
    await createIdentity(dataDir, { crypto })
    await makeOld(dataDir)
    const old = await loadIdentity(dataDir, { crypto })
    const after = await rotateIdentity(dataDir, old, { crypto, lastSeq: 5 })
    assertKemOf(after)
    assert.deepEqual(after.retiredKem, [])
  })
})
