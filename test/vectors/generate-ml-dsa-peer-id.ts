/**
 * Writes test/vectors/ml-dsa-peer-id.json: the PeerId each golden ML-DSA-65
 * key (K0, K1 of key-record.json) has under libp2p's RFC 0004 draft, with
 * the libp2p PublicKey protobuf it is the SHA-256 of (docs/record-format.md,
 * "ML-DSA PeerId"). Deterministic: ML-DSA-65 key generation from a seed is.
 */
import { writeFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { selectPqCrypto } from '../../src/crypto/index.js'
import { mlDsaLibp2pPublicKey, mlDsaPeerIdBytes, mlDsaPeerIdString } from '../../src/record/index.js'
import { GOLDEN } from './golden.js'

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex')

export function makeMlDsaPeerIdVectors (): Record<string, unknown> {
  const crypto = selectPqCrypto()
  const keys = [['K0', GOLDEN.mlDsaSeed], ['K1', GOLDEN.nextMlDsaSeed]] as const
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
    })
  }
}

export async function writeMlDsaPeerIdVectors (): Promise<string> {
  const out = fileURLToPath(new URL('../../../test/vectors/ml-dsa-peer-id.json', import.meta.url))
  await writeFile(out, JSON.stringify(makeMlDsaPeerIdVectors(), null, 2) + '\n')
  return out
}
