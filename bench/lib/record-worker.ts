/**
 * A worker thread that signs key records for distinct fresh peers (a new
 * Ed25519 libp2p key each; one ML-DSA-65 / ML-KEM-768 key pair per worker,
 * which the registry does not mind: pins are per peer) and posts their
 * bytes back. Used by makeRecordsInWorkers for registries of 100,000 peers.
 */
import { randomBytes } from 'node:crypto'
import { parentPort, workerData } from 'node:worker_threads'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { selectPqCrypto } from '../../src/crypto/index.js'
import { createKeyRecord } from '../../src/record/index.js'

const { count, batch } = workerData as { count: number, batch: number }
const crypto = selectPqCrypto('auto')
const mlDsaSigner = crypto.mlDsa65.createSigner(randomBytes(32))
const mlKemPublicKey = crypto.mlKem768.createDecapsulator(randomBytes(64)).publicKey
let pending: Uint8Array[] = []
for (let i = 0; i < count; i++) {
  const record = await createKeyRecord({ privateKey: await generateKeyPair('Ed25519'), mlDsaSigner, mlKemPublicKey, seq: 1 })
  pending.push(record.bytes)
  if (pending.length === batch || i === count - 1) {
    parentPort!.postMessage(pending)
    pending = []
  }
}
