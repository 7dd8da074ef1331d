import { generateKeyPairFromSeed, publicKeyFromRaw } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey, peerIdFromPublicKey } from '@libp2p/peer-id'
import { fingerprint } from '../../src/crypto/index.js'
import {
  createKeyRecord, createRotationProof, marshalKeyRecord, RECORD_CONTEXT, recordHash, recordSignedBytes, routingKeyFor, unmarshalKeyRecord
} from '../../src/record/index.js'
import type { MlDsaSigner, PqCrypto } from '../../src/crypto/index.js'
import type { KeyRecord, KeyRecordContent, RotationLink, RotationProof } from '../../src/record/index.js'
import type { PeerId, PrivateKey } from '@libp2p/interface'

/**
 * The inputs of the golden key-record vectors: fixed seeds and times, so
 * anyone can rebuild the keys and the signed bytes. ML-DSA-65 signing is
 * hedged (randomised), so the signatures themselves are recorded once in
 * test/vectors/key-record.json rather than rebuilt: makeGoldenRecords takes
 * the records already there by name and makes only the missing ones.
 */
export const GOLDEN = {
  ed25519Seed: new Uint8Array(32).fill(1),
  mlDsaSeed: new Uint8Array(32).fill(2),
  mlKemSeed: new Uint8Array(64).fill(3),
  nextMlDsaSeed: new Uint8Array(32).fill(4),
  nextMlKemSeed: new Uint8Array(64).fill(5),
  /** K2, K3, K4: the keys after `next` (K1), each ML-DSA-65 seed filled with 6, 8, 10 and its ML-KEM-768 seed with 7, 9, 11. */
  laterMlDsaSeeds: [6, 8, 10].map(n => new Uint8Array(32).fill(n)),
  laterMlKemSeeds: [7, 9, 11].map(n => new Uint8Array(64).fill(n)),
  /** K2': a key someone holding K1 hands the peer over to instead of K2 (a fork). */
  forkMlDsaSeed: new Uint8Array(32).fill(12),
  issuedAt: 1_800_000_000_000,
  lifetimeMs: 24 * 60 * 60 * 1000,
  /** A time at which the vectors are valid. */
  validAt: 1_800_000_060_000
}

interface GoldenKey {
  signer: MlDsaSigner
  kem: Uint8Array
}

export interface GoldenRecords {
  /** K0, seq 1. */
  plain: KeyRecord
  /** K1, seq 2: the proof K0 -> K1. */
  rotated: KeyRecord
  /** K2, K3, K4 (seq 3, 4, 5): each with its proof, the hand-overs before it (at most two) and the previous record's hash. */
  history: KeyRecord[]
  /** The keys K0 … K4 and the fork's K2'. */
  keys: { chain: Uint8Array[], fork: Uint8Array }
  /** Records that break a history rule at decoding, signed by both keys: name -> bytes. */
  malformed: Record<string, Uint8Array>
  /** Records that decode and validate, but that a holder following from a pin refuses: name -> record. */
  refused: Record<string, KeyRecord>
  /**
   * A record for the PeerId whose Ed25519 key is the identity point, with
   * R = identity and S = 0 as its libp2p signature and a valid ML-DSA-65
   * signature: a ZIP-215 verifier accepts it, the strict rule refuses it.
   */
  identityKey: { bytes: Uint8Array, routingKey: Uint8Array }
}

/** `kept`: records already in key-record.json, by vector name; those are reused, byte for byte. */
export async function makeGoldenRecords (crypto: PqCrypto, kept: Map<string, Uint8Array> = new Map()): Promise<GoldenRecords> {
  const privateKey = await generateKeyPairFromSeed('Ed25519', GOLDEN.ed25519Seed)
  const key = (mlDsaSeed: Uint8Array, mlKemSeed: Uint8Array): GoldenKey =>
    ({ signer: crypto.mlDsa65.createSigner(mlDsaSeed), kem: crypto.mlKem768.createDecapsulator(mlKemSeed).publicKey })
  const keys: GoldenKey[] = [
    key(GOLDEN.mlDsaSeed, GOLDEN.mlKemSeed),
    key(GOLDEN.nextMlDsaSeed, GOLDEN.nextMlKemSeed),
    ...GOLDEN.laterMlDsaSeeds.map((seed, i) => key(seed, GOLDEN.laterMlKemSeeds[i]))
  ]
  const forkKey = key(GOLDEN.forkMlDsaSeed, GOLDEN.laterMlKemSeeds[0])
  const record = async (name: string, make: () => Promise<KeyRecord>): Promise<KeyRecord> => {
    const bytes = kept.get(name)
    return bytes === undefined ? make() : unmarshalKeyRecord(bytes)
  }
  const sign = (k: GoldenKey, seq: number, extra: Partial<KeyRecordContent>): Promise<KeyRecord> => createKeyRecord({
    privateKey, mlDsaSigner: k.signer, mlKemPublicKey: k.kem, seq, issuedAt: GOLDEN.issuedAt + (seq - 1) * 1000, lifetimeMs: GOLDEN.lifetimeMs, ...extra
  })
  const link = (r: KeyRecord): RotationLink => ({ ...r.rotation!, mlDsaPublicKey: r.mlDsaPublicKey })
  const peerId = peerIdFromPrivateKey(privateKey)

  const plain = await record('plain', async () => sign(keys[0], 1, {}))
  const rotated = await record('rotated', async () => sign(keys[1], 2, { rotation: createRotationProof(peerId, keys[0].signer, keys[1].signer.publicKey) }))
  // Each record of K2, K3, K4 carries the proof into its key, the links before it and the previous record's hash.
  const chain = [plain, rotated]
  for (let i = 2; i <= 4; i++) {
    const previous = chain[i - 1]
    chain.push(await record(`history-${i}`, async () => sign(keys[i], i + 1, {
      rotation: createRotationProof(peerId, keys[i - 1].signer, keys[i].signer.publicKey),
      history: chain.slice(Math.max(1, i - 2), i).reverse().map(link),
      previousRecordHash: recordHash(previous.bytes)
    })))
  }
  const [, k1, k2, k3] = chain
  const forgedLink = (l: RotationLink): RotationLink => {
    const signature = l.signature.slice()
    signature[0] ^= 0x01
    return { ...l, signature }
  }
  const times = { issuedAt: GOLDEN.issuedAt + 9000, expiresAt: GOLDEN.issuedAt + 9000 + GOLDEN.lifetimeMs }
  const malformedBytes = async (content: Partial<KeyRecordContent>): Promise<Uint8Array> =>
    signUnchecked(privateKey, keys[3], { peerId, mlDsaPublicKey: keys[3].signer.publicKey, mlKemPublicKey: keys[3].kem, seq: 10, ...times, ...content })
  const rotationOf = (r: KeyRecord): RotationProof => r.rotation!
  const keptOr = async (name: string, make: () => Promise<Uint8Array>): Promise<Uint8Array> => kept.get(name) ?? make()
  const fork = await record('fork: K1 handed over to K2\'', async () => sign(forkKey, 7, {
    rotation: createRotationProof(peerId, keys[1].signer, forkKey.signer.publicKey),
    history: [link(k1)]
  }))

  return {
    plain,
    rotated,
    history: chain.slice(2),
    keys: { chain: keys.map(k => k.signer.publicKey), fork: forkKey.signer.publicKey },
    malformed: {
      'history links out of order': await keptOr('history links out of order', async () => malformedBytes({ rotation: rotationOf(k3), history: [link(k1), link(k2)] })),
      'history link missing': await keptOr('history link missing', async () => malformedBytes({ rotation: rotationOf(k3), history: [link(k1)] })),
      'history without a rotation proof': await keptOr('history without a rotation proof', async () => malformedBytes({ history: [link(k2), link(k1)] })),
      'previous record hash of 31 bytes': await keptOr('previous record hash of 31 bytes', async () => malformedBytes({ previousRecordHash: recordHash(k2.bytes).subarray(1) })),
      'ML-KEM-768 key all 0xff': await keptOr('ML-KEM-768 key all 0xff', async () => malformedBytes({ mlKemPublicKey: new Uint8Array(keys[3].kem.length).fill(0xff) }))
    },
    identityKey: { bytes: await keptOr(IDENTITY_KEY_VECTOR, async () => identityKeyRecord(keys[3], times)), routingKey: routingKeyFor(identityKeyPeerId()) },
    refused: {
      'K3 with a forged K1 -> K2 link': await record('K3 with a forged K1 -> K2 link', async () => sign(keys[3], 8, { rotation: rotationOf(k3), history: [forgedLink(link(k2)), link(k1)] })),
      'K3 with a forged K0 -> K1 link': await record('K3 with a forged K0 -> K1 link', async () => sign(keys[3], 8, { rotation: rotationOf(k3), history: [link(k2), forgedLink(link(k1))] })),
      'fork: K1 handed over to K2\'': fork,
      'K3 again, replacing K2\'s record a second time': await record('K3 again, replacing K2\'s record a second time', async () => sign(keys[3], 9, {
        rotation: rotationOf(k3), history: k3.history, previousRecordHash: k3.previousRecordHash
      }))
    }
  }
}

export const IDENTITY_KEY_VECTOR = 'Ed25519 key the identity point, R = identity, S = 0'

/** The PeerId of the Ed25519 identity point (y = 1), which a ZIP-215 verifier lets sign anything. */
function identityKeyPeerId (): PeerId {
  const identity = new Uint8Array(32)
  identity[0] = 1
  return peerIdFromPublicKey(publicKeyFromRaw(identity))
}

async function identityKeyRecord (key: GoldenKey, times: { issuedAt: number, expiresAt: number }): Promise<Uint8Array> {
  const content: KeyRecordContent = { peerId: identityKeyPeerId(), mlDsaPublicKey: key.signer.publicKey, mlKemPublicKey: key.kem, seq: 1, ...times }
  const libp2pSignature = new Uint8Array(64)
  libp2pSignature[0] = 1
  return marshalKeyRecord(content, libp2pSignature, key.signer.sign(recordSignedBytes(content), RECORD_CONTEXT))
}

/** Signed by both keys and encoded, but never decoded: for records that break a rule decoding enforces. */
async function signUnchecked (privateKey: PrivateKey, key: GoldenKey, content: KeyRecordContent): Promise<Uint8Array> {
  const signed = recordSignedBytes(content)
  return marshalKeyRecord(content, await privateKey.sign(signed), key.signer.sign(signed, RECORD_CONTEXT))
}

/** A vector for `record`: every field and the signed bytes, or with `brief` only its times and bytes (the file stays smaller). */
export function describeRecord (record: KeyRecord, brief = false): Record<string, unknown> {
  const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex')
  if (brief) {
    return {
      peerId: record.peerId.toString(),
      routingKeyHex: hex(routingKeyFor(record.peerId)),
      fields: { seq: record.seq, issuedAt: record.issuedAt, expiresAt: record.expiresAt },
      recordHex: hex(record.bytes)
    }
  }
  return {
    peerId: record.peerId.toString(),
    routingKeyHex: hex(routingKeyFor(record.peerId)),
    fields: {
      peerIdHex: hex(record.peerId.toMultihash().bytes),
      mlDsaPublicKeyHex: hex(record.mlDsaPublicKey),
      mlKemPublicKeyHex: hex(record.mlKemPublicKey),
      ...(record.x25519PublicKey == null ? {} : { version: 2, x25519PublicKeyHex: hex(record.x25519PublicKey) }),
      seq: record.seq,
      issuedAt: record.issuedAt,
      expiresAt: record.expiresAt,
      rotation: record.rotation == null
        ? null
        : { previousFingerprintHex: hex(record.rotation.previousFingerprint), signatureHex: hex(record.rotation.signature) },
      libp2pSignatureHex: hex(record.libp2pSignature),
      mlDsaSignatureHex: hex(record.mlDsaSignature),
      ...(record.previousRecordHash == null ? {} : { previousRecordHashHex: hex(record.previousRecordHash) }),
      ...(record.history == null
        ? {}
        : {
            history: record.history.map(l => ({
              previousFingerprintHex: hex(l.previousFingerprint), signatureHex: hex(l.signature), mlDsaPublicKeyHex: hex(l.mlDsaPublicKey)
            }))
          })
    },
    signedBytesHex: hex(recordSignedBytes(record)),
    recordHex: hex(record.bytes)
  }
}

/** Fingerprint as hex, for the pins of the history vectors. */
export function fingerprintHex (key: Uint8Array): string {
  return Buffer.from(fingerprint(key)).toString('hex')
}
