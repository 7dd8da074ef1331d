/**
 * Writes test/vectors/envelope.json: a sealed envelope (docs/envelope.md)
 * from fixed seeds, every byte deterministic (X-Wing's randomness given,
 * ML-DSA-65 signed without randomness), with its HPKE info, signed bytes
 * and plaintext, and envelopes each breaking one rule with the code `open`
 * answers. generate.ts (`npm run vectors`) calls writeEnvelopeVectors;
 * test/envelope/vectors.test.ts opens every vector; test/vectors/
 * reproducible.test.ts rebuilds the file.
 */
import { writeFile } from 'node:fs/promises'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { generateKeyPairFromSeed } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { selectPqCrypto } from '../../src/crypto/index.js'
import {
  ENVELOPE_INFO_DOMAIN, ENVELOPE_SIGNATURE_CONTEXT, ENVELOPE_SIGNATURE_DOMAIN, EnvelopeHpke, envelopeInfo, envelopeSignedBytes, HPKE_SUITE, marshalContent, marshalEnvelope,
  MAX_ENVELOPE_BYTES, MAX_SEALED_DATA
} from '../../src/envelope/index.js'
import { encodeFields, encodeVarint, parseFields } from '../helpers/protobuf-wire.js'
import { ENVELOPE_SEEDS, envelopeParties, VECTOR_GRACE_MS, type EnvelopeParty } from './envelope-parties.js'
import { deterministicSigner } from './session-transcript.js'
import type { PqCrypto, MlDsaSigner } from '../../src/crypto/index.js'
import { createKeyRecord, createRotationProof } from '../../src/record/index.js'
import type { EnvelopeHeader } from '../../src/envelope/index.js'
import type { KeyRecord } from '../../src/record/index.js'
import type { WireField } from '../helpers/protobuf-wire.js'

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex')
const out = fileURLToPath(new URL('../../../test/vectors/envelope.json', import.meta.url))
const DATA = Uint8Array.from([...new TextEncoder().encode('keydir envelope vector'), 0x00, 0xff])

interface Sealed {
  info: Uint8Array
  signedBytes: Uint8Array
  plaintext: Uint8Array
  envelope: Uint8Array
}

/** seal() spelled out with fixed randomness, so every byte can be rebuilt from the spec. */
async function seal (crypto: PqCrypto, header: EnvelopeHeader, recipientKey: Uint8Array, signer: MlDsaSigner, senderSeq: number, data: Uint8Array, options: { signedFor?: EnvelopeHeader, signature?: Uint8Array } = {}): Promise<Sealed> {
  const info = envelopeInfo(header)
  const sender = await new EnvelopeHpke(crypto).sender(recipientKey, info, ENVELOPE_SEEDS.ekm)
  const signedBytes = envelopeSignedBytes(options.signedFor ?? header, sender.enc, senderSeq, data)
  const signature = options.signature ?? signer.sign(signedBytes, ENVELOPE_SIGNATURE_CONTEXT)
  const plaintext = marshalContent({ senderSeq, signature, data })
  const ciphertext = await sender.seal(plaintext)
  return { info, signedBytes, plaintext, envelope: marshalEnvelope({ ...header, enc: sender.enc, ciphertext }) }
}

/**
 * The sender after two rotations, K0 -> K1 -> K2: its seq + 2 record of K2
 * (the same KEM keys), whose rotation proof is K1's and whose one history
 * link is K0's hand-over to K1, so a verifier can prove K1 was the sender's.
 */
async function senderRotatedTwice (sender: EnvelopeParty): Promise<{ senderK2Record: KeyRecord, k1: MlDsaSigner }> {
  const k1 = deterministicSigner(ENVELOPE_SEEDS.senderK1.mlDsa)
  const k2 = deterministicSigner(ENVELOPE_SEEDS.senderK2.mlDsa)
  const privateKey = await generateKeyPairFromSeed('Ed25519', ENVELOPE_SEEDS.sender.ed25519)
  const intoK1 = createRotationProof(sender.peerId, sender.signer, k1.publicKey)
  const senderK2Record = await createKeyRecord({
    privateKey,
    mlDsaSigner: k2,
    mlKemPublicKey: sender.record.mlKemPublicKey,
    x25519PublicKey: sender.record.x25519PublicKey,
    seq: sender.record.seq + 2,
    issuedAt: ENVELOPE_SEEDS.issuedAt + 2000,
    lifetimeMs: ENVELOPE_SEEDS.lifetimeMs,
    rotation: createRotationProof(sender.peerId, k1, k2.publicKey),
    history: [{ ...intoK1, mlDsaPublicKey: k1.publicKey }]
  })
  return { senderK2Record, k1 }
}

function edited (bytes: Uint8Array, change: (fields: WireField[]) => WireField[]): Uint8Array {
  return encodeFields(change(parseFields(bytes)!))
}

export async function envelopeVectors (crypto: PqCrypto): Promise<Record<string, unknown>> {
  const { recipient, sender } = await envelopeParties(crypto)
  const recipientKey = Uint8Array.from([...recipient.record.mlKemPublicKey, ...recipient.record.x25519PublicKey!])
  const header: EnvelopeHeader = { sender: sender.peerId, recipient: recipient.peerId, recipientSeq: recipient.record.seq }
  const valid = await seal(crypto, header, recipientKey, sender.signer, sender.record.seq, DATA)
  const empty = await seal(crypto, header, recipientKey, sender.signer, sender.record.seq, new Uint8Array(0))
  const third = peerIdFromPrivateKey(await generateKeyPairFromSeed('Ed25519', new Uint8Array(32).fill(0x71)))

  const flipped = Uint8Array.from(valid.envelope)
  flipped[flipped.length - 1] ^= 0x01
  const withField = (n: number, value: Uint8Array): Uint8Array => edited(valid.envelope, fields => fields.map(f => f.field === n ? { ...f, value } : f))
  const invalid: Array<Record<string, unknown>> = [
    { name: 'last ciphertext byte flipped', rule: 'the AEAD tag covers the ciphertext', envelopeHex: hex(flipped), error: 'ERR_ENVELOPE_DECRYPT' },
    { name: 'version 2', rule: 'version is 1', envelopeHex: hex(withField(1, encodeVarint(2))), error: 'ERR_ENVELOPE_VERSION' },
    { name: 'unknown field 7 appended', rule: 'canonical encoding', envelopeHex: hex(edited(valid.envelope, f => [...f, { field: 7, wireType: 2, value: new Uint8Array(1) }])), error: 'ERR_ENVELOPE_NOT_CANONICAL' },
    { name: 'fields in reverse order', rule: 'canonical encoding', envelopeHex: hex(edited(valid.envelope, f => [...f].reverse())), error: 'ERR_ENVELOPE_NOT_CANONICAL' },
    { name: 'encapsulation of 1119 bytes', rule: 'enc is 1120 bytes', envelopeHex: hex(edited(valid.envelope, f => f.map(x => x.field === 5 ? { ...x, value: x.value.subarray(1) } : x))), error: 'ERR_ENVELOPE_MALFORMED' },
    { name: 'recipient_seq 2^64 - 1', rule: 'recipient_seq is 1 to 2^53 - 1', envelopeHex: hex(withField(4, new Uint8Array(8).fill(0xff))), error: 'ERR_ENVELOPE_MALFORMED' },
    { name: 'sealed to another peer', rule: 'recipient is this node', envelopeHex: hex(marshalEnvelope({ ...header, recipient: third, enc: new Uint8Array(1120), ciphertext: new Uint8Array(32) })), error: 'ERR_ENVELOPE_NOT_FOR_US' },
    { name: 'recipient_seq above the recipient\'s newest record', rule: 'recipient_seq is not above the newest record', envelopeHex: hex((await seal(crypto, { ...header, recipientSeq: header.recipientSeq + 1 }, recipientKey, sender.signer, sender.record.seq, DATA)).envelope), error: 'ERR_ENVELOPE_KEY_UNKNOWN' },
    { name: 'header names another sender', rule: 'the header is bound into the HPKE info', envelopeHex: hex(withField(2, third.toMultihash().bytes)), error: 'ERR_ENVELOPE_DECRYPT' },
    {
      name: 'signed by a key the directory does not hold for the sender',
      rule: 'the signature is by the sender\'s key',
      envelopeHex: hex((await seal(crypto, header, recipientKey, deterministicSigner(ENVELOPE_SEEDS.stranger.mlDsa), sender.record.seq, DATA)).envelope),
      error: 'ERR_ENVELOPE_BAD_SIGNATURE'
    },
    {
      name: 'content the sender signed for another recipient, sealed again',
      rule: 'the signed bytes name the recipient',
      envelopeHex: hex((await seal(crypto, header, recipientKey, sender.signer, sender.record.seq, DATA, { signedFor: { ...header, recipient: third } })).envelope),
      error: 'ERR_ENVELOPE_BAD_SIGNATURE'
    },
    {
      name: 'signature of 3308 bytes',
      rule: 'the signature is 3309 bytes',
      envelopeHex: hex((await seal(crypto, header, recipientKey, sender.signer, sender.record.seq, DATA, { signature: new Uint8Array(3308) })).envelope),
      error: 'ERR_ENVELOPE_MALFORMED'
    },
    { name: 'truncated', rule: 'a SealedEnvelope protobuf', envelopeHex: hex(valid.envelope.subarray(0, 100)), error: 'ERR_ENVELOPE_MALFORMED' }
  ]

  // Rules that depend on the recipient's state, which each such vector names in `receiver`.
  const { senderK2Record, k1 } = await senderRotatedTwice(sender)
  const atRecipientSeq = header.recipientSeq
  invalid.push(
    {
      name: 'sealed to a record whose KEM key a rotation retired, past the grace time',
      rule: 'the KEM key of record recipient_seq is current, or retired at most envelopeGraceMs ago',
      envelopeHex: hex(valid.envelope),
      receiver: { newestRecordSeq: atRecipientSeq + 1, retiredKemKeys: [{ lastSeq: atRecipientSeq, erased: true }] },
      error: 'ERR_ENVELOPE_KEY_RETIRED'
    },
    {
      name: 'sealed to a record whose KEM key a rotation retired, within the grace time, the kept seed another key\'s',
      rule: 'the KEM key of record recipient_seq is the retired one whose records reach it, not the current one',
      envelopeHex: hex(valid.envelope),
      receiver: { newestRecordSeq: atRecipientSeq + 1, retiredKemKeys: [{ lastSeq: atRecipientSeq, erased: false, kemSeedHex: hex(ENVELOPE_SEEDS.otherKem) }] },
      error: 'ERR_ENVELOPE_DECRYPT'
    },
    {
      name: 'opened on a node with no X-Wing key of its own',
      rule: 'the KEM key of record recipient_seq is the current one: a node without one opens nothing',
      envelopeHex: hex(valid.envelope),
      receiver: { hasCurrentKemKey: false },
      error: 'ERR_ENVELOPE_NO_HYBRID_KEY'
    },
    {
      name: 'the directory finds no record of the sender',
      rule: 'the sender resolves through the directory',
      envelopeHex: hex(valid.envelope),
      receiver: { senderRecordHex: null },
      error: 'ERR_NOT_FOUND'
    },
    {
      name: 'the directory holds a revocation of the sender',
      rule: 'the sender resolves through the directory (revocations refuse it)',
      envelopeHex: hex(valid.envelope),
      receiver: { senderRefusedWith: 'ERR_REVOKED' },
      error: 'ERR_REVOKED'
    },
    {
      name: 'the directory holds an equivocation proof of the sender',
      rule: 'the sender resolves through the directory (equivocation proofs refuse it)',
      envelopeHex: hex(valid.envelope),
      receiver: { senderRefusedWith: 'ERR_EQUIVOCATION' },
      error: 'ERR_EQUIVOCATION'
    },
    {
      name: 'signed by the sender\'s earlier key K1, the directory holding its K2 record (whose history proves K1)',
      rule: 'the signature is by the sender\'s current key',
      envelopeHex: hex((await seal(crypto, header, recipientKey, k1, sender.record.seq + 1, DATA)).envelope),
      receiver: { senderRecordHex: hex(senderK2Record.bytes) },
      error: 'ERR_ENVELOPE_STALE_SENDER_KEY'
    },
    {
      name: 'a stranger\'s signature naming a sender_seq newer than the record held, the sender re-checked: no newer record',
      rule: 'the signature is by a key of the sender (after one re-check for a newer sender_seq)',
      envelopeHex: hex((await seal(crypto, header, recipientKey, deterministicSigner(ENVELOPE_SEEDS.stranger.mlDsa), sender.record.seq + 1, DATA)).envelope),
      error: 'ERR_ENVELOPE_BAD_SIGNATURE'
    },
    {
      name: 'the same, with the sender looked up less than a minute ago',
      rule: 'at most one re-check of a sender a minute',
      envelopeHex: hex((await seal(crypto, header, recipientKey, deterministicSigner(ENVELOPE_SEEDS.stranger.mlDsa), sender.record.seq + 1, DATA)).envelope),
      receiver: { senderLookedUpWithinAMinute: true },
      error: 'ERR_ENVELOPE_SENDER_UNCONFIRMED'
    },
    // Too big to write out: zero bytes, one past the cap.
    { name: `${MAX_ENVELOPE_BYTES + 1} zero bytes`, rule: 'at most 1,056,768 bytes, before anything else', envelopeHex: null, lengthBytes: MAX_ENVELOPE_BYTES + 1, prefixHex: '', error: 'ERR_ENVELOPE_TOO_LARGE' }
  )

  return {
    description: 'keydir sealed-envelope golden vectors; format: docs/envelope.md',
    suite: { kem: HPKE_SUITE.kem, kdf: HPKE_SUITE.kdf, aead: HPKE_SUITE.aead, names: 'X-Wing, HKDF-SHA256, AES-256-GCM, HPKE base mode' },
    domains: { info: ENVELOPE_INFO_DOMAIN, signature: ENVELOPE_SIGNATURE_DOMAIN },
    limits: { maxSealedData: MAX_SEALED_DATA, maxEnvelopeBytes: MAX_ENVELOPE_BYTES },
    mlDsaSigning: 'deterministic (FIPS 204 hedged variant off: rnd = 32 zero bytes)',
    recipient: {
      ed25519SeedHex: hex(ENVELOPE_SEEDS.recipient.ed25519),
      mlDsaSeedHex: hex(ENVELOPE_SEEDS.recipient.mlDsa),
      kemSeedHex: hex(recipient.kemSeed),
      peerId: recipient.peerId.toString(),
      recordHex: hex(recipient.record.bytes)
    },
    sender: {
      ed25519SeedHex: hex(ENVELOPE_SEEDS.sender.ed25519),
      mlDsaSeedHex: hex(ENVELOPE_SEEDS.sender.mlDsa),
      peerId: sender.peerId.toString(),
      recordHex: hex(sender.record.bytes)
    },
    strangerMlDsaSeedHex: hex(ENVELOPE_SEEDS.stranger.mlDsa),
    senderRotation: {
      k1MlDsaSeedHex: hex(ENVELOPE_SEEDS.senderK1.mlDsa),
      k2MlDsaSeedHex: hex(ENVELOPE_SEEDS.senderK2.mlDsa),
      k2RecordHex: hex(senderK2Record.bytes)
    },
    graceMs: VECTOR_GRACE_MS,
    now: ENVELOPE_SEEDS.now,
    valid: [
      { name: 'message', ekmHex: hex(ENVELOPE_SEEDS.ekm), dataHex: hex(DATA), infoHex: hex(valid.info), signedBytesHex: hex(valid.signedBytes), plaintextHex: hex(valid.plaintext), envelopeHex: hex(valid.envelope), from: sender.peerId.toString() },
      { name: 'empty message', ekmHex: hex(ENVELOPE_SEEDS.ekm), dataHex: '', infoHex: hex(empty.info), signedBytesHex: hex(empty.signedBytes), plaintextHex: hex(empty.plaintext), envelopeHex: hex(empty.envelope), from: sender.peerId.toString() },
      {
        name: 'message, opened after the recipient rotated: the retired KEM key within the grace time',
        ekmHex: hex(ENVELOPE_SEEDS.ekm),
        dataHex: hex(DATA),
        infoHex: hex(valid.info),
        signedBytesHex: hex(valid.signedBytes),
        plaintextHex: hex(valid.plaintext),
        envelopeHex: hex(valid.envelope),
        from: sender.peerId.toString(),
        receiver: { newestRecordSeq: atRecipientSeq + 1, retiredKemKeys: [{ lastSeq: atRecipientSeq, erased: false, kemSeedHex: hex(recipient.kemSeed) }] }
      }
    ],
    invalid
  }
}

export async function writeEnvelopeVectors (): Promise<string> {
  await writeFile(out, JSON.stringify(await envelopeVectors(selectPqCrypto()), null, 2) + '\n')
  return out
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  console.log(`wrote ${await writeEnvelopeVectors()}`)
}
