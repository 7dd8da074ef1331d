import { randomBytes } from 'node:crypto'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { selectPqCrypto } from '../../src/crypto/index.js'
import { createKeyRecord, createRotationProof } from '../../src/record/index.js'
import type { MlDsaSigner, MlKemDecapsulator, PqCrypto } from '../../src/crypto/types.js'
import type { KeyRecord, RotationProof } from '../../src/record/index.js'
import type { PeerId, PrivateKey } from '@libp2p/interface'

/**
 * Test identities and key records: a fresh Ed25519 libp2p key with fresh
 * ML-DSA-65 / ML-KEM-768 keys, and records signed by them.
 */

export interface TestIdentity {
  privateKey: PrivateKey
  peerId: PeerId
  mlDsaSeed: Uint8Array
  mlDsaSigner: MlDsaSigner
  mlKemSeed: Uint8Array
  mlKem: MlKemDecapsulator
  crypto: PqCrypto
}

export async function makeIdentity (crypto: PqCrypto = selectPqCrypto()): Promise<TestIdentity> {
  const privateKey = await generateKeyPair('Ed25519')
  const mlDsaSeed = randomBytes(32)
  const mlKemSeed = randomBytes(64)
  return {
    privateKey,
    peerId: peerIdFromPrivateKey(privateKey),
    mlDsaSeed,
    mlDsaSigner: crypto.mlDsa65.createSigner(mlDsaSeed),
    mlKemSeed,
    mlKem: crypto.mlKem768.createDecapsulator(mlKemSeed),
    crypto
  }
}

export interface MakeRecordOptions {
  /** Default 1. */
  seq?: number
  /** Unix milliseconds; default now. */
  issuedAt?: number
  /** Default 24 hours. */
  lifetimeMs?: number
  rotation?: RotationProof
}

export async function makeRecord (identity: TestIdentity, options: MakeRecordOptions = {}): Promise<KeyRecord> {
  return createKeyRecord({
    privateKey: identity.privateKey,
    mlDsaSigner: identity.mlDsaSigner,
    mlKemPublicKey: identity.mlKem.publicKey,
    seq: options.seq ?? 1,
    issuedAt: options.issuedAt,
    lifetimeMs: options.lifetimeMs,
    rotation: options.rotation
  })
}

/**
 * The same peer (same libp2p key) with new ML-DSA-65 and ML-KEM-768 keys,
 * and the previous ML-DSA key's proof handing the peer over to the new one.
 */
export function rotateIdentity (identity: TestIdentity): { identity: TestIdentity, rotation: RotationProof } {
  const mlDsaSeed = randomBytes(32)
  const mlKemSeed = randomBytes(64)
  const next: TestIdentity = {
    ...identity,
    mlDsaSeed,
    mlDsaSigner: identity.crypto.mlDsa65.createSigner(mlDsaSeed),
    mlKemSeed,
    mlKem: identity.crypto.mlKem768.createDecapsulator(mlKemSeed)
  }
  return { identity: next, rotation: createRotationProof(identity.peerId, identity.mlDsaSigner, next.mlDsaSigner.publicKey) }
}

/** Another identity's ML-DSA-65 / ML-KEM-768 keys under this identity's libp2p key: a key change without proof. */
export function withForeignPqKeys (identity: TestIdentity, other: TestIdentity): TestIdentity {
  return { ...identity, mlDsaSeed: other.mlDsaSeed, mlDsaSigner: other.mlDsaSigner, mlKemSeed: other.mlKemSeed, mlKem: other.mlKem }
}
