import * as assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { writeFile } from 'node:fs/promises'
import { describe, it } from 'node:test'
import { PqIdentity } from '../../protobuf/identity.js'
import { fingerprint, selectPqCrypto } from '../../src/crypto/index.js'
import { createIdentity, identityPaths, loadIdentity, MAX_KEPT_HISTORY, rotateIdentity, type Identity } from '../../src/identity/index.js'
import { decodePqKey, encodePqKey } from '../../src/identity/pq-key.js'
import { createKeyRecord, followHistory, MAX_HISTORY_LINKS } from '../../src/record/index.js'
import { tempDataDir, withCode } from './helpers.js'
import type { RotationLink } from '../../src/record/index.js'

const crypto = selectPqCrypto('native')

const pinAt = (identity: Identity): { fingerprint: Uint8Array, mlDsaPublicKey: Uint8Array } =>
  ({ fingerprint: fingerprint(identity.mlDsaSigner.publicKey), mlDsaPublicKey: identity.mlDsaSigner.publicKey })

/** A record as the publisher signs it from `identity`. */
async function recordOf (identity: Identity): Promise<Awaited<ReturnType<typeof createKeyRecord>>> {
  return createKeyRecord({
    privateKey: identity.privateKey,
    mlDsaSigner: identity.mlDsaSigner,
    mlKemPublicKey: identity.mlKem.publicKey,
    seq: 10,
    rotation: identity.rotation,
    history: identity.history?.slice(0, MAX_HISTORY_LINKS)
  })
}

describe('identity history', () => {
  it('keeps every hand-over, newest first, across loads; a record of it lets a holder pinned at K0 follow three rotations', async () => {
    const dataDir = await tempDataDir()
    const keys = [await createIdentity(dataDir, { crypto })]
    assert.equal(keys[0].history, undefined)
    for (let i = 0; i < 3; i++) keys.push(await rotateIdentity(dataDir, keys[i], { crypto }))
    assert.equal(keys[1].history, undefined, 'one rotation: the proof alone')
    assert.equal(keys[2].history?.length, 1)

    const loaded = await loadIdentity(dataDir, { crypto })
    assert.deepEqual(loaded.rotation, keys[3].rotation)
    assert.deepEqual(loaded.history?.map(link => link.mlDsaPublicKey), [keys[2].mlDsaSigner.publicKey, keys[1].mlDsaSigner.publicKey])
    assert.deepEqual(loaded.history?.map(link => link.previousFingerprint), [fingerprint(keys[1].mlDsaSigner.publicKey), fingerprint(keys[0].mlDsaSigner.publicKey)])

    const record = await recordOf(loaded)
    for (let pinned = 0; pinned <= 3; pinned++) {
      assert.equal(followHistory(crypto, record, pinAt(keys[pinned])).rotations, 3 - pinned)
    }
  })

  it('an old pq.key with only the latest proof loads, and its next rotation starts the history from that proof', async () => {
    const dataDir = await tempDataDir()
    const k0 = await createIdentity(dataDir, { crypto })
    const k1 = await rotateIdentity(dataDir, k0, { crypto })
    // What keydir wrote before history existed: seeds and the latest proof, no field 4.
    const old = PqIdentity.encode({ mlDsaSeed: k1.mlDsaSeed as Uint8Array<ArrayBuffer>, mlKemSeed: k1.mlKemSeed as Uint8Array<ArrayBuffer>, rotation: k1.rotation as any })
    await writeFile(identityPaths(dataDir).pqKey, old, { mode: 0o600 })
    const loaded = await loadIdentity(dataDir, { crypto })
    assert.equal(loaded.history, undefined)
    const k2 = await rotateIdentity(dataDir, loaded, { crypto })
    assert.equal(k2.history?.length, 1)
    assert.equal(followHistory(crypto, await recordOf(k2), pinAt(k0)).rotations, 2)
  })

  it('keeps at most MAX_KEPT_HISTORY hand-overs, dropping the oldest', async () => {
    const dataDir = await tempDataDir()
    const k0 = await createIdentity(dataDir, { crypto })
    const k1 = await rotateIdentity(dataDir, k0, { crypto })
    // A full history before K1's proof, the newest handing over to K0: made-up keys whose
    // fingerprints join up (a load checks the joins, not the signatures).
    const keys = [k0.mlDsaSigner.publicKey, ...Array.from({ length: MAX_KEPT_HISTORY - 1 }, () => Uint8Array.from(randomBytes(1952)))]
    const history: RotationLink[] = keys.map((key, i) => ({
      mlDsaPublicKey: key,
      previousFingerprint: i + 1 < keys.length ? fingerprint(keys[i + 1]) : Uint8Array.from(randomBytes(32)),
      signature: Uint8Array.from(randomBytes(3309))
    }))
    const full = encodePqKey({ mlDsaSeed: k1.mlDsaSeed, mlKemSeed: k1.mlKemSeed, rotation: k1.rotation, history })
    await writeFile(identityPaths(dataDir).pqKey, full, { mode: 0o600 })
    const loaded = await loadIdentity(dataDir, { crypto })
    assert.equal(loaded.history?.length, MAX_KEPT_HISTORY)
    const k2 = await rotateIdentity(dataDir, loaded, { crypto })
    assert.equal(k2.history?.length, MAX_KEPT_HISTORY)
    assert.deepEqual(k2.history?.[0].mlDsaPublicKey, k1.mlDsaSigner.publicKey)
    assert.deepEqual(k2.history?.[MAX_KEPT_HISTORY - 1], history[MAX_KEPT_HISTORY - 2])
    assert.equal((await loadIdentity(dataDir, { crypto })).history?.length, MAX_KEPT_HISTORY)
  })

  it('refuses a pq.key whose hand-overs do not join up, or that holds more than it keeps: ERR_IDENTITY_CORRUPT', async () => {
    const dataDir = await tempDataDir()
    const k0 = await createIdentity(dataDir, { crypto })
    const k1 = await rotateIdentity(dataDir, k0, { crypto })
    const k2 = await rotateIdentity(dataDir, k1, { crypto })
    const k3 = await rotateIdentity(dataDir, k2, { crypto })
    const path = identityPaths(dataDir).pqKey
    const [newer, older] = k3.history!
    const variants: Record<string, RotationLink[]> = {
      reordered: [older, newer],
      'a link missing': [older],
      'too many': Array.from({ length: MAX_KEPT_HISTORY + 1 }, () => newer)
    }
    for (const [name, history] of Object.entries(variants)) {
      await writeFile(path, encodePqKey({ mlDsaSeed: k3.mlDsaSeed, mlKemSeed: k3.mlKemSeed, rotation: k3.rotation, history }), { mode: 0o600 })
      await assert.rejects(loadIdentity(dataDir, { crypto }), withCode('ERR_IDENTITY_CORRUPT'), name)
    }
    // History without a rotation proof to hang from.
    assert.throws(() => decodePqKey(encodePqKey({ mlDsaSeed: k3.mlDsaSeed, mlKemSeed: k3.mlKemSeed, history: [newer] }), path), withCode('ERR_IDENTITY_CORRUPT'))
  })
})
