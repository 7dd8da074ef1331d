import { generateKeyPairFromSeed } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { KeyRecord as KeyRecordMessage } from '../../protobuf/key-record.js'
import { expandXWingSeed } from '../../src/crypto/index.js'
import {
  createKeyRecord, marshalKeyRecord, RECORD_V2_DOMAIN, recordContext, recordHash, recordSignedBytes, routingKeyFor, unmarshalKeyRecord
} from '../../src/record/index.js'
import { describeRecord, GOLDEN, type GoldenRecords } from './golden.js'
import type { PqCrypto } from '../../src/crypto/index.js'
import type { KeyRecord, KeyRecordContent } from '../../src/record/index.js'

/**
 * The version-2 golden vectors (docs/record-format.md, "Version 2"): the
 * same Ed25519 key as the version-1 vectors, ML-KEM-768 and X25519 keys
 * from fixed X-Wing seeds, and one invalid record per version-2 rule. As
 * with the others, signed records already in key-record.json are kept byte
 * for byte; records made by editing a kept one are rebuilt the same.
 */
export const GOLDEN_V2 = {
  /** X-Wing seeds: the plain record's and the rotated one's. */
  kemSeed: new Uint8Array(32).fill(13),
  rotatedKemSeed: new Uint8Array(32).fill(14),
  /** 2^255 - 19: not a canonical u. */
  notCanonicalX25519: Uint8Array.from(Buffer.from('edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f', 'hex')),
  /** u = 1, a point of small order. */
  smallOrderX25519: Uint8Array.from(Buffer.from('0100000000000000000000000000000000000000000000000000000000000000', 'hex'))
}

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex')

/** A record's protobuf with fields changed and encoded again: the signatures stay as they were. */
function edited (bytes: Uint8Array, change: (message: KeyRecordMessage) => void): Uint8Array {
  const message = KeyRecordMessage.decode(bytes)
  change(message)
  return KeyRecordMessage.encode(message)
}

/** The `version2` section of key-record.json. `kept`: records already in the file, by vector name. */
export async function makeVersion2Vectors (crypto: PqCrypto, v1: GoldenRecords, kept: Map<string, Uint8Array>): Promise<Record<string, unknown>> {
  const privateKey = await generateKeyPairFromSeed('Ed25519', GOLDEN.ed25519Seed)
  const peerId = peerIdFromPrivateKey(privateKey)
  const k0 = crypto.mlDsa65.createSigner(GOLDEN.mlDsaSeed)
  const k3 = crypto.mlDsa65.createSigner(GOLDEN.laterMlDsaSeeds[1])
  const xwing = expandXWingSeed(GOLDEN_V2.kemSeed)
  const rotatedXwing = expandXWingSeed(GOLDEN_V2.rotatedKemSeed)
  const kemOf = (x: typeof xwing): Uint8Array => crypto.mlKem768.createDecapsulator(x.mlKemSeed).publicKey
  const record = async (name: string, make: () => Promise<KeyRecord>): Promise<KeyRecord> => {
    const bytes = kept.get(name)
    return bytes === undefined ? make() : unmarshalKeyRecord(bytes)
  }
  // history-3, the v1 record of K3.
  const rotated3 = v1.history[1]

  const plain = await record('v2 plain', async () => createKeyRecord({
    privateKey, mlDsaSigner: k0, mlKemPublicKey: kemOf(xwing), x25519PublicKey: xwing.x25519PublicKey, seq: 1, issuedAt: GOLDEN.issuedAt, lifetimeMs: GOLDEN.lifetimeMs
  }))
  // K3 with its proof, both links before it and the hash of K3's v1 record: the largest record shape keydir makes.
  const full = await record('v2 rotated, full history', async () => createKeyRecord({
    privateKey,
    mlDsaSigner: k3,
    mlKemPublicKey: kemOf(rotatedXwing),
    x25519PublicKey: rotatedXwing.x25519PublicKey,
    seq: 6,
    issuedAt: GOLDEN.issuedAt + 5000,
    lifetimeMs: GOLDEN.lifetimeMs,
    rotation: rotated3.rotation,
    history: rotated3.history,
    previousRecordHash: recordHash(rotated3.bytes)
  }))
  // Signed by both keys, so that the X25519 rule is the only one broken.
  const signedWith = async (name: string, x25519PublicKey: Uint8Array): Promise<Uint8Array> => kept.get(name) ?? (async () => {
    const content: KeyRecordContent = {
      peerId, mlDsaPublicKey: k0.publicKey, mlKemPublicKey: kemOf(xwing), x25519PublicKey, seq: 2, issuedAt: GOLDEN.issuedAt + 1000, expiresAt: GOLDEN.issuedAt + 1000 + GOLDEN.lifetimeMs
    }
    const signed = recordSignedBytes(content)
    return marshalKeyRecord(content, await privateKey.sign(signed), k0.sign(signed, recordContext(content)))
  })()
  const invalid = (name: string, rule: string, bytes: Uint8Array, error: string): Record<string, unknown> => ({ name, rule, recordHex: hex(bytes), routingKeyHex: hex(routingKeyFor(peerId)), error })

  return {
    description: 'version-2 records: the X25519 key (field 13) with version = 2 (field 12), signed under their own domain',
    inputs: {
      kemSeedHex: hex(GOLDEN_V2.kemSeed),
      rotatedKemSeedHex: hex(GOLDEN_V2.rotatedKemSeed),
      x25519PublicKeyHex: hex(xwing.x25519PublicKey),
      rotatedX25519PublicKeyHex: hex(rotatedXwing.x25519PublicKey),
      note: 'SHAKE256(kemSeed, 96 bytes): bytes 0-63 are the ML-KEM-768 seed d || z, bytes 64-95 the X25519 secret; the X-Wing public key is ml_kem_public_key || x25519_public_key'
    },
    contexts: { record: RECORD_V2_DOMAIN },
    valid: [
      { name: 'v2 plain', ...describeRecord(plain) },
      { name: 'v2 rotated, full history', ...describeRecord(full), sizeBytes: full.bytes.length }
    ],
    invalid: [
      invalid('v2: unknown version 3', 'field 12 is absent (version 1) or 2', edited(plain.bytes, m => { m.version = 3 }), 'ERR_UNKNOWN_RECORD_VERSION'),
      invalid('v1: version 1 written out', 'version 1 is encoded by leaving field 12 out', edited(v1.plain.bytes, m => { m.version = 1 }), 'ERR_RECORD_NOT_CANONICAL'),
      invalid('v1 with version 2 but no X25519 key', 'version 2 and field 13 come together', edited(v1.plain.bytes, m => { m.version = 2 }), 'ERR_RECORD_VERSION_MISMATCH'),
      invalid('v2 X25519 key without version 2', 'version 2 and field 13 come together', edited(plain.bytes, m => { m.version = 0 }), 'ERR_RECORD_VERSION_MISMATCH'),
      invalid('v2 X25519 key of 31 bytes', 'the X25519 key is 32 bytes', edited(plain.bytes, m => { m.x25519PublicKey = m.x25519PublicKey.subarray(1) }), 'ERR_BAD_KEY_LENGTH'),
      invalid('v2 X25519 key not canonical (u = 2^255 - 19)', 'the X25519 key is a canonical u: top bit clear, below 2^255 - 19',
        await signedWith('v2 X25519 key not canonical (u = 2^255 - 19)', GOLDEN_V2.notCanonicalX25519), 'ERR_X25519_NOT_CANONICAL'),
      invalid('v2 X25519 key of small order (u = 1)', 'the X25519 key is not a point of small order',
        await signedWith('v2 X25519 key of small order (u = 1)', GOLDEN_V2.smallOrderX25519), 'ERR_X25519_SMALL_ORDER'),
      invalid('v2 stripped to v1 (fields 12 and 13 removed)', 'a version-2 record signs under keydir/key-record/v2: without the key its signatures fail',
        edited(plain.bytes, m => { m.version = 0; m.x25519PublicKey = new Uint8Array(0) }), 'ERR_BAD_LIBP2P_SIGNATURE')
    ]
  }
}
