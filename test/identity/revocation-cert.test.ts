import * as assert from 'node:assert/strict'
import { chmod, mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { selectPqCrypto } from '../../src/crypto/index.js'
import {
  createIdentity, createOwnRevocation, ensureRevocationCertificate, identityPaths, loadIdentity, loadOrCreateIdentity, readRevocationCertificate, rotateIdentity
} from '../../src/identity/index.js'
import { RevocationValidator } from '../../src/record/index.js'
import { tempDataDir, withCode } from './helpers.js'

const crypto = selectPqCrypto()
const posix = process.platform !== 'win32'
const validator = new RevocationValidator({ crypto })

const certPath = (dataDir: string): string => join(dataDir, 'revocation.cert')

describe('the revocation certificate in the data dir', () => {
  it('createIdentity writes <dataDir>/revocation.cert: raw bytes, owner-only, both signatures good, by the identity\'s keys', async () => {
    const dataDir = await tempDataDir()
    const identity = await createIdentity(dataDir, { crypto })
    assert.equal(identityPaths(dataDir).revocationCert, certPath(dataDir))
    const bytes = await readFile(certPath(dataDir))
    if (posix) assert.equal((await stat(certPath(dataDir))).mode & 0o777, 0o600)

    // The file is the certificate itself: every byte is covered by the signatures.
    const cert = validator.validate(identity.peerId, bytes)
    assert.deepEqual(cert.bytes, new Uint8Array(bytes))
    assert.deepEqual(cert.mlDsaPublicKey, identity.mlDsaSigner.publicKey)
    assert.equal(cert.reason, 'unspecified')
    assert.equal(cert.rotation, undefined)
    assert.ok(cert.issuedAt <= Date.now())

    const read = await readRevocationCertificate(dataDir, identity.peerId, { crypto })
    assert.deepEqual(read?.bytes, cert.bytes)
    // Beside the identity dir, which keeps its two files.
    assert.deepEqual((await readdir(identityPaths(dataDir).dir)).sort(), ['libp2p.key', 'pq.key'])
  })

  it('loadOrCreateIdentity on an empty data dir writes one too', async () => {
    const dataDir = await tempDataDir()
    const identity = await loadOrCreateIdentity(dataDir, { crypto })
    validator.validate(identity.peerId, await readFile(certPath(dataDir)))
  })

  it('a data dir without one (made before keydir wrote them) gets one at its next start, and keeps it after', async () => {
    const dataDir = await tempDataDir()
    const identity = await createIdentity(dataDir, { crypto })
    await rm(certPath(dataDir))

    // Read-only loads (keydir anchor, status) write nothing.
    await loadIdentity(dataDir, { crypto })
    assert.equal(await readRevocationCertificate(dataDir, identity.peerId, { crypto }), undefined)

    const loaded = await loadOrCreateIdentity(dataDir, { crypto })
    assert.ok(loaded.peerId.equals(identity.peerId))
    const bytes = await readFile(certPath(dataDir))
    if (posix) assert.equal((await stat(certPath(dataDir))).mode & 0o777, 0o600)
    assert.deepEqual(validator.validate(identity.peerId, bytes).mlDsaPublicKey, identity.mlDsaSigner.publicKey)

    await loadOrCreateIdentity(dataDir, { crypto })
    assert.deepEqual(await readFile(certPath(dataDir)), bytes, 'a good certificate is not rewritten')
    const again = await ensureRevocationCertificate(dataDir, loaded, { crypto })
    assert.equal(again.written, false)
  })

  it('after a rotation the pre-signed one is kept (it still revokes); a missing one is signed by the new key with its hand-over', async () => {
    const dataDir = await tempDataDir()
    const identity = await createIdentity(dataDir, { crypto })
    const preSigned = await readFile(certPath(dataDir))
    const rotated = await rotateIdentity(dataDir, identity, { crypto })
    await loadOrCreateIdentity(dataDir, { crypto })
    assert.deepEqual(await readFile(certPath(dataDir)), preSigned)
    validator.validate(identity.peerId, preSigned)

    await rm(certPath(dataDir))
    await loadOrCreateIdentity(dataDir, { crypto })
    const cert = validator.validate(identity.peerId, await readFile(certPath(dataDir)))
    assert.deepEqual(cert.mlDsaPublicKey, rotated.mlDsaSigner.publicKey)
    assert.deepEqual(cert.rotation, rotated.rotation)
  })

  it('createOwnRevocation signs a fresh one with the live keys and the reason given', async () => {
    const dataDir = await tempDataDir()
    const identity = await createIdentity(dataDir, { crypto })
    const cert = await createOwnRevocation(identity, { reason: 'key-compromise', issuedAt: 1_800_000_000_000 })
    assert.equal(cert.reason, 'key-compromise')
    assert.equal(cert.issuedAt, 1_800_000_000_000)
    new RevocationValidator({ crypto, now: () => 1_800_000_000_000 }).validate(identity.peerId, cert.bytes)
  })

  it('init --force keeps the replaced identity\'s certificate, moved aside to revocation.<PeerId>.cert', async () => {
    const dataDir = await tempDataDir()
    const old = await createIdentity(dataDir, { crypto })
    const oldCert = await readFile(certPath(dataDir))
    const replaced = await createIdentity(dataDir, { crypto, force: true })
    const aside = join(dataDir, `revocation.${old.peerId.toString()}.cert`)
    assert.deepEqual(await readFile(aside), oldCert)
    if (posix) assert.equal((await stat(aside)).mode & 0o777, 0o600)
    validator.validate(replaced.peerId, await readFile(certPath(dataDir)))

    // A second replacement with the same old certificate in the way does not overwrite the first one moved aside.
    await writeFile(certPath(dataDir), oldCert, { mode: 0o600 })
    const result = await ensureRevocationCertificate(dataDir, replaced, { crypto })
    assert.equal(result.written, true)
    assert.match(result.movedAside ?? '', new RegExp(`revocation\\.${old.peerId.toString()}\\.\\d+\\.cert$`))
    assert.deepEqual(await readFile(aside), oldCert)
  })

  it('a damaged certificate is an error that says what to do, and is left as it is', async () => {
    const dataDir = await tempDataDir()
    await createIdentity(dataDir, { crypto })
    const bytes = await readFile(certPath(dataDir))
    const damaged = Uint8Array.from(bytes)
    damaged[damaged.length - 1] ^= 1
    await writeFile(certPath(dataDir), damaged, { mode: 0o600 })
    await assert.rejects(loadOrCreateIdentity(dataDir, { crypto }), (err: Error) => {
      withCode('ERR_REVOCATION_CERT_CORRUPT')(err)
      assert.match(err.message, /ERR_REVOCATION_BAD_ML_DSA_SIGNATURE/)
      assert.match(err.message, /delete the file/)
      return true
    })
    assert.deepEqual(new Uint8Array(await readFile(certPath(dataDir))), damaged)

    for (const other of [new Uint8Array(0), Uint8Array.from([1, 2, 3]), new Uint8Array(20_000)]) {
      await writeFile(certPath(dataDir), other, { mode: 0o600 })
      await assert.rejects(loadOrCreateIdentity(dataDir, { crypto }), withCode('ERR_REVOCATION_CERT_CORRUPT'))
    }
    await rm(certPath(dataDir))
    await mkdir(certPath(dataDir))
    await assert.rejects(loadOrCreateIdentity(dataDir, { crypto }), withCode('ERR_REVOCATION_CERT_CORRUPT'))
  })

  it('a certificate others can read is refused, as every secret file is', { skip: !posix }, async () => {
    const dataDir = await tempDataDir()
    const identity = await createIdentity(dataDir, { crypto })
    await chmod(certPath(dataDir), 0o644)
    await assert.rejects(loadOrCreateIdentity(dataDir, { crypto }), withCode('ERR_IDENTITY_PERMISSIONS'))
    await assert.rejects(readRevocationCertificate(dataDir, identity.peerId, { crypto }), withCode('ERR_IDENTITY_PERMISSIONS'))
  })
})
