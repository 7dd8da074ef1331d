/**
 * Writes test/vectors/key-record.json: golden key records for other
 * implementations to check themselves against. Run with `npm run vectors`;
 * the file is committed and test/record/golden.test.ts checks our code
 * against it, so a change here that alters bytes shows up as a failure.
 * Records already in the file are kept byte for byte (they were signed
 * hedged, once): only vectors it lacks are made, signed deterministically
 * (deterministic.ts), so a run on a clean tree changes no file
 * (test/vectors/reproducible.test.ts).
 */
import { writeFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { selectPqCrypto } from '../../src/crypto/index.js'
import { MAX_HISTORY_LINKS, RECORD_DOMAIN, ROTATION_DOMAIN, routingKeyFor, rotationSignedBytes } from '../../src/record/index.js'
import { committedGoldenRecords, deterministicCrypto } from './deterministic.js'
import { writePushVectors } from './generate-push.js'
import { describeRecord, fingerprintHex, GOLDEN, IDENTITY_KEY_VECTOR, makeGoldenRecords } from './golden.js'
import { makeVersion2Vectors } from './golden-v2.js'
import { encodeFields, encodeVarint, parseFields } from '../helpers/protobuf-wire.js'

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex')
const out = fileURLToPath(new URL('../../../test/vectors/key-record.json', import.meta.url))

const kept = await committedGoldenRecords()
const golden = await makeGoldenRecords(deterministicCrypto(selectPqCrypto()), kept)
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
/** `plain` with some fields' values replaced: every such vector breaks a rule checked before the signatures. */
const plainWith = (values: Record<number, Uint8Array>): string => hex(encodeFields(plainFields.map(f => values[f.field] === undefined ? f : { ...f, value: values[f.field] })))
const varint = (n: number | bigint): Uint8Array => encodeVarint(n)
const issued = plain.issuedAt
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
    { name: 'last byte of the ML-DSA-65 signature flipped', rule: 'the ML-DSA-65 signature verifies', recordHex: hex(tampered), routingKeyHex: plainKey, error: 'ERR_BAD_ML_DSA_SIGNATURE' },
    { name: 'unknown field 14 appended', rule: 'wire form: an unknown field is not canonical', recordHex: hex(plain.bytes) + '7001', routingKeyHex: plainKey, error: 'ERR_RECORD_NOT_CANONICAL' },
    { name: 'over 24,576 bytes (field 14 padding)', rule: 'size, before anything else', recordHex: hex(plain.bytes) + '72' + hex(encodeVarint(18_000)) + '00'.repeat(18_000), routingKeyHex: plainKey, error: 'ERR_RECORD_TOO_LARGE' },
    { name: 'peer_id a SHA-256 multihash', rule: 'field 1 is an Ed25519 identity multihash', recordHex: plainWith({ 1: Uint8Array.from([0x12, 0x20, ...new Uint8Array(32).fill(7)]) }), routingKeyHex: plainKey, error: 'ERR_BAD_PEER_ID' },
    { name: 'ML-DSA-65 key of 1951 bytes', rule: 'field 2 is 1952 bytes', recordHex: plainWith({ 2: plain.mlDsaPublicKey.subarray(1) }), routingKeyHex: plainKey, error: 'ERR_BAD_KEY_LENGTH' },
    { name: 'ML-KEM-768 key of 1185 bytes', rule: 'field 3 is 1184 bytes', recordHex: plainWith({ 3: Uint8Array.from([...plain.mlKemPublicKey, 0]) }), routingKeyHex: plainKey, error: 'ERR_BAD_KEY_LENGTH' },
    { name: 'ML-DSA-65 signature of 3308 bytes', rule: 'field 9 is 3309 bytes', recordHex: plainWith({ 9: plain.mlDsaSignature.subarray(1) }), routingKeyHex: plainKey, error: 'ERR_BAD_SIGNATURE_LENGTH' },
    { name: 'rotation fingerprint of 31 bytes', rule: 'field 7\'s fingerprint is 32 bytes', recordHex: hex(encodeFields(rotatedFields.map(f => f.field === 7 ? { ...f, value: encodeFields(parseFields(f.value)!.map(x => x.field === 1 ? { ...x, value: x.value.subarray(1) } : x)) } : f))), routingKeyHex: rotatedKey, error: 'ERR_BAD_ROTATION_PROOF' },
    { name: 'three empty history links', rule: 'at most 2 elements of field 11, counted before their lengths', recordHex: hex(plain.bytes) + '5a00'.repeat(3), routingKeyHex: plainKey, error: 'ERR_HISTORY_TOO_LONG' },
    { name: 'seq 2^53', rule: 'seq is at most 2^53 - 1', recordHex: plainWith({ 4: varint(2n ** 53n) }), routingKeyHex: plainKey, error: 'ERR_FIELD_RANGE' },
    { name: 'issued_at 2^31', rule: 'no uint64 in 2^31 … 2^32 - 1', recordHex: plainWith({ 5: varint(2n ** 31n) }), routingKeyHex: plainKey, error: 'ERR_FIELD_RANGE' },
    { name: 'checked under another peer\'s DHT key', rule: 'field 1 is the DHT key\'s multihash', recordHex: hex(plain.bytes), routingKeyHex: hex(golden.identityKey.routingKey), error: 'ERR_PEER_ID_MISMATCH' },
    { name: 'under an /ipns/ DHT key', rule: 'the DHT key starts /pqk/', recordHex: hex(plain.bytes), routingKeyHex: hex(new TextEncoder().encode('/ipns/')) + plainKey.slice(10), error: 'ERR_BAD_ROUTING_KEY' },
    { name: 'expires when issued, and expired', rule: 'time check 1 of 4: issued_at < expires_at, first', recordHex: plainWith({ 6: varint(issued) }), routingKeyHex: plainKey, error: 'ERR_BAD_TIMES' },
    { name: 'lifetime 7 days + 1 ms, and expired', rule: 'time check 2 of 4: a lifetime of at most 7 days, before expiry', recordHex: plainWith({ 5: varint(GOLDEN.validAt - 7 * 86_400_000 - 2), 6: varint(GOLDEN.validAt - 1) }), routingKeyHex: plainKey, error: 'ERR_LIFETIME_TOO_LONG' },
    { name: 'expires at validAt', rule: 'time check 3 of 4: expires_at > now', recordHex: plainWith({ 6: varint(GOLDEN.validAt) }), routingKeyHex: plainKey, error: 'ERR_RECORD_EXPIRED' },
    { name: 'issued 300,001 ms after validAt', rule: 'time check 4 of 4: issued_at <= now + 300,000', recordHex: plainWith({ 5: varint(GOLDEN.validAt + 300_001), 6: varint(GOLDEN.validAt + 400_000) }), routingKeyHex: plainKey, error: 'ERR_ISSUED_IN_FUTURE' },
    { name: 'truncated', rule: 'wire form: a length past the end is malformed', recordHex: hex(plain.bytes.subarray(0, 200)), routingKeyHex: plainKey, error: 'ERR_RECORD_MALFORMED' },
    { name: 'history links out of order', rule: 'history structure: links newest first, joining up', recordHex: hex(malformed['history links out of order']), routingKeyHex: plainKey, error: 'ERR_BROKEN_CHAIN' },
    { name: 'history link missing', rule: 'history structure: links join up', recordHex: hex(malformed['history link missing']), routingKeyHex: plainKey, error: 'ERR_BROKEN_CHAIN' },
    { name: 'history without a rotation proof', rule: 'history structure: field 11 only with field 7', recordHex: hex(malformed['history without a rotation proof']), routingKeyHex: plainKey, error: 'ERR_BROKEN_CHAIN' },
    { name: 'previous record hash of 31 bytes', rule: 'field 10 is absent or 32 bytes', recordHex: hex(malformed['previous record hash of 31 bytes']), routingKeyHex: plainKey, error: 'ERR_BAD_HASH_LENGTH' },
    { name: 'field 10 as a varint', rule: 'wire form: a known field in another wire type is malformed', recordHex: hex(plain.bytes) + '5001', routingKeyHex: plainKey, error: 'ERR_RECORD_MALFORMED' },
    { name: 'seq written length-delimited', rule: 'wire form: a known field in another wire type is malformed', recordHex: hex(seqAsBytes), routingKeyHex: plainKey, error: 'ERR_RECORD_MALFORMED' },
    { name: 'a group appended (field 14, wire types 3 and 4)', rule: 'wire form: groups are malformed', recordHex: hex(plain.bytes) + '7374', routingKeyHex: plainKey, error: 'ERR_RECORD_MALFORMED' },
    { name: 'an empty field 9 appended', rule: 'wire form: a repeated field, and an empty bytes field written out', recordHex: hex(plain.bytes) + '4a00', routingKeyHex: plainKey, error: 'ERR_RECORD_NOT_CANONICAL' },
    { name: 'rotation (field 7) split in two', rule: 'wire form: a repeated field (protobuf would merge the halves)', recordHex: hex(rotationSplit), routingKeyHex: rotatedKey, error: 'ERR_RECORD_NOT_CANONICAL' },
    { name: 'ML-KEM-768 key all 0xff', rule: 'the ML-KEM-768 key check', recordHex: hex(malformed['ML-KEM-768 key all 0xff']), routingKeyHex: plainKey, error: 'ERR_BAD_ML_KEM_KEY' },
    { name: IDENTITY_KEY_VECTOR, rule: 'the strict Ed25519 rule', recordHex: hex(golden.identityKey.bytes), routingKeyHex: hex(golden.identityKey.routingKey), error: 'ERR_BAD_LIBP2P_SIGNATURE' }
  ],
  // A holder pinned at `pinned` (its key, and the keys it followed away from), holding the valid vector `stored` if given,
  // admits `record` (a valid vector's name) or `recordHex`: it follows `rotations` hand-overs, or refuses with `error`.
  history: [
    { name: 'pinned at K0, record of K3: three rotations', record: 'history-3', pinned: pin(k0), rotations: 3 },
    { name: 'pinned at K1, record of K3: two rotations', record: 'history-3', pinned: pin(k1), rotations: 2 },
    { name: 'pinned at K2, record of K3: one rotation', record: 'history-3', pinned: pin(k2), rotations: 1 },
    { name: 'pinned at K1 by fingerprint only, record of K3 (which carries K1)', record: 'history-3', pinned: { fingerprintHex: fingerprintHex(k1), supersededHex: [] }, rotations: 2 },
    { name: 'pinned at K0, record of K4: its history goes back to K1 only', record: 'history-4', pinned: pin(k0), rule: 'the record\'s history reaches back to the pin', error: 'ERR_HISTORY_BEYOND_BOUND' },
    { ...named('K3 with a forged K1 -> K2 link'), pinned: pin(k0), rule: 'every hand-over after the pinned key\'s verifies', error: 'ERR_BROKEN_CHAIN' },
    { ...named('K3 with a forged K0 -> K1 link'), pinned: pin(k0), rule: 'the pinned key\'s own hand-over verifies', error: 'ERR_KEY_CHANGED' },
    { name: 'K3 with a forged K0 -> K1 link, K0 pinned from a configured bootstrap anchor', recordHex: named('K3 with a forged K0 -> K1 link').recordHex, pinned: { ...pin(k0), anchor: true }, rule: 'the pinned key\'s own hand-over verifies (an anchor pin\'s code)', error: 'ERR_ANCHOR_CONFLICT' },
    { ...named('fork: K1 handed over to K2\''), pinned: pin(k2, [k1, k0]), rule: 'a key the pin left behind hands the peer over once', error: 'ERR_FORKED_CHAIN' },
    { ...named('K3 again, replacing K2\'s record a second time'), stored: 'history-3', pinned: pin(keys.chain[3]), rule: 'a record replaces its predecessor once', error: 'ERR_FORKED_CHAIN' }
  ],
  // Records with the X25519 key: valid ones, and one invalid record per version-2 rule (the rule named, and its code).
  version2: await makeVersion2Vectors(deterministicCrypto(selectPqCrypto()), golden, kept)
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
console.log(`wrote ${await (await import('./generate-ml-dsa-peer-id.js')).writeMlDsaPeerIdVectors()}`)
