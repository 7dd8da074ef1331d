import * as assert from 'node:assert/strict'
import { readFile, stat } from 'node:fs/promises'
import { describe, it } from 'node:test'
import { fingerprint, selectPqCrypto } from '../../src/crypto/index.js'
import { createIdentity, identityPaths, loadIdentity, rotateIdentity, type Identity } from '../../src/identity/index.js'
import { createKeyRecord, KeyRecordValidator, verifyRotationProof } from '../../src/record/index.js'
import { tempDataDir, withCode } from './helpers.js'
import type { PqCrypto } from '../../src/crypto/index.js'

const native = selectPqCrypto('native')
const noble = selectPqCrypto('noble')

/** A record as the node would publish it after loading `identity`. */
async function recordOf (identity: Identity, seq: number): Promise<Awaited<ReturnType<typeof createKeyRecord>>> {
  return createKeyRecord({
    privateKey: identity.privateKey,
    mlDsaSigner: identity.mlDsaSigner,
    mlKemPublicKey: identity.mlKem.publicKey,
    seq,
    rotation: identity.rotation
  })
}

describe('rotateIdentity', () => {
  it('gives new PQ keys, the same PeerId, and a proof by the old key', async () => {
    const crypto = native
    const dataDir = await tempDataDir()
    const before = await createIdentity(dataDir, { crypto })
    const libp2pBefore = await readFile(identityPaths(dataDir).libp2pKey)
    const after = await rotateIdentity(dataDir, before, { crypto })

    assert.ok(after.peerId.equals(before.peerId))
    assert.ok(after.privateKey.equals(before.privateKey))
    assert.deepEqual(await readFile(identityPaths(dataDir).libp2pKey), libp2pBefore)
    assert.notDeepEqual(after.mlDsaSigner.publicKey, before.mlDsaSigner.publicKey)
    assert.notDeepEqual(after.mlKem.publicKey, before.mlKem.publicKey)
    assert.ok(after.rotation != null)
    assert.deepEqual(after.rotation.previousFingerprint, fingerprint(before.mlDsaSigner.publicKey))

    const record = await recordOf(after, 2)
    new KeyRecordValidator({ crypto }).validate(after.peerId, record.bytes)
    assert.equal(verifyRotationProof(crypto, record, before.mlDsaSigner.publicKey), true)
    assert.equal(verifyRotationProof(crypto, record, after.mlDsaSigner.publicKey), false)
  })

  it('persists the new keys and the proof across a load', async () => {
    const crypto = native
    const dataDir = await tempDataDir()
    const before = await createIdentity(dataDir, { crypto })
    const after = await rotateIdentity(dataDir, before, { crypto })
    const loaded = await loadIdentity(dataDir, { crypto })

    assert.ok(loaded.peerId.equals(before.peerId))
    assert.deepEqual(loaded.mlDsaSigner.publicKey, after.mlDsaSigner.publicKey)
    assert.deepEqual(loaded.mlKem.publicKey, after.mlKem.publicKey)
    assert.deepEqual(loaded.rotation, after.rotation)
    assert.equal(verifyRotationProof(crypto, await recordOf(loaded, 2), before.mlDsaSigner.publicKey), true)
  })

  it('chains: a second rotation is proven by the first rotated key', async () => {
    const crypto = native
    const dataDir = await tempDataDir()
    const first = await createIdentity(dataDir, { crypto })
    const second = await rotateIdentity(dataDir, first, { crypto })
    const third = await rotateIdentity(dataDir, second, { crypto })
    const record = await recordOf(await loadIdentity(dataDir, { crypto }), 3)
    assert.equal(verifyRotationProof(crypto, record, second.mlDsaSigner.publicKey), true)
    assert.equal(verifyRotationProof(crypto, record, first.mlDsaSigner.publicKey), false)
    assert.deepEqual(record.mlDsaPublicKey, third.mlDsaSigner.publicKey)
  })

  it('refuses to rotate from keys that are no longer the ones on disk', async () => {
    const crypto = native
    const dataDir = await tempDataDir()
    const stale = await createIdentity(dataDir, { crypto })
    await rotateIdentity(dataDir, stale, { crypto })
    const onDisk = await readFile(identityPaths(dataDir).pqKey)
    await assert.rejects(rotateIdentity(dataDir, stale, { crypto }), withCode('ERR_IDENTITY_CHANGED'))
    assert.deepEqual(await readFile(identityPaths(dataDir).pqKey), onDisk)
  })

  it('keeps pq.key mode 0600', { skip: process.platform === 'win32' }, async () => {
    const crypto = native
    const dataDir = await tempDataDir()
    await rotateIdentity(dataDir, await createIdentity(dataDir, { crypto }), { crypto })
    assert.equal((await stat(identityPaths(dataDir).pqKey)).mode & 0o777, 0o600)
  })
})

describe('native and noble crypto', () => {
  const pairs: Array<[string, PqCrypto, PqCrypto]> = [['native', native, noble], ['noble', noble, native]]
  for (const [name, writer, reader] of pairs) {
    it(`an identity made with ${name} loads to the same public keys with both`, async () => {
      const dataDir = await tempDataDir()
      const created = await createIdentity(dataDir, { crypto: writer })
      for (const crypto of [writer, reader]) {
        const loaded = await loadIdentity(dataDir, { crypto })
        assert.ok(loaded.peerId.equals(created.peerId))
        assert.deepEqual(loaded.mlDsaSigner.publicKey, created.mlDsaSigner.publicKey)
        assert.deepEqual(loaded.mlKem.publicKey, created.mlKem.publicKey)
      }
    })

    it(`a rotation made with ${name} verifies with the other`, async () => {
      const dataDir = await tempDataDir()
      const before = await createIdentity(dataDir, { crypto: writer })
      await rotateIdentity(dataDir, before, { crypto: writer })
      const loaded = await loadIdentity(dataDir, { crypto: reader })
      const record = await recordOf(loaded, 2)
      assert.equal(verifyRotationProof(reader, record, before.mlDsaSigner.publicKey), true)
      assert.equal(verifyRotationProof(writer, record, before.mlDsaSigner.publicKey), true)
    })
  }
})
