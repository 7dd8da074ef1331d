/**
 * Writes test/vectors/key-record.json: golden key records for other
 * implementations to check themselves against. Run with `npm run vectors`;
 * the file is committed and test/record/golden.test.ts checks our code
 * against it, so a change here that alters bytes shows up as a failure.
 */
import { writeFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { selectPqCrypto } from '../../src/crypto/index.js'
import { RECORD_DOMAIN, ROTATION_DOMAIN, rotationSignedBytes } from '../../src/record/index.js'
import { describeRecord, GOLDEN, makeGoldenRecords } from './golden.js'

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex')
const { plain, rotated } = await makeGoldenRecords(selectPqCrypto())
const tampered = Uint8Array.from(plain.bytes)
tampered[tampered.length - 1] ^= 0x01

const vectors = {
  description: 'keydir key-record golden vectors; format: docs/record-format.md',
  inputs: {
    ed25519SeedHex: hex(GOLDEN.ed25519Seed),
    mlDsaSeedHex: hex(GOLDEN.mlDsaSeed),
    mlKemSeedHex: hex(GOLDEN.mlKemSeed),
    nextMlDsaSeedHex: hex(GOLDEN.nextMlDsaSeed),
    nextMlKemSeedHex: hex(GOLDEN.nextMlKemSeed),
    validAt: GOLDEN.validAt
  },
  contexts: { record: RECORD_DOMAIN, rotation: ROTATION_DOMAIN },
  valid: [
    { name: 'plain', ...describeRecord(plain) },
    {
      name: 'rotated',
      ...describeRecord(rotated),
      rotationSignedBytesHex: hex(rotationSignedBytes(rotated.peerId, rotated.rotation!.previousFingerprint, rotated.mlDsaPublicKey)),
      previousMlDsaPublicKeyHex: hex(plain.mlDsaPublicKey)
    }
  ],
  invalid: [
    { name: 'last byte of the ML-DSA-65 signature flipped', recordHex: hex(tampered), error: 'ERR_BAD_ML_DSA_SIGNATURE' },
    { name: 'unknown field 12 appended', recordHex: hex(plain.bytes) + '6001', error: 'ERR_RECORD_NOT_CANONICAL' },
    { name: 'truncated', recordHex: hex(plain.bytes.subarray(0, 200)), error: 'ERR_RECORD_MALFORMED' }
  ]
}

const out = fileURLToPath(new URL('../../../test/vectors/key-record.json', import.meta.url))
await writeFile(out, JSON.stringify(vectors, null, 2) + '\n')
console.log(`wrote ${out}`)
