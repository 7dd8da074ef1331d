import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { describe, it } from 'node:test'
import { generateKeyPairFromSeed } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey, peerIdFromString } from '@libp2p/peer-id'
import { nativeCrypto, nobleCrypto } from '../../src/crypto/index.js'
import {
  checkEquivocationAgainstPin, decodePqkValue, differingFields, EQUIVOCATION_TAG, EquivocationValidator, MAX_EVIDENCE_BYTES, recordDigest, recordSignedBytes,
  routingKeyFor, selectPqkValue
} from '../../src/record/index.js'

/** test/vectors/equivocation.json, made by `npm run vectors`; see docs/record-format.md, "Equivocation proof". */
const vectors = JSON.parse(readFileSync(new URL('../../../test/vectors/equivocation.json', import.meta.url), 'utf8'))
const fromHex = (hex: string): Uint8Array => Uint8Array.from(Buffer.from(hex, 'hex'))
const toHex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex')

/** An invalid vector's bytes: written out, or (too big to write) its prefix then zeros to its length. */
function bytesOf (vector: { proofHex: string | null, lengthBytes?: number, prefixHex?: string }): Uint8Array {
  if (vector.proofHex !== null) return fromHex(vector.proofHex)
  const bytes = new Uint8Array(vector.lengthBytes!)
  bytes.set(fromHex(vector.prefixHex!))
  return bytes
}

for (const crypto of [nativeCrypto, nobleCrypto]) {
  describe(`golden equivocation vectors (${crypto.name})`, () => {
    const validator = new EquivocationValidator({ crypto })

    it('has the constants this implementation uses', () => {
      assert.equal(vectors.equivocationTagHex, toHex(EQUIVOCATION_TAG))
      assert.equal(vectors.maxEvidenceBytes, MAX_EVIDENCE_BYTES)
    })

    it('derives the PeerId from the seed', async () => {
      const privateKey = await generateKeyPairFromSeed('Ed25519', fromHex(vectors.inputs.ed25519SeedHex))
      assert.equal(peerIdFromPrivateKey(privateKey).toString(), vectors.valid[0].peerId)
    })

    it('accepts the valid proofs, long after their records expired, and rebuilds what they say', () => {
      const [proofVector] = vectors.valid
      const proof = validator.validateForRoutingKey(fromHex(proofVector.routingKeyHex), fromHex(proofVector.proofHex))
      assert.equal(proof.peerId.toString(), proofVector.peerId)
      assert.equal(proof.seq, proofVector.seq)
      proof.records.forEach((record, i) => {
        assert.equal(toHex(recordDigest(record)), proofVector.records[i].sha256Hex)
        assert.equal(toHex(recordSignedBytes(record)), proofVector.records[i].signedBytesHex)
        assert.equal(toHex(record.bytes), proofVector.records[i].recordHex)
      })
      assert.deepEqual(differingFields(proof.records[0], proof.records[1]), proofVector.differs)
      assert.equal(decodePqkValue(proof.bytes).kind, 'equivocation')
      assert.equal(validator.validate(fromHex(vectors.valid[1].proofHex)).peerId.toString(), vectors.valid[1].peerId)
    })

    for (const vector of vectors.invalid) {
      it(`refuses "${vector.name}" with ${vector.error as string}`, () => {
        const expected = vector.expectedPeerId === undefined ? undefined : peerIdFromString(vector.expectedPeerId)
        assert.throws(() => validator.validate(bytesOf(vector), expected), (err: any) => err.name === 'EvidenceError' && err.code === vector.error)
      })
    }

    for (const vector of vectors.pin) {
      it(`against a pin: ${vector.name as string}`, () => {
        const proof = validator.validate(fromHex(vectors.valid[vector.proof].proofHex))
        const check = (): void => { checkEquivocationAgainstPin(crypto, proof, { fingerprint: fromHex(vector.pinFingerprintHex) }) }
        if (vector.takes === true) check()
        else assert.throws(check, (err: any) => err.code === vector.error)
      })
    }

    it('ranks the proof over the record it was made from', () => {
      const proofBytes = fromHex(vectors.valid[0].proofHex)
      const record = fromHex(vectors.valid[0].records[0].recordHex)
      const values = vectors.selection[0].values.map((v: string) => decodePqkValue(v === 'proof' ? proofBytes : record))
      assert.equal(selectPqkValue(values), vectors.selection[0].best)
      assert.equal(toHex(routingKeyFor(peerIdFromString(vectors.valid[0].peerId))), vectors.valid[0].routingKeyHex)
    })
  })
}
