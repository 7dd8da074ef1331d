import * as assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { chmod, mkdir, open, readFile, rm, writeFile } from 'node:fs/promises'
import { describe, it } from 'node:test'
import { generateKeyPair, privateKeyToProtobuf } from '@libp2p/crypto/keys'
import { PqIdentity } from '../../protobuf/identity.js'
import { selectPqCrypto } from '../../src/crypto/index.js'
import { createIdentity, identityPaths, loadIdentity, MAX_IDENTITY_FILE_BYTES, MAX_PQ_KEY_FILE_BYTES } from '../../src/identity/index.js'
import { tempDataDir, withCode } from './helpers.js'

const crypto = selectPqCrypto()
const posix = process.platform !== 'win32'

/** A data dir with a valid identity, and its file paths. */
async function withIdentity (): Promise<{ dataDir: string, libp2pKey: string, pqKey: string }> {
  const dataDir = await tempDataDir()
  await createIdentity(dataDir, { crypto })
  return { dataDir, ...identityPaths(dataDir) }
}

/** Load must fail with `code`, and the message must name `path` when given. */
async function rejectsWith (dataDir: string, code: string, path?: string): Promise<Error> {
  let caught: Error | undefined
  await assert.rejects(loadIdentity(dataDir, { crypto }), (err: Error) => {
    withCode(code)(err)
    caught = err
    return true
  })
  if (path !== undefined) {
    assert.ok(caught!.message.includes(path), `message names ${path}: ${caught!.message}`)
  }
  return caught!
}

async function pqKeyBytes (fields: Partial<PqIdentity>): Promise<Uint8Array> {
  return PqIdentity.encode({
    mlDsaSeed: new Uint8Array(randomBytes(32)),
    mlKemSeed: new Uint8Array(randomBytes(64)),
    ...fields
  })
}

describe('loadIdentity: missing', () => {
  it('a data dir that does not exist says to run keydir init', async () => {
    const dataDir = await tempDataDir()
    const err = await rejectsWith(dataDir, 'ERR_IDENTITY_MISSING')
    assert.ok(err.message.includes(`keydir init --dir ${dataDir}`), err.message)
  })

  it('an empty identity dir is missing', async () => {
    const dataDir = await tempDataDir()
    await mkdir(identityPaths(dataDir).dir, { recursive: true })
    await rejectsWith(dataDir, 'ERR_IDENTITY_MISSING')
  })

  it('one missing file is named, with restore or init --force', async () => {
    for (const which of ['libp2pKey', 'pqKey'] as const) {
      const files = await withIdentity()
      await rm(files[which])
      const err = await rejectsWith(files.dataDir, 'ERR_IDENTITY_MISSING', files[which])
      assert.match(err.message, /--force/)
    }
  })
})

describe('loadIdentity: corrupt', () => {
  it('truncated libp2p.key', async () => {
    for (const keep of [0, 1, 10, 67]) {
      const files = await withIdentity()
      const bytes = await readFile(files.libp2pKey)
      await writeFile(files.libp2pKey, bytes.subarray(0, keep))
      const err = await rejectsWith(files.dataDir, 'ERR_IDENTITY_CORRUPT', files.libp2pKey)
      assert.match(err.message, /backup/)
      assert.match(err.message, /--force/)
    }
  })

  it('truncated pq.key', async () => {
    const files = await withIdentity()
    const bytes = await readFile(files.pqKey)
    for (const keep of [0, 1, 2, 33, 34, 35, 60, bytes.length - 1]) {
      await writeFile(files.pqKey, bytes.subarray(0, keep))
      await rejectsWith(files.dataDir, 'ERR_IDENTITY_CORRUPT', files.pqKey)
    }
  })

  it('wrong seed lengths', async () => {
    const files = await withIdentity()
    const cases: Array<Partial<PqIdentity>> = [
      { mlDsaSeed: new Uint8Array(31) },
      { mlDsaSeed: new Uint8Array(33) },
      { mlDsaSeed: new Uint8Array(0) },
      { mlKemSeed: new Uint8Array(32) },
      { mlKemSeed: new Uint8Array(65) },
      { rotation: { previousFingerprint: new Uint8Array(31), signature: new Uint8Array(3309) } },
      { rotation: { previousFingerprint: new Uint8Array(32), signature: new Uint8Array(3308) } }
    ]
    for (const fields of cases) {
      await writeFile(files.pqKey, await pqKeyBytes(fields))
      await rejectsWith(files.dataDir, 'ERR_IDENTITY_CORRUPT', files.pqKey)
    }
  })

  it('a well-formed pq.key of the right lengths loads', async () => {
    const files = await withIdentity()
    const rotation = { previousFingerprint: new Uint8Array(32).fill(1), signature: new Uint8Array(3309).fill(2) }
    await writeFile(files.pqKey, await pqKeyBytes({ rotation }))
    const identity = await loadIdentity(files.dataDir, { crypto })
    assert.deepEqual(identity.rotation, rotation)
  })

  it('garbage bytes in either file', async () => {
    for (const which of ['libp2pKey', 'pqKey'] as const) {
      for (const length of [1, 68, 100, 3000]) {
        const files = await withIdentity()
        await writeFile(files[which], randomBytes(length))
        await rejectsWith(files.dataDir, 'ERR_IDENTITY_CORRUPT', files[which])
      }
    }
  })

  it('bytes appended to either file', async () => {
    for (const which of ['libp2pKey', 'pqKey'] as const) {
      const files = await withIdentity()
      const bytes = await readFile(files[which])
      // A valid extra field (field 15, bytes) then a stray byte.
      for (const extra of [Uint8Array.of(0x7a, 0x01, 0x00), Uint8Array.of(0x00)]) {
        await writeFile(files[which], Buffer.concat([bytes, extra]))
        await rejectsWith(files.dataDir, 'ERR_IDENTITY_CORRUPT', files[which])
      }
    }
  })

  it('a libp2p key that is not Ed25519', async () => {
    const files = await withIdentity()
    await writeFile(files.libp2pKey, privateKeyToProtobuf(await generateKeyPair('secp256k1')))
    const err = await rejectsWith(files.dataDir, 'ERR_IDENTITY_CORRUPT', files.libp2pKey)
    assert.match(err.message, /Ed25519/)
  })

  it('an Ed25519 key whose public half does not match its private half', async () => {
    const files = await withIdentity()
    const bytes = await readFile(files.libp2pKey)
    bytes[bytes.length - 1] ^= 1
    await writeFile(files.libp2pKey, bytes)
    await rejectsWith(files.dataDir, 'ERR_IDENTITY_CORRUPT', files.libp2pKey)
  })

  it('a directory where a key file should be', async () => {
    const files = await withIdentity()
    await rm(files.pqKey)
    await mkdir(files.pqKey, { mode: 0o700 })
    await rejectsWith(files.dataDir, 'ERR_IDENTITY_CORRUPT', files.pqKey)
  })

  it('a FIFO where a key file should be is refused, not waited on', { skip: !posix && 'no FIFOs' }, async (t) => {
    const files = await withIdentity()
    await rm(files.pqKey)
    const made = spawnSync('mkfifo', ['-m', '600', files.pqKey])
    if (made.error != null || made.status !== 0) {
      t.skip('mkfifo is not available')
      return
    }
    await rejectsWith(files.dataDir, 'ERR_IDENTITY_CORRUPT', files.pqKey)
  })

  it('an oversized file is refused without being read', async () => {
    const files = await withIdentity()
    // A sparse 1 GiB file: costs no disk, but reading it whole would cost 1 GiB of memory.
    const oneGiB = 1024 * 1024 * 1024
    const big = await open(files.libp2pKey, 'w', 0o600)
    await big.truncate(oneGiB)
    await big.close()

    // Count every byte read through a FileHandle while loading.
    const probe = await open(files.pqKey, 'r')
    const proto = Object.getPrototypeOf(probe) as { read: (...args: unknown[]) => Promise<{ bytesRead: number }> }
    await probe.close()
    const originalRead = proto.read
    let bytesRead = 0
    proto.read = async function (this: unknown, ...args: unknown[]) {
      const result = await originalRead.apply(this, args)
      bytesRead += result.bytesRead
      return result
    }
    try {
      // The probe sees the reads of a normal load...
      await loadIdentity((await withIdentity()).dataDir, { crypto })
      assert.ok(bytesRead > 0, 'the read probe works')
      bytesRead = 0
      // ...and none of the 1 GiB file.
      const err = await rejectsWith(files.dataDir, 'ERR_IDENTITY_CORRUPT', files.libp2pKey)
      assert.ok(err.message.includes(String(oneGiB)), err.message)
    } finally {
      proto.read = originalRead
    }
    assert.ok(bytesRead <= MAX_IDENTITY_FILE_BYTES, `read ${bytesRead} bytes`)
  })

  it('a pq.key just over the size cap is refused', async () => {
    const files = await withIdentity()
    await writeFile(files.pqKey, new Uint8Array(MAX_PQ_KEY_FILE_BYTES + 1))
    const err = await rejectsWith(files.dataDir, 'ERR_IDENTITY_CORRUPT', files.pqKey)
    assert.ok(err.message.includes(`limit ${MAX_PQ_KEY_FILE_BYTES}`), err.message)
  })
})

describe('loadIdentity: permissions', { skip: !posix && 'no POSIX modes on this platform' }, () => {
  for (const mode of [0o644, 0o640, 0o604, 0o620, 0o602, 0o666]) {
    it(`refuses a secret file with mode ${mode.toString(8)}`, async () => {
      for (const which of ['libp2pKey', 'pqKey'] as const) {
        const files = await withIdentity()
        await chmod(files[which], mode)
        const err = await rejectsWith(files.dataDir, 'ERR_IDENTITY_PERMISSIONS', files[which])
        assert.ok(err.message.includes(`chmod 600 ${files[which]}`), err.message)
      }
    })
  }

  it('accepts 0600 and 0400', async () => {
    const files = await withIdentity()
    await chmod(files.libp2pKey, 0o400)
    await chmod(files.pqKey, 0o400)
    await loadIdentity(files.dataDir, { crypto })
  })

  it('reports permissions before content', async () => {
    const files = await withIdentity()
    await writeFile(files.pqKey, 'garbage')
    await chmod(files.pqKey, 0o644)
    await rejectsWith(files.dataDir, 'ERR_IDENTITY_PERMISSIONS', files.pqKey)
  })
})
