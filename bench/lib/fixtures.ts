import { randomBytes } from 'node:crypto'
import { availableParallelism } from 'node:os'
import { Worker } from 'node:worker_threads'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { selectPqCrypto } from '../../src/crypto/index.js'
import { createKeyRecord } from '../../src/record/index.js'
import type { PqCrypto } from '../../src/crypto/index.js'
import type { KeyRecord } from '../../src/record/index.js'

/** `count` signed key records of distinct fresh peers (Ed25519 libp2p key, ML-DSA-65 and ML-KEM-768 keys). */
export async function makeRecords (count: number, opts: { crypto?: PqCrypto, lifetimeMs?: number, onRecord?: () => void } = {}): Promise<KeyRecord[]> {
  const crypto = opts.crypto ?? selectPqCrypto('auto')
  const records: KeyRecord[] = []
  for (let i = 0; i < count; i++) {
    const privateKey = await generateKeyPair('Ed25519')
    records.push(await createKeyRecord({
      privateKey,
      mlDsaSigner: crypto.mlDsa65.createSigner(randomBytes(32)),
      mlKemPublicKey: crypto.mlKem768.createDecapsulator(randomBytes(64)).publicKey,
      seq: 1,
      lifetimeMs: opts.lifetimeMs
    }))
    opts.onRecord?.()
  }
  return records
}

/** `count` records as makeRecords makes them (one ML-DSA-65 key per worker), signed on every core; `onRecords` sees progress. */
export async function makeRecordsInWorkers (count: number, opts: { onRecords?: (n: number) => void } = {}): Promise<Uint8Array[]> {
  const workers = Math.max(1, Math.min(availableParallelism(), Math.ceil(count / 1000)))
  const out: Uint8Array[] = []
  await Promise.all(Array.from({ length: workers }, async (_, i) => {
    const share = Math.floor(count / workers) + (i < count % workers ? 1 : 0)
    const worker = new Worker(new URL('./record-worker.js', import.meta.url), { workerData: { count: share, batch: 500 } })
    worker.on('message', (bytes: Uint8Array[]) => {
      out.push(...bytes)
      opts.onRecords?.(bytes.length)
    })
    await new Promise<void>((resolve, reject) => {
      worker.once('error', reject)
      worker.once('exit', code => { code === 0 ? resolve() : reject(new Error(`record worker exited with ${code}`)) })
    })
  }))
  return out
}
