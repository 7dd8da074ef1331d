import assert from 'node:assert/strict'
import { createRequire, syncBuiltinESMExports } from 'node:module'
import { identityPaths } from '../../src/identity/index.js'
import { createKeyDirectory, libp2pOf } from '../../src/node/index.js'
import { unmarshalKeyRecord, type KeyRecord } from '../../src/record/index.js'

/**
 * The child of test/faults/rotate-crash.test.ts: a node that rotates its
 * keys and kills itself with SIGKILL at one step of the rotation's writes.
 * The hooks go in through existing seams, from outside the code under test:
 * node:fs/promises' rename (which writeSecretFile calls), the node's public
 * registry object, and its libp2p DHT service. The node has no DHT peers;
 * its DHT put is replaced by one that reaches none, so publishing returns
 * at once. Prints:
 *
 *   K1 <base64 record>   the record it published before rotating
 *   KILL <step>          just before it kills itself
 *
 * Usage: node rotating-node.js <data dir> <step>
 */

/** The steps, in the order a rotation reaches them (rotate-crash.test.ts describes each). */
type KillStep = 'before-rename' | 'after-rename' | 'before-registry-write' | 'after-registry-write' | 'at-dht-put' | 'after-rotate'

function kill (step: KillStep): never {
  // A pipe to the parent is written synchronously on Linux and macOS.
  process.stdout.write(`KILL ${step}\n`)
  process.kill(process.pid, 'SIGKILL')
  throw new Error('unreachable')
}

const [dataDir, step] = process.argv.slice(2) as [string, KillStep]
const pqKey = identityPaths(dataDir).pqKey
let armed = false

const fs = createRequire(import.meta.url)('node:fs/promises') as typeof import('node:fs/promises')
const rename = fs.rename
fs.rename = async (from, to) => {
  if (armed && to === pqKey && step === 'before-rename') kill(step)
  await rename(from, to)
  if (armed && to === pqKey && step === 'after-rename') kill(step)
}
syncBuiltinESMExports()

/** A record with other keys than the one published before the rotation. */
const isNew = (record: KeyRecord): boolean => armed && Buffer.compare(record.mlDsaPublicKey, k1.record.mlDsaPublicKey) !== 0

const node = await createKeyDirectory({ dataDir })
const dht = libp2pOf(node).services.dht
dht.put = async function * (_key, value) {
  if (isNew(unmarshalKeyRecord(value)) && step === 'at-dht-put') kill(step)
}
// A DHT peer, as far as the publisher can tell: a node with none would not call the put this child is killed in.
Object.defineProperty(dht.routingTable, 'size', { get: () => 1 })
await node.start()
const k1 = await node.registry.get(node.peerId) ?? assert.fail('the node stored no record of its own')
process.stdout.write(`K1 ${Buffer.from(k1.record.bytes).toString('base64')}\n`)

const store = node.registry.storePeerKeys.bind(node.registry)
node.registry.storePeerKeys = async (input, trust, options) => {
  const fresh = isNew(input as KeyRecord)
  if (fresh && step === 'before-registry-write') kill(step)
  const outcome = await store(input, trust, options)
  if (fresh && step === 'after-registry-write') kill(step)
  return outcome
}

armed = true
await node.rotate()
kill('after-rotate')
