/**
 * Writes test/vectors/key-record.json: golden key records for other
 * implementations to check themselves against. Run with `npm run vectors`;
 * the file is committed and test/record/golden.test.ts checks our code
 * against it, so a change here that alters bytes shows up as a failure.
 * Records already in the file are kept byte for byte (ML-DSA-65 signing is
 * randomised): only vectors it lacks are made.
 */
import { readFile, writeFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { selectPqCrypto } from '../../src/crypto/index.js'
import { MAX_HISTORY_LINKS, RECORD_DOMAIN, ROTATION_DOMAIN, routingKeyFor, rotationSignedBytes } from '../../src/record/index.js'
import { writePushVectors } from './generate-push.js'
import { describeRecord, fingerprintHex, GOLDEN, IDENTITY_KEY_VECTOR, makeGoldenRecords } from './golden.js'
import { makeVersion2Vectors } from './golden-v2.js'
import { encodeFields, parseFields } from '../helpers/protobuf-wire.js'

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex')
const out = fileURLToPath(new URL('../../../test/vectors/key-record.json', import.meta.url))

/** The records the file holds now, by vector name. */
async function keptRecords (): Promise<Map<string, Uint8Array>> {
  const kept = new Map<string, Uint8Array>()
  let old: any
  try {
    old = JSON.parse(await readFile(out, 'utf8'))
  } catch {
    return kept
  }
  for (const vector of [...old.valid ?? [], ...old.invalid ?? [], ...old.history ?? [], ...old.version2?.valid ?? [], ...old.version2?.invalid ?? []]) {
    if (typeof vector.recordHex === 'string') kept.set(vector.name, Uint8Array.from(Buffer.from(vector.recordHex, 'hex')))
  }
  return kept
}

const kept = await keptRecords()
const golden = await makeGoldenRecords(selectPqCrypto(), kept)
const { plain, rotated, history, keys, malformed, refused } = golden
const tampered = Uint8Array.from(plain.bytes)
tampered[tampered.length - 1] ^= 0x01
const [k0, k1, k2] = keys.chain
const pin = (key: Uint8Array, superseded: Uint8Array[] = []): Record<string, unknown> =>
  ({ fingerprintHex: fingerprintHex(key), mlDsaPublicKeyHex: hex(key), supersededHex: superseded.map(fingerprintHex) })
const plainKey = hex(routingKeyFor(plain.peerId))
const plainFields = parseFields(plain.bytes)!
const seqAsBytes = encodeFields(plainFields.map(f => f.field === 4 ? { field: 4, wireType: 2, value: f.value } : f))
const rotatedFields = parseFields(rotated.bytes)!
const rotationSplit = encodeFields(rotatedFields.flatMap(f => f.field === 7 ? parseFields(f.value)!.map(inner => ({ field: 7, wireType: 2, value: encodeFields([inner]) })) : [f]))
const rotatedKey = hex(routingKeyFor(rotated.peerId))
const named = (name: string): { name: string, recordHex: string } => ({ name, recordHex: hex(refused[name].bytes) })

const vectors = {
  description: 'keydir key-record golden vectors; format: docs/record-format.md',
  inputs: {
    ed25519SeedHex: hex(GOLDEN.ed25519Seed),
    mlDsaSeedHex: hex(GOLDEN.mlDsaSeed),
    mlKemSeedHex: hex(GOLDEN.mlKemSeed),
    nextMlDsaSeedHex: hex(GOLDEN.nextMlDsaSeed),
    nextMlKemSeedHex: hex(GOLDEN.nextMlKemSeed),
    laterMlDsaSeedsHex: GOLDEN.laterMlDsaSeeds.map(hex),
    laterMlKemSeedsHex: GOLDEN.laterMlKemSeeds.map(hex),
    forkMlDsaSeedHex: hex(GOLDEN.forkMlDsaSeed),
    validAt: GOLDEN.validAt
  },
  contexts: { record: RECORD_DOMAIN, rotation: ROTATION_DOMAIN },
  maxHistoryLinks: MAX_HISTORY_LINKS,
  valid: [
    { name: 'plain', ...describeRecord(plain) },
    {
      name: 'rotated',
      ...describeRecord(rotated),
      rotationSignedBytesHex: hex(rotationSignedBytes(rotated.peerId, rotated.rotation!.previousFingerprint, rotated.mlDsaPublicKey)),
      previousMlDsaPublicKeyHex: hex(plain.mlDsaPublicKey)
    },
    // history-3 in full; the records before and after it by their bytes.
    ...history.map((record, i) => ({ name: `history-${i + 2}`, ...describeRecord(record, i !== 1) }))
  ],
  invalid: [
    { name: 'last byte of the ML-DSA-65 signature flipped', recordHex: hex(tampered), routingKeyHex: plainKey, error: 'ERR_BAD_ML_DSA_SIGNATURE' },
    { name: 'unknown field 12 appended', recordHex: hex(plain.bytes) + '6001', routingKeyHex: plainKey, error: 'ERR_RECORD_NOT_CANONICAL' },
    { name: 'truncated', recordHex: hex(plain.bytes.subarray(0, 200)), routingKeyHex: plainKey, error: 'ERR_RECORD_MALFORMED' },
    { name: 'history links out of order', recordHex: hex(malformed['history links out of order']), routingKeyHex: plainKey, error: 'ERR_BROKEN_CHAIN' },
    { name: 'history link missing', recordHex: hex(malformed['history link missing']), routingKeyHex: plainKey, error: 'ERR_BROKEN_CHAIN' },
    { name: 'history without a rotation proof', recordHex: hex(malformed['history without a rotation proof']), routingKeyHex: plainKey, error: 'ERR_BROKEN_CHAIN' },
    { name: 'previous record hash of 31 bytes', recordHex: hex(malformed['previous record hash of 31 bytes']), routingKeyHex: plainKey, error: 'ERR_BAD_HASH_LENGTH' },
    { name: 'field 10 as a varint', recordHex: hex(plain.bytes) + '5001', routingKeyHex: plainKey, error: 'ERR_RECORD_MALFORMED' },
    { name: 'seq written length-delimited', rule: 'wire form: a known field in another wire type is malformed', recordHex: hex(seqAsBytes), routingKeyHex: plainKey, error: 'ERR_RECORD_MALFORMED' },
    { name: 'a group appended (field 14, wire types 3 and 4)', rule: 'wire form: groups are malformed', recordHex: hex(plain.bytes) + '7374', routingKeyHex: plainKey, error: 'ERR_RECORD_MALFORMED' },
    { name: 'an empty field 9 appended', rule: 'wire form: a repeated field, and an empty bytes field written out', recordHex: hex(plain.bytes) + '4a00', routingKeyHex: plainKey, error: 'ERR_RECORD_NOT_CANONICAL' },
    { name: 'rotation (field 7) split in two', rule: 'wire form: a repeated field (protobuf would merge the halves)', recordHex: hex(rotationSplit), routingKeyHex: rotatedKey, error: 'ERR_RECORD_NOT_CANONICAL' },
    { name: 'ML-KEM-768 key all 0xff', recordHex: hex(malformed['ML-KEM-768 key all 0xff']), routingKeyHex: plainKey, error: 'ERR_BAD_ML_KEM_KEY' },
    { name: IDENTITY_KEY_VECTOR, recordHex: hex(golden.identityKey.bytes), routingKeyHex: hex(golden.identityKey.routingKey), error: 'ERR_BAD_LIBP2P_SIGNATURE' }
  ],
  // A holder pinned at `pinned` (its key, and the keys it followed away from), holding the valid vector `stored` if given,
  // admits `record` (a valid vector's name) or `recordHex`: it follows `rotations` hand-overs, or refuses with `error`.
  history: [
    { name: 'pinned at K0, record of K3: three rotations', record: 'history-3', pinned: pin(k0), rotations: 3 },
    { name: 'pinned at K1, record of K3: two rotations', record: 'history-3', pinned: pin(k1), rotations: 2 },
    { name: 'pinned at K2, record of K3: one rotation', record: 'history-3', pinned: pin(k2), rotations: 1 },
    { name: 'pinned at K1 by fingerprint only, record of K3 (which carries K1)', record: 'history-3', pinned: { fingerprintHex: fingerprintHex(k1), supersededHex: [] }, rotations: 2 },
    { name: 'pinned at K0, record of K4: its history goes back to K1 only', record: 'history-4', pinned: pin(k0), error: 'ERR_HISTORY_BEYOND_BOUND' },
    { ...named('K3 with a forged K1 -> K2 link'), pinned: pin(k0), error: 'ERR_BROKEN_CHAIN' },
    { ...named('K3 with a forged K0 -> K1 link'), pinned: pin(k0), error: 'ERR_KEY_CHANGED' },
    { ...named('fork: K1 handed over to K2\''), pinned: pin(k2, [k1, k0]), error: 'ERR_FORKED_CHAIN' },
    { ...named('K3 again, replacing K2\'s record a second time'), stored: 'history-3', pinned: pin(keys.chain[3]), error: 'ERR_FORKED_CHAIN' }
  ],
  // Records with the X25519 key: valid ones, and one invalid record per version-2 rule (the rule named, and its code).
  version2: await makeVersion2Vectors(selectPqCrypto(), golden, kept)
}

await writeFile(out, JSON.stringify(vectors, null, 2) + '\n')
console.log(`wrote ${out}`)
console.log(`wrote ${await writePushVectors()}`)
console.log(`wrote ${await (await import('./generate-revocation.js')).writeRevocationVectors()}`)
console.log(`wrote ${await (await import('./generate-history.js')).writeHistoryVectors()}`)
console.log(`wrote ${await (await import('./generate-equivocation.js')).writeEquivocationVectors()}`)
console.log(`wrote ${await (await import('./generate-kad-get.js')).writeKadGetVectors()}`)
console.log(`wrote ${await (await import('./generate-session.js')).writeSessionVectors()}`)
console.log(`wrote ${await (await import('./generate-envelope.js')).writeEnvelopeVectors()}`)
console.log(`wrote ${await (await import('./generate-exchange.js')).writeExchangeVectors()}`)
