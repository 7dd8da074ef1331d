/**
 * Writes test/vectors/ml-dsa-peer-id.json: the PeerId each golden ML-DSA-65
 * key (K0, K1 of key-record.json) has under libp2p's RFC 0004 draft, with
 * the libp2p PublicKey protobuf it is the SHA-256 of (docs/record-format.md,
 * "ML-DSA PeerId"); and key records under the DHT key of an ML-DSA PeerId
 * (docs/record-format.md, "DHT key"), valid and invalid, and a revocation
 * and an equivocation proof there (refused). Deterministic:
 * ML-DSA-65 key generation from a seed is, and the records are
 * key-record.json's own `plain` (K0) and `rotated` (K1), byte for byte.
 */
import { readFileSync } from 'node:fs'
import { writeFile } from 'node:fs/promises'
import { createHash } from 'node:crypto'
import { fileURLToPath } from 'node:url'
import { selectPqCrypto } from '../../src/crypto/index.js'
import { mlDsaLibp2pPublicKey, mlDsaPeerIdBytes, mlDsaPeerIdString, mlDsaRoutingKey } from '../../src/record/index.js'
import { GOLDEN } from './golden.js'

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex')

const keyRecordFile = fileURLToPath(new URL('../../../test/vectors/key-record.json', import.meta.url))
const revocationFile = fileURLToPath(new URL('../../../test/vectors/revocation.json', import.meta.url))
const equivocationFile = fileURLToPath(new URL('../../../test/vectors/equivocation.json', import.meta.url))

/**
 * A revocation and an equivocation proof of K0's peer under K0's ML-DSA
 * PeerId's key: both name the Ed25519 PeerId, so both are refused there
 * (record-format.md, "DHT key"). The bytes are revocation.json's and
 * equivocation.json's first valid vectors (written before this file).
 */
function othersUnderMlDsaKey (k0: Uint8Array): Array<Record<string, unknown>> {
  const revocations = JSON.parse(readFileSync(revocationFile, 'utf8')) as { valid: Array<{ name: string, certificateHex: string }> }
  const proofs = JSON.parse(readFileSync(equivocationFile, 'utf8')) as { valid: Array<{ name: string, proofHex: string }> }
  return [
    {
      name: 'a revocation of K0\'s peer under K0\'s ML-DSA PeerId',
      rule: 'only key records live under an ML-DSA PeerId\'s key: a revocation names the Ed25519 PeerId, which is not the key\'s multihash',
      kind: 'revocation',
      valueFrom: `revocation.json valid "${revocations.valid[0].name}"`,
      valueHex: revocations.valid[0].certificateHex,
      routingKeyHex: hex(mlDsaRoutingKey(k0)),
      error: 'ERR_REVOCATION_PEER_MISMATCH'
    },
    {
      name: 'an equivocation proof of K0\'s peer under K0\'s ML-DSA PeerId',
      rule: 'a proof names the Ed25519 PeerId: refused under an ML-DSA PeerId\'s key, so a DHT node there keeps the held record on a same-seq conflict',
      kind: 'equivocation',
      valueFrom: `equivocation.json valid "${proofs.valid[0].name}"`,
      valueHex: proofs.valid[0].proofHex,
      routingKeyHex: hex(mlDsaRoutingKey(k0)),
      error: 'ERR_EVIDENCE_PEER_MISMATCH'
    }
  ]
}

/**
 * Key records under an ML-DSA PeerId's DHT key: the DHT's validator takes
 * one only when the key's multihash is the ML-DSA PeerId of the record's
 * own ML-DSA-65 key, and every other rule holds (checked at step 10 of the
 * validation order, where the PeerId is).
 */
function recordsUnderMlDsaKeys (k0: Uint8Array, k1: Uint8Array): Record<string, unknown> {
  const golden = JSON.parse(readFileSync(keyRecordFile, 'utf8')) as { inputs: { validAt: number }, valid: Array<{ name: string, recordHex: string }> }
  const recordHex = (name: string): string => golden.valid.find(v => v.name === name)!.recordHex
  const prefix = Buffer.from('/pqk/')
  const rawKeyHash = Buffer.concat([prefix, Buffer.from([0x12, 0x20]), createHash('sha256').update(k0).digest()])
  return {
    validAt: golden.inputs.validAt,
    valid: [
      { name: 'K0 record under its ML-DSA PeerId', recordFrom: 'key-record.json valid "plain"', recordHex: recordHex('plain'), routingKeyHex: hex(mlDsaRoutingKey(k0)) },
      { name: 'K1 record (a rotation from K0) under its ML-DSA PeerId', recordFrom: 'key-record.json valid "rotated"', recordHex: recordHex('rotated'), routingKeyHex: hex(mlDsaRoutingKey(k1)) }
    ],
    invalid: [
      {
        name: 'K0 record under the ML-DSA PeerId of another key (K1)',
        rule: 'the multihash after /pqk/ is the record\'s PeerId or the ML-DSA PeerId of the record\'s own ML-DSA-65 key',
        recordHex: recordHex('plain'),
        routingKeyHex: hex(mlDsaRoutingKey(k1)),
        error: 'ERR_PEER_ID_MISMATCH'
      },
      {
        name: 'K1 record under the ML-DSA PeerId of the key it rotated from (K0)',
        rule: 'a record is found only under its own key\'s ML-DSA PeerId; its history does not count',
        recordHex: recordHex('rotated'),
        routingKeyHex: hex(mlDsaRoutingKey(k0)),
        error: 'ERR_PEER_ID_MISMATCH'
      },
      {
        name: 'K0 record under /pqk/ + the SHA-256 multihash of the raw key, not of its RFC 0004 encoding',
        rule: 'the ML-DSA PeerId hashes the libp2p PublicKey protobuf { Type 4, Data 0x02 || key }, not the key',
        recordHex: recordHex('plain'),
        routingKeyHex: hex(rawKeyHash),
        error: 'ERR_PEER_ID_MISMATCH'
      },
      {
        name: 'K0 record under its ML-DSA PeerId without the /pqk/ prefix',
        rule: 'a DHT key starts with the five bytes /pqk/',
        recordHex: recordHex('plain'),
        routingKeyHex: hex(mlDsaPeerIdBytes(k0)),
        error: 'ERR_BAD_ROUTING_KEY'
      }
    ]
  }
}

export function makeMlDsaPeerIdVectors (): Record<string, unknown> {
  const crypto = selectPqCrypto()
  const keys = [['K0', GOLDEN.mlDsaSeed], ['K1', GOLDEN.nextMlDsaSeed]] as const
  const [k0, k1] = keys.map(([, seed]) => crypto.mlDsa65.createSigner(seed).publicKey)
  return {
    description: 'keydir: the RFC 0004 (draft) PeerId of an ML-DSA-65 key; format: docs/record-format.md, "ML-DSA PeerId"',
    keyType: 4,
    variantPrefix: 2,
    vectors: keys.map(([name, seed]) => {
      const key = crypto.mlDsa65.createSigner(seed).publicKey
      return {
        name,
        mlDsaSeedHex: hex(seed),
        mlDsaPublicKeyHex: hex(key),
        libp2pPublicKeyPrefixHex: hex(mlDsaLibp2pPublicKey(key).subarray(0, 6)),
        libp2pPublicKeyLength: mlDsaLibp2pPublicKey(key).length,
        peerIdMultihashHex: hex(mlDsaPeerIdBytes(key)),
        peerId: mlDsaPeerIdString(key)
      }
    }),
    underRoutingKey: { ...recordsUnderMlDsaKeys(k0, k1), notRecords: othersUnderMlDsaKey(k0) }
  }
}

export async function writeMlDsaPeerIdVectors (): Promise<string> {
  const out = fileURLToPath(new URL('../../../test/vectors/ml-dsa-peer-id.json', import.meta.url))
  await writeFile(out, JSON.stringify(makeMlDsaPeerIdVectors(), null, 2) + '\n')
  return out
}
