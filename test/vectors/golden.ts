import { generateKeyPairFromSeed } from '@libp2p/crypto/keys'
import { createKeyRecord, createRotationProof, recordSignedBytes, routingKeyFor } from '../../src/record/index.js'
import type { PqCrypto } from '../../src/crypto/index.js'
import type { KeyRecord } from '../../src/record/index.js'

/**
 * The inputs of the golden key-record vectors: fixed seeds and times, so
 * anyone can rebuild the keys and the signed bytes. ML-DSA-65 signing is
 * hedged (randomised), so the signatures themselves are recorded once in
 * test/vectors/key-record.json rather than rebuilt.
 */
export const GOLDEN = {
  ed25519Seed: new Uint8Array(32).fill(1),
  mlDsaSeed: new Uint8Array(32).fill(2),
  mlKemSeed: new Uint8Array(64).fill(3),
  nextMlDsaSeed: new Uint8Array(32).fill(4),
  nextMlKemSeed: new Uint8Array(64).fill(5),
  issuedAt: 1_800_000_000_000,
  lifetimeMs: 24 * 60 * 60 * 1000,
  /** A time at which the vectors are valid. */
  validAt: 1_800_000_060_000
}

export interface GoldenRecords {
  plain: KeyRecord
  rotated: KeyRecord
}

export async function makeGoldenRecords (crypto: PqCrypto): Promise<GoldenRecords> {
  const privateKey = await generateKeyPairFromSeed('Ed25519', GOLDEN.ed25519Seed)
  const signer = crypto.mlDsa65.createSigner(GOLDEN.mlDsaSeed)
  const kem = crypto.mlKem768.createDecapsulator(GOLDEN.mlKemSeed)
  const plain = await createKeyRecord({ privateKey, mlDsaSigner: signer, mlKemPublicKey: kem.publicKey, seq: 1, issuedAt: GOLDEN.issuedAt, lifetimeMs: GOLDEN.lifetimeMs })

  const nextSigner = crypto.mlDsa65.createSigner(GOLDEN.nextMlDsaSeed)
  const nextKem = crypto.mlKem768.createDecapsulator(GOLDEN.nextMlKemSeed)
  const rotation = createRotationProof(plain.peerId, signer, nextSigner.publicKey)
  const rotated = await createKeyRecord({ privateKey, mlDsaSigner: nextSigner, mlKemPublicKey: nextKem.publicKey, seq: 2, issuedAt: GOLDEN.issuedAt + 1000, lifetimeMs: GOLDEN.lifetimeMs, rotation })
  return { plain, rotated }
}

export function describeRecord (record: KeyRecord): Record<string, unknown> {
  const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex')
  return {
    peerId: record.peerId.toString(),
    routingKeyHex: hex(routingKeyFor(record.peerId)),
    fields: {
      peerIdHex: hex(record.peerId.toMultihash().bytes),
      mlDsaPublicKeyHex: hex(record.mlDsaPublicKey),
      mlKemPublicKeyHex: hex(record.mlKemPublicKey),
      seq: record.seq,
      issuedAt: record.issuedAt,
      expiresAt: record.expiresAt,
      rotation: record.rotation == null
        ? null
        : { previousFingerprintHex: hex(record.rotation.previousFingerprint), signatureHex: hex(record.rotation.signature) },
      libp2pSignatureHex: hex(record.libp2pSignature),
      mlDsaSignatureHex: hex(record.mlDsaSignature)
    },
    signedBytesHex: hex(recordSignedBytes(record)),
    recordHex: hex(record.bytes)
  }
}
