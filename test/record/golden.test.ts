import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { describe, it } from 'node:test'
import { generateKeyPairFromSeed } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { nativeCrypto, nobleCrypto } from '../../src/crypto/index.js'
import { KeyRecordValidator, recordSignedBytes, rotationSignedBytes, routingKeyFor, unmarshalKeyRecord, verifyRotationProof } from '../../src/record/index.js'

/** test/vectors/key-record.json, made by `npm run vectors`; see docs/record-format.md. */
const vectors = JSON.parse(readFileSync(new URL('../../../test/vectors/key-record.json', import.meta.url), 'utf8'))
const fromHex = (hex: string): Uint8Array => Uint8Array.from(Buffer.from(hex, 'hex'))
const toHex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex')

for (const crypto of [nativeCrypto, nobleCrypto]) {
  describe(`golden key-record vectors (${crypto.name})`, () => {
    const validator = new KeyRecordValidator({ crypto, now: () => vectors.inputs.validAt })

    it('derives the PeerId and public keys from the seeds', async () => {
      const privateKey = await generateKeyPairFromSeed('Ed25519', fromHex(vectors.inputs.ed25519SeedHex))
      const [plain, rotated] = vectors.valid
      assert.equal(peerIdFromPrivateKey(privateKey).toString(), plain.peerId)
      assert.equal(toHex(crypto.mlDsa65.createSigner(fromHex(vectors.inputs.mlDsaSeedHex)).publicKey), plain.fields.mlDsaPublicKeyHex)
      assert.equal(toHex(crypto.mlKem768.createDecapsulator(fromHex(vectors.inputs.mlKemSeedHex)).publicKey), plain.fields.mlKemPublicKeyHex)
      assert.equal(toHex(crypto.mlDsa65.createSigner(fromHex(vectors.inputs.nextMlDsaSeedHex)).publicKey), rotated.fields.mlDsaPublicKeyHex)
    })

    for (const vector of vectors.valid) {
      it(`rebuilds and accepts "${vector.name}"`, () => {
        const record = validator.validateForRoutingKey(fromHex(vector.routingKeyHex), fromHex(vector.recordHex))
        assert.equal(record.peerId.toString(), vector.peerId)
        assert.equal(toHex(routingKeyFor(record.peerId)), vector.routingKeyHex)
        assert.equal(toHex(recordSignedBytes(record)), vector.signedBytesHex)
        assert.equal(record.seq, vector.fields.seq)
        assert.equal(record.expiresAt, vector.fields.expiresAt)
      })
    }

    it('verifies the rotation proof against the previous key', () => {
      const rotatedVector = vectors.valid[1]
      const record = unmarshalKeyRecord(fromHex(rotatedVector.recordHex))
      assert.equal(toHex(rotationSignedBytes(record.peerId, record.rotation!.previousFingerprint, record.mlDsaPublicKey)), rotatedVector.rotationSignedBytesHex)
      assert.equal(verifyRotationProof(crypto, record, fromHex(rotatedVector.previousMlDsaPublicKeyHex)), true)
    })

    for (const vector of vectors.invalid) {
      it(`refuses "${vector.name}" with ${vector.error}`, () => {
        assert.throws(() => validator.validateForRoutingKey(fromHex(vectors.valid[0].routingKeyHex), fromHex(vector.recordHex)),
          (err: any) => err.code === vector.error)
      })
    }
  })
}
