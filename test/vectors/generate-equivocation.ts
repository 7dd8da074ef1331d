/**
 * Writes test/vectors/equivocation.json: golden equivocation proofs, valid
 * and invalid, how a node that pinned the peer takes them, and which
 * /pqk/ value wins. generate.ts (`npm run vectors`) calls
 * writeEquivocationVectors; `node dist/test/vectors/generate-equivocation.js`
 * rewrites this file alone. Every byte is reproducible from the seeds:
 * ML-DSA-65 signs deterministically here (deterministic.ts), and the golden
 * key record is the one key-record.json holds.
 * test/record/equivocation-golden.test.ts checks our code against it.
 */
import { writeFile } from 'node:fs/promises'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { generateKeyPairFromSeed } from '@libp2p/crypto/keys'
import { fingerprint, selectPqCrypto } from '../../src/crypto/index.js'
import {
  createEquivocationProof, createKeyRecord, EQUIVOCATION_TAG, MAX_EVIDENCE_BYTES, RECORD_CONTEXT, recordDigest, recordSignedBytes, marshalKeyRecord, routingKeyFor
} from '../../src/record/index.js'
import { encodeFields, parseFields } from '../helpers/protobuf-wire.js'
import { committedGoldenRecords, deterministicCrypto } from './deterministic.js'
import { GOLDEN, makeGoldenRecords } from './golden.js'
import { GOLDEN_REVOCATION } from './generate-revocation.js'
import type { PqCrypto } from '../../src/crypto/index.js'
import type { KeyRecord } from '../../src/record/index.js'

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex')

/** Two records' bytes as a proof, record_a then record_b as given (canonical or not). */
function proofOf (a: Uint8Array, b: Uint8Array): Uint8Array {
  return encodeFields([{ field: 17, wireType: 2, value: a }, { field: 18, wireType: 2, value: b }])
}

/** proofOf in canonical order: the lower SHA-256 first. */
function ordered (a: Uint8Array, b: Uint8Array): Uint8Array {
  return Buffer.compare(recordDigest(a), recordDigest(b)) < 0 ? proofOf(a, b) : proofOf(b, a)
}

function describeRecord (record: KeyRecord): Record<string, unknown> {
  return { sha256Hex: hex(recordDigest(record)), seq: record.seq, issuedAt: record.issuedAt, signedBytesHex: hex(recordSignedBytes(record)), recordHex: hex(record.bytes) }
}

export async function makeEquivocationVectors (hedged: PqCrypto): Promise<Record<string, unknown>> {
  const crypto = deterministicCrypto(hedged)
  const { plain } = await makeGoldenRecords(crypto, await committedGoldenRecords())
  const privateKey = await generateKeyPairFromSeed('Ed25519', GOLDEN.ed25519Seed)
  const k0 = crypto.mlDsa65.createSigner(GOLDEN.mlDsaSeed)
  const kem = crypto.mlKem768.createDecapsulator(GOLDEN.mlKemSeed).publicKey
  const sign = async (init: { seq: number, issuedAt: number, signer?: typeof k0, key?: typeof privateKey }): Promise<KeyRecord> => createKeyRecord({
    privateKey: init.key ?? privateKey, mlDsaSigner: init.signer ?? k0, mlKemPublicKey: kem, seq: init.seq, issuedAt: init.issuedAt, lifetimeMs: GOLDEN.lifetimeMs
  })
  // The golden plain record (seq 1, K0) and a second seq-1 record issued a second later: the peer said two things.
  const conflicting = await sign({ seq: 1, issuedAt: GOLDEN.issuedAt + 1000 })
  const proof = createEquivocationProof(plain, conflicting)
  // The plain record's content signed again: another ML-DSA-65 signature, the same statement.
  const signedAgain = marshalKeyRecord(plain, plain.libp2pSignature, k0.sign(recordSignedBytes(plain), RECORD_CONTEXT))
  const seq2 = await sign({ seq: 2, issuedAt: GOLDEN.issuedAt })
  const otherPeer = await sign({ seq: 1, issuedAt: GOLDEN.issuedAt, key: await generateKeyPairFromSeed('Ed25519', GOLDEN_REVOCATION.otherEd25519Seed) })
  // A thief with the Ed25519 key alone signs a seq-1 record with an ML-DSA-65 key of its own.
  const byThief = await sign({ seq: 1, issuedAt: GOLDEN.issuedAt + 2000, signer: crypto.mlDsa65.createSigner(GOLDEN_REVOCATION.strangerMlDsaSeed) })
  const thiefProof = createEquivocationProof(plain, byThief)
  const badSignature = encodeFields(parseFields(conflicting.bytes)!.map(f => f.field === 9 ? { ...f, value: Uint8Array.from(f.value, (v, i) => i === 0 ? v ^ 1 : v) } : f))
  const [first, second] = proof.records

  return {
    description: 'keydir equivocation-proof golden vectors; format and checks: docs/record-format.md, "Equivocation proof". ' +
      'Every record is a KeyRecord as in key-record.json, made from the same seeds.',
    inputs: {
      ed25519SeedHex: hex(GOLDEN.ed25519Seed),
      mlDsaSeedHex: hex(GOLDEN.mlDsaSeed),
      otherEd25519SeedHex: hex(GOLDEN_REVOCATION.otherEd25519Seed),
      strangerMlDsaSeedHex: hex(GOLDEN_REVOCATION.strangerMlDsaSeed)
    },
    equivocationTagHex: hex(EQUIVOCATION_TAG),
    maxEvidenceBytes: MAX_EVIDENCE_BYTES,
    valid: [
      {
        name: 'two records of seq 1 with different issue times, both by K0',
        peerId: proof.peerId.toString(),
        routingKeyHex: hex(routingKeyFor(proof.peerId)),
        seq: proof.seq,
        records: [describeRecord(first), describeRecord(second)],
        differs: ['issuedAt', 'expiresAt'],
        proofHex: hex(proof.bytes)
      },
      {
        name: 'a thief\'s: the Ed25519 key and an ML-DSA-65 key that was never the peer\'s (valid offline; a pinned node refuses it)',
        peerId: thiefProof.peerId.toString(),
        seq: 1,
        proofHex: hex(thiefProof.bytes)
      }
    ],
    invalid: [
      { name: 'the two records swapped (not in SHA-256 order)', rule: 'record_a\'s SHA-256 is below record_b\'s', proofHex: hex(proofOf(second.bytes, first.bytes)), error: 'ERR_EVIDENCE_NOT_CANONICAL' },
      { name: 'the same record twice', rule: 'record_a\'s SHA-256 is below record_b\'s (two distinct records)', proofHex: hex(proofOf(plain.bytes, plain.bytes)), error: 'ERR_EVIDENCE_NOT_CANONICAL' },
      { name: 'the same content signed twice (only the ML-DSA-65 signatures differ)', rule: 'the two records\' signed bytes differ', proofHex: hex(ordered(plain.bytes, signedAgain)), error: 'ERR_EVIDENCE_NOT_CONFLICTING' },
      { name: 'seq 1 and seq 2', rule: 'both records have the same seq', proofHex: hex(ordered(plain.bytes, seq2.bytes)), error: 'ERR_EVIDENCE_NOT_CONFLICTING' },
      { name: 'records of two PeerIds', rule: 'both records are of one PeerId', proofHex: hex(ordered(plain.bytes, otherPeer.bytes)), error: 'ERR_EVIDENCE_PEER_MISMATCH' },
      { name: 'an ML-DSA-65 signature byte flipped', rule: 'each record is valid: both signatures verify', proofHex: hex(ordered(plain.bytes, badSignature)), error: 'ERR_EVIDENCE_BAD_SIGNATURE' },
      { name: 'a key record, not a proof', rule: 'the first two bytes are 0x8a 0x01', proofHex: hex(plain.bytes), error: 'ERR_EVIDENCE_MALFORMED' },
      { name: 'the valid proof with a zero byte appended', rule: 'wire form: a tag of field number 0 is malformed', proofHex: hex(Uint8Array.from([...proof.bytes, 0])), error: 'ERR_EVIDENCE_MALFORMED' },
      { name: 'the valid proof with 0a 05 appended (field 1, 5 bytes, none follow)', rule: 'wire form: a length past the end is malformed', proofHex: hex(Uint8Array.from([...proof.bytes, 0x0a, 0x05])), error: 'ERR_EVIDENCE_MALFORMED' },
      { name: 'the valid proof given for another peer', rule: 'the proof\'s PeerId is the peer it is given for', proofHex: hex(proof.bytes), expectedPeerId: otherPeer.peerId.toString(), error: 'ERR_EVIDENCE_PEER_MISMATCH' },
      // Too big to write out: the tag, then zero bytes up to one past the cap.
      { name: `${MAX_EVIDENCE_BYTES + 1} bytes: the tag then zeros`, rule: 'size, before anything else', proofHex: null, lengthBytes: MAX_EVIDENCE_BYTES + 1, prefixHex: hex(EQUIVOCATION_TAG), error: 'ERR_EVIDENCE_TOO_LARGE' }
    ],
    pin: [
      { name: 'pinned at K0: the proof of two K0 records is taken', proof: 0, pinFingerprintHex: hex(fingerprint(k0.publicKey)), takes: true },
      { name: 'pinned at K0: the thief\'s proof is refused', proof: 1, pinFingerprintHex: hex(fingerprint(k0.publicKey)), takes: false, rule: 'a pinned node takes a proof only of records signed by a key of its pin\'s chain', error: 'ERR_EVIDENCE_KEY_UNKNOWN' }
    ],
    // Values: 'keyRecord' (the golden plain record), 'proof' (valid[0]).
    selection: [{ name: 'a proof beats any record', values: ['keyRecord', 'proof'], best: 1 }]
  }
}

export async function writeEquivocationVectors (crypto: PqCrypto = selectPqCrypto()): Promise<string> {
  const out = fileURLToPath(new URL('../../../test/vectors/equivocation.json', import.meta.url))
  await writeFile(out, JSON.stringify(await makeEquivocationVectors(crypto), null, 2) + '\n')
  return out
}

// Run alone: write this file only.
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  console.log(`wrote ${await writeEquivocationVectors()}`)
}
