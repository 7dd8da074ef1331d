import { randomBytes } from 'node:crypto'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { selectPqCrypto } from '../../src/crypto/index.js'
import { createKeyRecord, createRotationProof, marshalKeyRecord, MAX_HISTORY_LINKS, recordContext, recordSignedBytes } from '../../src/record/index.js'
import type { MlDsaSigner, MlKemDecapsulator, PqCrypto } from '../../src/crypto/types.js'
import type { KeyRecord, KeyRecordContent, RotationLink, RotationProof } from '../../src/record/index.js'
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
  history?: RotationLink[]
  previousRecordHash?: Uint8Array
  /** Given: a version-2 record. */
  x25519PublicKey?: Uint8Array
}

export async function makeRecord (identity: TestIdentity, options: MakeRecordOptions = {}): Promise<KeyRecord> {
  return createKeyRecord({
    privateKey: identity.privateKey,
    mlDsaSigner: identity.mlDsaSigner,
    mlKemPublicKey: identity.mlKem.publicKey,
    seq: options.seq ?? 1,
    issuedAt: options.issuedAt,
    lifetimeMs: options.lifetimeMs,
    rotation: options.rotation,
    history: options.history,
    previousRecordHash: options.previousRecordHash,
    x25519PublicKey: options.x25519PublicKey
  })
}

/**
 * A record's bytes signed by both keys but never decoded: for records that
 * break a rule the decoder enforces (a broken history), which
 * createKeyRecord would refuse to make.
 */
export async function signRecordBytes (identity: TestIdentity, content: Omit<KeyRecordContent, 'peerId' | 'mlDsaPublicKey' | 'mlKemPublicKey'>): Promise<Uint8Array> {
  const full: KeyRecordContent = { ...content, peerId: identity.peerId, mlDsaPublicKey: identity.mlDsaSigner.publicKey, mlKemPublicKey: identity.mlKem.publicKey }
  const signed = recordSignedBytes(full)
  return marshalKeyRecord(full, await identity.privateKey.sign(signed), identity.mlDsaSigner.sign(signed, recordContext(full)))
}

/** A peer that rotated `rotations` times: its keys K0 … Kn, and each hand-over as a link (links[i] hands K_i over to K_{i+1}). */
export interface RotatedPeer {
  keys: TestIdentity[]
  links: RotationLink[]
  /** What a record of K_i carries: the proof into K_i and the links before it, newest first, up to `bound`. */
  historyOf: (i: number, bound?: number) => { rotation?: RotationProof, history?: RotationLink[] }
}

export async function makeRotatedPeer (rotations: number, crypto: PqCrypto = selectPqCrypto()): Promise<RotatedPeer> {
  const keys = [await makeIdentity(crypto)]
  const links: RotationLink[] = []
  for (let i = 0; i < rotations; i++) {
    const { identity, rotation } = rotateIdentity(keys[i])
    keys.push(identity)
    links.push({ ...rotation, mlDsaPublicKey: identity.mlDsaSigner.publicKey })
  }
  return {
    keys,
    links,
    historyOf (i, bound = MAX_HISTORY_LINKS) {
      if (i === 0) return {}
      const { previousFingerprint, signature } = links[i - 1]
      const history = links.slice(Math.max(0, i - 1 - bound), i - 1).reverse()
      return { rotation: { previousFingerprint, signature }, history: history.length > 0 ? history : undefined }
    }
  }
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
