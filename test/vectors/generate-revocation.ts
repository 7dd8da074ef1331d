/**
 * Writes test/vectors/revocation.json: golden revocation certificates,
 * valid and invalid, how a node that pinned the peer takes them, and which
 * /pqk/ value wins. generate.ts (`npm run vectors`) calls
 * writeRevocationVectors; `node dist/test/vectors/generate-revocation.js`
 * rewrites this file alone. Every byte is reproducible from the seeds:
 * ML-DSA-65 signs deterministically here (deterministic.ts), and the golden
 * key record is the one key-record.json holds. test/record/
 * revocation-golden.test.ts checks our code against it.
 */
import { writeFile } from 'node:fs/promises'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { generateKeyPairFromSeed } from '@libp2p/crypto/keys'
import { fingerprint, selectPqCrypto } from '../../src/crypto/index.js'
import {
  createRevocation, createRotationProof, MAX_REVOCATION_BYTES, REVOCATION_DOMAIN, REVOCATION_REASONS, REVOCATION_TAG, revocationSignedBytes, routingKeyFor
} from '../../src/record/index.js'
import { concat, encodeField, encodeFields, encodeVarint, parseFields } from '../helpers/protobuf-wire.js'
import { signRevocationWith } from '../helpers/revocations.js'
import { committedGoldenRecords, deterministicCrypto } from './deterministic.js'
import { GOLDEN, makeGoldenRecords } from './golden.js'
import type { PqCrypto } from '../../src/crypto/index.js'
import type { RevocationCertificate } from '../../src/record/index.js'

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex')

/** The seeds beyond golden.ts's: another peer, and an ML-DSA-65 key that was never the golden peer's. */
export const GOLDEN_REVOCATION = {
  otherEd25519Seed: new Uint8Array(32).fill(6),
  strangerMlDsaSeed: new Uint8Array(32).fill(7),
  /** One hour past validAt: beyond the 5-minute clock skew. */
  futureIssuedAt: GOLDEN.validAt + 60 * 60 * 1000
}

function describeCertificate (cert: RevocationCertificate): Record<string, unknown> {
  return {
    peerId: cert.peerId.toString(),
    routingKeyHex: hex(routingKeyFor(cert.peerId)),
    fields: {
      peerIdHex: hex(cert.peerId.toMultihash().bytes),
      mlDsaPublicKeyHex: hex(cert.mlDsaPublicKey),
      issuedAt: cert.issuedAt,
      reason: cert.reason,
      rotation: cert.rotation == null
        ? null
        : { previousFingerprintHex: hex(cert.rotation.previousFingerprint), signatureHex: hex(cert.rotation.signature) },
      libp2pSignatureHex: hex(cert.libp2pSignature),
      mlDsaSignatureHex: hex(cert.mlDsaSignature)
    },
    signedBytesHex: hex(revocationSignedBytes(cert)),
    certificateHex: hex(cert.bytes)
  }
}

/** `bytes` (a message) with length-delimited field `number`'s value changed. */
function withField (bytes: Uint8Array, number: number, change: (value: Uint8Array) => Uint8Array): Uint8Array {
  return encodeFields(parseFields(bytes)!.map(f => f.field === number ? { ...f, value: change(f.value) } : f))
}

/** The certificate's fields with the varint field `number` set to `value` (added in order if absent), minimal encoding. */
function withVarint (bytes: Uint8Array, number: number, value: bigint, minBytes = 0): Uint8Array {
  const fields = parseFields(bytes)!.filter(f => f.field !== number)
  fields.push({ field: number, wireType: 0, value: encodeVarint(value, minBytes) })
  return encodeFields(fields.sort((a, b) => a.field - b.field))
}

export async function makeRevocationVectors (hedged: PqCrypto): Promise<Record<string, unknown>> {
  const crypto = deterministicCrypto(hedged)
  const privateKey = await generateKeyPairFromSeed('Ed25519', GOLDEN.ed25519Seed)
  const otherKey = await generateKeyPairFromSeed('Ed25519', GOLDEN_REVOCATION.otherEd25519Seed)
  const signer = crypto.mlDsa65.createSigner(GOLDEN.mlDsaSeed)
  const nextSigner = crypto.mlDsa65.createSigner(GOLDEN.nextMlDsaSeed)
  const stranger = crypto.mlDsa65.createSigner(GOLDEN_REVOCATION.strangerMlDsaSeed)

  const preSigned = await createRevocation({ privateKey, mlDsaSigner: signer, issuedAt: GOLDEN.issuedAt })
  const rotation = createRotationProof(preSigned.peerId, signer, nextSigner.publicKey)
  const afterRotation = await createRevocation({ privateKey, mlDsaSigner: nextSigner, rotation, reason: 'key-compromise', issuedAt: GOLDEN.issuedAt + 1000 })
  const otherPeer = await createRevocation({ privateKey: otherKey, mlDsaSigner: stranger, issuedAt: GOLDEN.issuedAt })
  const byThief = await createRevocation({ privateKey, mlDsaSigner: stranger, reason: 'retired', issuedAt: GOLDEN.issuedAt + 2000 })
  const content = { peerId: preSigned.peerId, mlDsaPublicKey: signer.publicKey, issuedAt: GOLDEN.issuedAt, reason: 'unspecified' as const }
  const flipped = preSigned.bytes.slice()
  flipped[flipped.length - 1] ^= 0x01
  const swapped = encodeFields(parseFields(preSigned.bytes)!.map(f => f.field === 17 ? { ...f, value: nextSigner.publicKey } : f))
  const { plain } = await makeGoldenRecords(crypto, await committedGoldenRecords())

  const invalid: Array<[string, string, Uint8Array, string]> = [
    ['signed by another peer\'s libp2p key', 'the Ed25519 signature verifies with the PeerId\'s key', await signRevocationWith(content, otherKey, signer), 'ERR_REVOCATION_BAD_LIBP2P_SIGNATURE'],
    ['ML-DSA-65 signature by a key other than the one it names', 'the ML-DSA-65 signature verifies with field 17', await signRevocationWith(content, privateKey, stranger), 'ERR_REVOCATION_BAD_ML_DSA_SIGNATURE'],
    ['the named ML-DSA-65 key swapped after signing', 'the Ed25519 signature covers field 17 (checked before the ML-DSA-65 signature)', swapped, 'ERR_REVOCATION_BAD_LIBP2P_SIGNATURE'],
    ['last byte of the ML-DSA-65 signature flipped', 'the ML-DSA-65 signature verifies with field 17', flipped, 'ERR_REVOCATION_BAD_ML_DSA_SIGNATURE'],
    ['a valid certificate of another PeerId', 'field 16 is the DHT key\'s multihash', otherPeer.bytes, 'ERR_REVOCATION_PEER_MISMATCH'],
    ['issued one hour after validAt, beyond the clock skew', 'issued_at at most 5 minutes after now', (await createRevocation({ privateKey, mlDsaSigner: signer, issuedAt: GOLDEN_REVOCATION.futureIssuedAt })).bytes, 'ERR_REVOCATION_ISSUED_IN_FUTURE'],
    ['truncated', 'wire form: a length past the end is malformed', preSigned.bytes.subarray(0, 200), 'ERR_REVOCATION_MALFORMED'],
    ['oversized (zeros appended to 10,241 bytes)', 'size, before anything else: at most 10,240 bytes', concat([preSigned.bytes, new Uint8Array(MAX_REVOCATION_BYTES + 1 - preSigned.bytes.length)]), 'ERR_REVOCATION_TOO_LARGE'],
    ['unknown field 23 appended', 'wire form: an unknown field is not canonical', concat([preSigned.bytes, encodeField({ field: 23, wireType: 0, value: encodeVarint(1) })]), 'ERR_REVOCATION_NOT_CANONICAL'],
    ['issued_at as a non-minimal varint', 'wire form: minimal varints', withVarint(preSigned.bytes, 18, BigInt(GOLDEN.issuedAt), 8), 'ERR_REVOCATION_NOT_CANONICAL'],
    ['reason 0 written out', 'wire form: a default-valued field is left out', withVarint(preSigned.bytes, 19, 0n), 'ERR_REVOCATION_NOT_CANONICAL'],
    ['reason 4', 'reason is 0 … 3', withVarint(preSigned.bytes, 19, 4n), 'ERR_REVOCATION_FIELD_RANGE'],
    ['issued_at 2^31 (protons writes 2^31 … 2^32 - 1 wrongly)', 'issued_at not in 2^31 … 2^32 - 1', withVarint(preSigned.bytes, 18, 2n ** 31n), 'ERR_REVOCATION_FIELD_RANGE'],
    ['ML-DSA-65 key one byte short', 'field 17 is 1952 bytes', withField(preSigned.bytes, 17, value => value.subarray(1)), 'ERR_REVOCATION_BAD_KEY_LENGTH'],
    ['peer_id a SHA-256 multihash', 'field 16 is an Ed25519 identity multihash', withField(preSigned.bytes, 16, () => Uint8Array.from([0x12, 0x20, ...new Uint8Array(32).fill(7)])), 'ERR_REVOCATION_BAD_PEER_ID'],
    ['Ed25519 signature of 63 bytes', 'field 21 is 64 bytes', withField(preSigned.bytes, 21, value => value.subarray(1)), 'ERR_REVOCATION_BAD_SIGNATURE_LENGTH'],
    ['ML-DSA-65 signature of 3310 bytes', 'field 22 is 3309 bytes', withField(preSigned.bytes, 22, value => concat([value, new Uint8Array(1)])), 'ERR_REVOCATION_BAD_SIGNATURE_LENGTH'],
    ['rotation fingerprint of 31 bytes', 'field 20\'s fingerprint is 32 bytes', withField(afterRotation.bytes, 20, value => withField(value, 1, fp => fp.subarray(1))), 'ERR_REVOCATION_BAD_ROTATION_PROOF']
  ]

  const pinned = (key: Uint8Array, earlier: Uint8Array[] = []): Record<string, unknown> => ({
    pinnedMlDsaPublicKeyHex: hex(key),
    pinnedFingerprintHex: hex(fingerprint(key)),
    earlierFingerprintsHex: earlier.map(hex)
  })

  return {
    description: 'keydir revocation-certificate golden vectors; format and rules: docs/record-format.md, "Revocation certificate"',
    inputs: {
      ed25519SeedHex: hex(GOLDEN.ed25519Seed),
      mlDsaSeedHex: hex(GOLDEN.mlDsaSeed),
      nextMlDsaSeedHex: hex(GOLDEN.nextMlDsaSeed),
      otherEd25519SeedHex: hex(GOLDEN_REVOCATION.otherEd25519Seed),
      strangerMlDsaSeedHex: hex(GOLDEN_REVOCATION.strangerMlDsaSeed),
      validAt: GOLDEN.validAt
    },
    context: REVOCATION_DOMAIN,
    revocationTagHex: hex(REVOCATION_TAG),
    maxRevocationBytes: MAX_REVOCATION_BYTES,
    reasons: REVOCATION_REASONS,
    valid: [
      { name: 'pre-signed at init (reason unspecified)', ...describeCertificate(preSigned) },
      { name: 'after a rotation, carrying the hand-over (reason key-compromise)', ...describeCertificate(afterRotation), previousMlDsaPublicKeyHex: hex(signer.publicKey) },
      { name: 'by the libp2p key and an ML-DSA-65 key never the peer\'s (valid on its own; see pinChecks)', ...describeCertificate(byThief) }
    ],
    invalid: invalid.map(([name, rule, bytes, error]) => ({ name, rule, certificateHex: hex(bytes), routingKeyHex: hex(routingKeyFor(preSigned.peerId)), error })),
    // Certificates by their index in `valid`.
    pinChecks: [
      { name: 'pre-signed, node pinned at that key', valid: 0, ...pinned(signer.publicKey), result: 'pinned-key' },
      { name: 'pre-signed, node pinned at the next key, which knows the earlier one', valid: 0, ...pinned(nextSigner.publicKey, [fingerprint(signer.publicKey)]), result: 'earlier-key' },
      { name: 'pre-signed, node pinned at the next key, which does not know the earlier one', valid: 0, ...pinned(nextSigner.publicKey), result: 'ERR_REVOCATION_KEY_UNKNOWN' },
      { name: 'after a rotation, node still pinned at the previous key', valid: 1, ...pinned(signer.publicKey), result: 'handed-over-from-pinned-key' },
      { name: 'libp2p key with a stranger\'s ML-DSA-65 key (Ed25519 thief, quantum forger)', valid: 2, ...pinned(signer.publicKey), result: 'ERR_REVOCATION_KEY_UNKNOWN' }
    ],
    // Values are a certificate by its index in `valid`, or the KeyRecord below.
    keyRecordHex: hex(plain.bytes),
    selection: [
      { name: 'a revocation beats a record', values: ['keyRecord', 0], best: 1 },
      { name: 'the later revocation', values: [2, 1, 0], best: 0 }
    ]
  }
}

export async function writeRevocationVectors (crypto: PqCrypto = selectPqCrypto()): Promise<string> {
  const out = fileURLToPath(new URL('../../../test/vectors/revocation.json', import.meta.url))
  await writeFile(out, JSON.stringify(await makeRevocationVectors(crypto), null, 2) + '\n')
  return out
}

// Run alone: write this file only.
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  console.log(`wrote ${await writeRevocationVectors()}`)
}
