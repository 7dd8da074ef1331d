import assert from 'node:assert/strict'
import { readFile, writeFile } from 'node:fs/promises'
import { describe, it } from 'node:test'
import { expandXWingSeed, selectPqCrypto } from '../../src/crypto/index.js'
import { createIdentity, identityPaths, loadIdentity } from '../../src/identity/index.js'
import { decodePqKey, encodePqKey } from '../../src/identity/pq-key.js'
import { createKeyDirectory } from '../../src/node/index.js'
import { startNetwork } from '../helpers/network.js'
import { makeTempDir } from '../helpers/temp-dir.js'
import type { KeyDirectory } from '../../src/node/index.js'
import type { RecordPublisher } from '../../src/publisher/index.js'

/** The own record's X25519 key and the KEM keys the envelope code will open with (issue 22). */

const crypto = selectPqCrypto()

function publisherOf (node: KeyDirectory): RecordPublisher {
  return (node as unknown as { libp2p: { services: { publisher: RecordPublisher } } }).libp2p.services.publisher
}

describe('publisher: KEM keys', () => {
  it('publishes version-2 records, and keeps the replaced KEM key after a rotation', async () => {
    const net = await startNetwork(2)
    try {
      const { node, dir } = net.nodes[1]
      const publisher = publisherOf(node)
      const own = await node.resolve(node.peerId)
      const before = publisher.kemKeys()
      assert.ok(before.current !== undefined)
      assert.ok(own.x25519PublicKey !== undefined)
      assert.deepEqual(own.record.x25519PublicKey, own.x25519PublicKey)
      assert.deepEqual(before.current.x25519PublicKey, own.x25519PublicKey)
      assert.deepEqual(before.current.mlKemPublicKey, own.mlKemPublicKey)
      assert.deepEqual(expandXWingSeed(before.current.kemSeed).x25519PublicKey, own.x25519PublicKey)
      assert.deepEqual(before.retired, [])

      const lastSeq = publisher.record.seq
      const rotated = await node.rotate()
      const after = publisher.kemKeys()
      assert.ok(after.current !== undefined && rotated.x25519PublicKey !== undefined)
      assert.deepEqual(after.current.x25519PublicKey, rotated.x25519PublicKey)
      assert.notDeepEqual(rotated.x25519PublicKey, own.x25519PublicKey)
      assert.equal(after.retired.length, 1)
      assert.deepEqual(after.retired[0].kemSeed, before.current.kemSeed)
      assert.equal(after.retired[0].lastSeq, lastSeq)
      assert.ok(Math.abs(after.retired[0].retiredAt - Date.now()) < 60_000)
      assert.deepEqual((await loadIdentity(dir.path, { crypto })).retiredKem, after.retired)

      // A peer learns the new X25519 key with the rotated record.
      const seen = await net.nodes[0].node.resolve(node.peerId, { refresh: true })
      assert.deepEqual(seen.x25519PublicKey, rotated.x25519PublicKey)
    } finally {
      await net.stop()
    }
  })

  it('gives an identity of an older keydir a KEM seed when the node loads it', async () => {
    await using dir = await makeTempDir('keydir-kem-upgrade-')
    await createIdentity(dir.path, { crypto })
    const path = identityPaths(dir.path).pqKey
    const file = decodePqKey(await readFile(path), path)
    await writeFile(path, encodePqKey({ mlDsaSeed: file.mlDsaSeed, mlKemSeed: new Uint8Array(64).fill(5) }), { mode: 0o600 })

    const node = await createKeyDirectory({ dataDir: dir.path, createIdentity: false, discoverOnConnect: false })
    await node.start()
    try {
      const own = await node.resolve(node.peerId)
      const onDisk = await loadIdentity(dir.path, { crypto })
      assert.ok(onDisk.kemSeed !== undefined)
      assert.deepEqual(own.x25519PublicKey, onDisk.x25519PublicKey)
      assert.deepEqual(own.mlKemPublicKey, onDisk.mlKem.publicKey)
      assert.notDeepEqual(own.mlKemPublicKey, crypto.mlKem768.createDecapsulator(new Uint8Array(64).fill(5)).publicKey)
    } finally {
      await node.stop()
    }
  })

  it('refuses a negative envelopeGraceMs before opening anything', async () => {
    await using dir = await makeTempDir('keydir-kem-grace-')
    await assert.rejects(createKeyDirectory({ dataDir: dir.path, envelopeGraceMs: -1 }), (err: any) => err.code === 'ERR_BAD_OPTION')
  })
})
