import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'
import { fingerprint, selectPqCrypto } from '../../src/crypto/index.js'
import { loadIdentity } from '../../src/identity/index.js'
import { createKeyDirectory, libp2pOf } from '../../src/node/index.js'
import { KeyRecordValidator, unmarshalKeyRecord } from '../../src/record/index.js'
import { PeerKeyRegistry } from '../../src/registry/index.js'
import { makeTempDir } from '../helpers/temp-dir.js'
import type { KeyRecord } from '../../src/record/index.js'

/**
 * Crash safety of a key rotation (docs/security.md, "Own record and
 * rotation"): a child process (`faults/rotating-node.ts`) runs a node,
 * rotates its keys and is killed with SIGKILL at one step of the rotation's
 * writes, once for each step. Each time, the data dir left behind must start
 * a node (createKeyDirectory + start) with one consistent key: pq.key loads,
 * the record the node then publishes has pq.key's keys, the registry's pin
 * and record agree with them, a peer that pinned the key from before the
 * rotation takes that record (the rotation proof followed), and the node
 * rotates again from there.
 */

const STEPS = [
  // pq.key's temp file is written and flushed, not yet renamed over pq.key: the old keys stay.
  'before-rename',
  // pq.key renamed, the identity directory not yet flushed.
  'after-rename',
  // pq.key holds the new keys; the registry still pins the old key.
  'before-registry-write',
  // The registry holds the new record and pin; the DHT does not.
  'after-registry-write',
  // The put of the new record into the DHT has begun.
  'at-dht-put',
  // rotate() returned.
  'after-rotate'
]
const child = join(fileURLToPath(new URL('.', import.meta.url)), 'rotating-node.js')
const crypto = selectPqCrypto()

/** Run the child until it kills itself at `step`; the record it published before rotating. */
async function rotateUntilKilled (dataDir: string, step: string): Promise<KeyRecord> {
  const proc = spawn(process.execPath, [child, dataDir, step], { stdio: ['ignore', 'pipe', 'pipe'] })
  const lines: string[] = []
  let stderr = ''
  proc.stderr.on('data', chunk => { stderr += String(chunk) })
  createInterface({ input: proc.stdout }).on('line', line => { lines.push(line) })
  const signal = await new Promise<NodeJS.Signals | null>((resolve, reject) => {
    const guard = setTimeout(() => { proc.kill('SIGKILL'); reject(new Error(`the child did not reach ${step}: ${stderr}`)) }, 60_000)
    proc.on('close', (code, sig) => {
      clearTimeout(guard)
      if (sig == null) reject(new Error(`the child exited by itself (${String(code)}): ${stderr}`))
      else resolve(sig)
    })
  })
  assert.equal(signal, 'SIGKILL')
  assert.ok(lines.includes(`KILL ${step}`), `the child was not killed at ${step}: ${lines.join(' | ')} ${stderr}`)
  const k1 = lines.find(line => line.startsWith('K1 '))
  assert.ok(k1 !== undefined)
  return unmarshalKeyRecord(new Uint8Array(Buffer.from(k1.slice(3), 'base64')))
}

/** A peer that pinned `first` takes each of `next` in turn. */
async function assertFollows (first: KeyRecord, next: KeyRecord[]): Promise<void> {
  await using dir = await makeTempDir('keydir-follower-')
  const peer = new PeerKeyRegistry({ path: dir.path, crypto, validator: new KeyRecordValidator({ crypto }) })
  await peer.open()
  try {
    await peer.storePeerKeys(first.bytes, 'dht')
    for (const record of next) {
      assert.equal(await peer.storePeerKeys(record.bytes, 'dht'), 'stored', `a peer pinned at the old key refused seq ${record.seq}`)
    }
  } finally {
    await peer.close()
  }
}

describe('crash safety: a rotation killed with SIGKILL at each of its writes', () => {
  for (const step of STEPS) {
    it(`${step}: the node starts with one consistent key and rotates on`, async () => {
      await using dir = await makeTempDir('keydir-rotate-crash-')
      const k1 = await rotateUntilKilled(dir.path, step)

      const onDisk = (await loadIdentity(dir.path, { crypto })).mlDsaSigner.publicKey
      if (step === 'before-rename') assert.deepEqual(onDisk, k1.mlDsaPublicKey, 'pq.key changed before its rename')
      else assert.notDeepEqual(onDisk, k1.mlDsaPublicKey, 'pq.key lost the new keys after its rename')

      const node = await createKeyDirectory({ dataDir: dir.path, createIdentity: false })
      const published: KeyRecord[] = []
      const dht = libp2pOf(node).services.dht
      dht.put = async function * (_key, value) {
        published.push(unmarshalKeyRecord(value))
      }
      // A DHT peer, as far as the publisher can tell: a node with none puts nothing (ERR_NO_PEERS), and this test reads the puts.
      Object.defineProperty(dht.routingTable, 'size', { get: () => 1 })
      try {
        await node.start()
        const own = await node.registry.get(node.peerId)
        const pin = await node.registry.getPin(node.peerId)
        assert.deepEqual(own?.record.mlDsaPublicKey, onDisk, 'the registry holds a record of another key than pq.key')
        assert.deepEqual(pin?.fingerprint, fingerprint(onDisk), 'the registry pins another key than pq.key')
        assert.deepEqual((await node.resolve(node.peerId)).mlDsaPublicKey, onDisk)
        const startRecord = await node.publish()
        assert.ok(published.length > 0)
        for (const record of published) {
          assert.deepEqual(record.mlDsaPublicKey, onDisk, 'the node published another key than pq.key')
          assert.ok(record.seq > k1.seq)
        }
        await assertFollows(k1, [startRecord])

        const next = await node.rotate()
        assert.deepEqual(next.rotation?.previousFingerprint, fingerprint(onDisk))
        assert.deepEqual((await loadIdentity(dir.path, { crypto })).mlDsaSigner.publicKey, next.mlDsaPublicKey)
        await assertFollows(k1, [startRecord, next])
      } finally {
        await node.stop()
      }
    })
  }
})
