import * as assert from 'node:assert/strict'
import { mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { selectPqCrypto } from '../../src/crypto/index.js'
import { createIdentity, identityPaths, loadIdentity, loadOrCreateIdentity } from '../../src/identity/index.js'
import { tempDataDir, withCode } from './helpers.js'

const crypto = selectPqCrypto()
const posix = process.platform !== 'win32'

describe('createIdentity / loadIdentity', () => {
  it('loads what it created: same PeerId and public keys', async () => {
    const dataDir = await tempDataDir()
    const created = await createIdentity(dataDir, { crypto })
    const loaded = await loadIdentity(dataDir, { crypto })

    assert.ok(loaded.peerId.equals(created.peerId))
    assert.equal(loaded.peerId.type, 'Ed25519')
    assert.ok(loaded.privateKey.equals(created.privateKey))
    assert.deepEqual(loaded.mlDsaSigner.publicKey, created.mlDsaSigner.publicKey)
    assert.deepEqual(loaded.mlKem.publicKey, created.mlKem.publicKey)
    assert.deepEqual(loaded.mlDsaSeed, created.mlDsaSeed)
    assert.deepEqual(loaded.mlKemSeed, created.mlKemSeed)
    assert.equal(loaded.mlDsaSeed.length, 32)
    assert.equal(loaded.mlKemSeed.length, 64)
    assert.equal(loaded.rotation, undefined)
  })

  it('makes usable keys: the signer signs, the decapsulator decapsulates', async () => {
    const identity = await createIdentity(await tempDataDir(), { crypto })
    const message = new TextEncoder().encode('hello')
    const context = new TextEncoder().encode('test')
    assert.ok(crypto.mlDsa65.verify(identity.mlDsaSigner.publicKey, message, identity.mlDsaSigner.sign(message, context), context))
    const { cipherText, sharedSecret } = crypto.mlKem768.encapsulate(identity.mlKem.publicKey)
    assert.deepEqual(identity.mlKem.decapsulate(cipherText), sharedSecret)
  })

  it('refuses to replace an identity without force, leaving the files byte-identical', async () => {
    const dataDir = await tempDataDir()
    await createIdentity(dataDir, { crypto })
    const paths = identityPaths(dataDir)
    const before = [await readFile(paths.libp2pKey), await readFile(paths.pqKey)]

    await assert.rejects(createIdentity(dataDir, { crypto }), (err: Error) => {
      withCode('ERR_IDENTITY_EXISTS')(err)
      assert.match(err.message, /--force/)
      assert.match(err.message, /PeerId/)
      return true
    })
    assert.deepEqual([await readFile(paths.libp2pKey), await readFile(paths.pqKey)], before)
  })

  it('refuses when only one of the two files exists', async () => {
    for (const file of ['libp2p.key', 'pq.key']) {
      const dataDir = await tempDataDir()
      const paths = identityPaths(dataDir)
      await mkdir(paths.dir, { recursive: true })
      await writeFile(join(paths.dir, file), 'keep me', { mode: 0o600 })
      await assert.rejects(createIdentity(dataDir, { crypto }), withCode('ERR_IDENTITY_EXISTS'))
      assert.equal(await readFile(join(paths.dir, file), 'utf8'), 'keep me')
    }
  })

  it('replaces the identity with force: new PeerId and keys', async () => {
    const dataDir = await tempDataDir()
    const first = await createIdentity(dataDir, { crypto })
    const second = await createIdentity(dataDir, { crypto, force: true })
    assert.ok(!second.peerId.equals(first.peerId))
    assert.notDeepEqual(second.mlDsaSigner.publicKey, first.mlDsaSigner.publicKey)

    const loaded = await loadIdentity(dataDir, { crypto })
    assert.ok(loaded.peerId.equals(second.peerId))
    assert.deepEqual(loaded.mlDsaSigner.publicKey, second.mlDsaSigner.publicKey)
    assert.deepEqual(loaded.mlKem.publicKey, second.mlKem.publicKey)
  })

  it('leaves no temp files behind', async () => {
    const dataDir = await tempDataDir()
    await createIdentity(dataDir, { crypto })
    await createIdentity(dataDir, { crypto, force: true })
    assert.deepEqual((await readdir(identityPaths(dataDir).dir)).sort(), ['libp2p.key', 'pq.key'])
  })

  it('reports a data dir that cannot be made', async () => {
    const parent = await tempDataDir()
    await mkdir(parent, { recursive: true })
    const notADir = join(parent, 'file')
    await writeFile(notADir, 'x')
    await assert.rejects(createIdentity(notADir, { crypto }), withCode('ERR_IDENTITY_WRITE_FAILED'))
  })
})

describe('file modes', { skip: !posix && 'no POSIX modes on this platform' }, () => {
  async function modes (dataDir: string): Promise<number[]> {
    const paths = identityPaths(dataDir)
    return Promise.all([paths.dir, paths.libp2pKey, paths.pqKey].map(async p => (await stat(p)).mode & 0o777))
  }

  it('secret files are 0600 and the identity dir 0700', async () => {
    const dataDir = await tempDataDir()
    await createIdentity(dataDir, { crypto })
    assert.deepEqual(await modes(dataDir), [0o700, 0o600, 0o600])
  })

  it('holds under a permissive umask and a restrictive one', async () => {
    for (const umask of [0o000, 0o277]) {
      const previous = process.umask(umask)
      try {
        const dataDir = await tempDataDir()
        await createIdentity(dataDir, { crypto })
        assert.deepEqual(await modes(dataDir), [0o700, 0o600, 0o600], `umask ${umask.toString(8)}`)
      } finally {
        process.umask(previous)
      }
    }
  })

  it('tightens an existing identity dir on create', async () => {
    const dataDir = await tempDataDir()
    await mkdir(identityPaths(dataDir).dir, { recursive: true, mode: 0o755 })
    await createIdentity(dataDir, { crypto })
    assert.deepEqual(await modes(dataDir), [0o700, 0o600, 0o600])
  })
})

describe('loadOrCreateIdentity', () => {
  it('creates on the first run, then loads the same identity', async () => {
    const dataDir = await tempDataDir()
    const first = await loadOrCreateIdentity(dataDir, { crypto })
    const second = await loadOrCreateIdentity(dataDir, { crypto })
    assert.ok(second.peerId.equals(first.peerId))
    assert.deepEqual(second.mlDsaSigner.publicKey, first.mlDsaSigner.publicKey)
  })

  it('does not replace half an identity', async () => {
    const dataDir = await tempDataDir()
    await createIdentity(dataDir, { crypto })
    const paths = identityPaths(dataDir)
    await rm(paths.pqKey)
    const libp2pBefore = await readFile(paths.libp2pKey)
    await assert.rejects(loadOrCreateIdentity(dataDir, { crypto }), withCode('ERR_IDENTITY_MISSING'))
    assert.deepEqual(await readFile(paths.libp2pKey), libp2pBefore)
  })

  it('does not replace a corrupt identity', async () => {
    const dataDir = await tempDataDir()
    await createIdentity(dataDir, { crypto })
    await writeFile(identityPaths(dataDir).pqKey, 'garbage', { mode: 0o600 })
    await assert.rejects(loadOrCreateIdentity(dataDir, { crypto }), withCode('ERR_IDENTITY_CORRUPT'))
    assert.equal(await readFile(identityPaths(dataDir).pqKey, 'utf8'), 'garbage')
  })
})
