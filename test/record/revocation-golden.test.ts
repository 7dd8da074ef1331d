import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { describe, it } from 'node:test'
import { generateKeyPairFromSeed } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { nativeCrypto, nobleCrypto } from '../../src/crypto/index.js'
import {
  checkRevocationAgainstPin, decodePqkValue, MAX_REVOCATION_BYTES, REVOCATION_DOMAIN, REVOCATION_REASONS, REVOCATION_TAG, revocationSignedBytes,
  RevocationValidator, routingKeyFor, selectPqkValue, unmarshalRevocation
} from '../../src/record/index.js'

/** test/vectors/revocation.json, made by `npm run vectors`; see docs/record-format.md, "Revocation certificate". */
const vectors = JSON.parse(readFileSync(new URL('../../../test/vectors/revocation.json', import.meta.url), 'utf8'))
const fromHex = (hex: string): Uint8Array => Uint8Array.from(Buffer.from(hex, 'hex'))
const toHex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex')

for (const crypto of [nativeCrypto, nobleCrypto]) {
  describe(`golden revocation vectors (${crypto.name})`, () => {
    const validator = new RevocationValidator({ crypto, now: () => vectors.inputs.validAt })

    it('has the constants this implementation uses', () => {
      assert.equal(vectors.context, REVOCATION_DOMAIN)
      assert.equal(vectors.revocationTagHex, toHex(REVOCATION_TAG))
      assert.equal(vectors.maxRevocationBytes, MAX_REVOCATION_BYTES)
      assert.deepEqual(vectors.reasons, REVOCATION_REASONS)
    })

    it('derives the PeerId and ML-DSA-65 keys from the seeds', async () => {
      const privateKey = await generateKeyPairFromSeed('Ed25519', fromHex(vectors.inputs.ed25519SeedHex))
      const [preSigned, afterRotation, byThief] = vectors.valid
      assert.equal(peerIdFromPrivateKey(privateKey).toString(), preSigned.peerId)
      assert.equal(toHex(crypto.mlDsa65.createSigner(fromHex(vectors.inputs.mlDsaSeedHex)).publicKey), preSigned.fields.mlDsaPublicKeyHex)
      assert.equal(toHex(crypto.mlDsa65.createSigner(fromHex(vectors.inputs.nextMlDsaSeedHex)).publicKey), afterRotation.fields.mlDsaPublicKeyHex)
      assert.equal(toHex(crypto.mlDsa65.createSigner(fromHex(vectors.inputs.strangerMlDsaSeedHex)).publicKey), byThief.fields.mlDsaPublicKeyHex)
    })

    for (const vector of vectors.valid) {
      it(`rebuilds and accepts "${vector.name}"`, () => {
        const cert = validator.validateForRoutingKey(fromHex(vector.routingKeyHex), fromHex(vector.certificateHex))
        assert.equal(cert.peerId.toString(), vector.peerId)
        assert.equal(toHex(routingKeyFor(cert.peerId)), vector.routingKeyHex)
        assert.equal(toHex(revocationSignedBytes(cert)), vector.signedBytesHex)
        assert.equal(cert.issuedAt, vector.fields.issuedAt)
        assert.equal(cert.reason, vector.fields.reason)
        assert.equal(toHex(cert.mlDsaPublicKey), vector.fields.mlDsaPublicKeyHex)
        assert.equal(toHex(cert.libp2pSignature), vector.fields.libp2pSignatureHex)
        assert.equal(toHex(cert.mlDsaSignature), vector.fields.mlDsaSignatureHex)
        assert.equal(cert.rotation == null ? null : toHex(cert.rotation.signature), vector.fields.rotation?.signatureHex ?? null)
        assert.equal(decodePqkValue(cert.bytes).kind, 'revocation')
      })
    }

    for (const vector of vectors.invalid) {
      it(`refuses "${vector.name}" with ${vector.error}`, () => {
        assert.throws(() => validator.validateForRoutingKey(fromHex(vector.routingKeyHex), fromHex(vector.certificateHex)),
          (err: any) => err.name === 'RevocationError' && err.code === vector.error)
      })
    }

    it('refuses the KeyRecord as a certificate (ERR_REVOCATION_MALFORMED) and reads it as a record', () => {
      assert.throws(() => unmarshalRevocation(fromHex(vectors.keyRecordHex)), { code: 'ERR_REVOCATION_MALFORMED' })
      assert.equal(decodePqkValue(fromHex(vectors.keyRecordHex)).kind, 'record')
    })

    for (const check of vectors.pinChecks) {
      it(`pin check "${check.name}": ${check.result}`, () => {
        const cert = unmarshalRevocation(fromHex(vectors.valid[check.valid].certificateHex))
        const known = {
          fingerprint: fromHex(check.pinnedFingerprintHex),
          mlDsaPublicKey: fromHex(check.pinnedMlDsaPublicKeyHex),
          earlierFingerprints: check.earlierFingerprintsHex.map(fromHex)
        }
        if (check.result.startsWith('ERR_')) {
          assert.throws(() => checkRevocationAgainstPin(crypto, cert, known), { name: 'RevocationError', code: check.result })
        } else {
          assert.equal(checkRevocationAgainstPin(crypto, cert, known), check.result)
        }
      })
    }

    for (const selection of vectors.selection) {
      it(`selects "${selection.name}"`, () => {
        const values = selection.values.map((v: number | string) => decodePqkValue(fromHex(v === 'keyRecord' ? vectors.keyRecordHex : vectors.valid[v as number].certificateHex)))
        assert.equal(selectPqkValue(values), selection.best)
        assert.equal(selectPqkValue([...values].reverse()), values.length - 1 - selection.best)
      })
    }
  })
}
