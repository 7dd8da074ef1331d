import { randomBytes } from 'node:crypto'
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
