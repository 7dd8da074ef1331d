import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { describe, it } from 'node:test'
import { generateKeyPairFromSeed } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { expandXWingSeed, nativeCrypto, nobleCrypto } from '../../src/crypto/index.js'
import { fingerprint } from '../../src/crypto/index.js'
import {
  KeyRecordValidator, MAX_HISTORY_LINKS, MAX_RECORD_BYTES, RECORD_V2_DOMAIN, recordHash, recordSignedBytes, replacesSameRecord, rotationSignedBytes, routingKeyFor, unmarshalKeyRecord,
  verifyRotationProof
} from '../../src/record/index.js'
import { nextPin } from '../../src/registry/pins.js'
import type { Pin } from '../../src/registry/index.js'

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
      // K2, K3, K4 from the later seeds.
      vectors.inputs.laterMlDsaSeedsHex.forEach((seedHex: string, i: number) => {
        const record = unmarshalKeyRecord(fromHex(vectors.valid[2 + i].recordHex))
        assert.equal(toHex(crypto.mlDsa65.createSigner(fromHex(seedHex)).publicKey), toHex(record.mlDsaPublicKey))
        assert.equal(toHex(crypto.mlKem768.createDecapsulator(fromHex(vectors.inputs.laterMlKemSeedsHex[i])).publicKey), toHex(record.mlKemPublicKey))
      })
    })

    for (const vector of vectors.valid) {
      it(`rebuilds and accepts "${vector.name}"`, () => {
        const record = validator.validateForRoutingKey(fromHex(vector.routingKeyHex), fromHex(vector.recordHex))
        assert.equal(record.peerId.toString(), vector.peerId)
        assert.equal(toHex(routingKeyFor(record.peerId)), vector.routingKeyHex)
        if (vector.signedBytesHex !== undefined) assert.equal(toHex(recordSignedBytes(record)), vector.signedBytesHex)
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

    it('chains the history records: each names the one before, and carries the hand-overs before its proof', () => {
      assert.equal(vectors.maxHistoryLinks, MAX_HISTORY_LINKS)
      const records = vectors.valid.map((v: any) => unmarshalKeyRecord(fromHex(v.recordHex)))
      for (let i = 2; i < records.length; i++) {
        assert.deepEqual(records[i].previousRecordHash, recordHash(records[i - 1].bytes))
        assert.deepEqual(records[i].rotation.previousFingerprint, fingerprint(records[i - 1].mlDsaPublicKey))
        assert.deepEqual(records[i].history.map((link: any) => toHex(link.mlDsaPublicKey)), records.slice(Math.max(1, i - 2), i).reverse().map((r: any) => toHex(r.mlDsaPublicKey)))
      }
      assert.equal(records[1].previousRecordHash, undefined, 'the old vectors have no history')
    })

    for (const vector of vectors.history) {
      it(`history: ${vector.name} -> ${vector.error ?? `${vector.rotations as number} rotations`}`, () => {
        const bytes = fromHex(vector.recordHex ?? vectors.valid.find((v: any) => v.name === vector.record).recordHex)
        const record = validator.validateForRoutingKey(fromHex(vectors.valid[0].routingKeyHex), bytes)
        // The registry's own step (nextPin): followHistory, and for a pin from a configured anchor ERR_ANCHOR_CONFLICT for ERR_KEY_CHANGED.
        const pinned: Pin = {
          fingerprint: fromHex(vector.pinned.fingerprintHex),
          mlDsaPublicKey: vector.pinned.mlDsaPublicKeyHex === undefined ? undefined : fromHex(vector.pinned.mlDsaPublicKeyHex),
          superseded: vector.pinned.supersededHex.map(fromHex),
          highestSeq: 0,
          source: vector.pinned.anchor === true ? 'anchor' : 'seen'
        }
        const admit = (): number => {
          if (vector.stored !== undefined) {
            const stored = unmarshalKeyRecord(fromHex(vectors.valid.find((v: any) => v.name === vector.stored).recordHex))
            if (record.seq > stored.seq && replacesSameRecord(stored, record)) return -1
          }
          return nextPin(crypto, pinned, record, fingerprint(record.mlDsaPublicKey)).handOvers
        }
        if (vector.error === undefined) {
          assert.equal(admit(), vector.rotations)
        } else if (vector.stored !== undefined) {
          assert.equal(admit(), -1, 'the record replaces the stored record\'s predecessor again')
        } else {
          assert.throws(admit, (err: any) => err.code === vector.error)
        }
      })
    }

    describe('version 2', () => {
      const v2 = vectors.version2

      it('derives the ML-KEM-768 and X25519 keys from the X-Wing seeds', () => {
        assert.equal(v2.contexts.record, RECORD_V2_DOMAIN)
        for (const [vector, seedHex] of [[v2.valid[0], v2.inputs.kemSeedHex], [v2.valid[1], v2.inputs.rotatedKemSeedHex]]) {
          const expanded = expandXWingSeed(fromHex(seedHex))
          assert.equal(toHex(expanded.x25519PublicKey), vector.fields.x25519PublicKeyHex)
          assert.equal(toHex(crypto.mlKem768.createDecapsulator(expanded.mlKemSeed).publicKey), vector.fields.mlKemPublicKeyHex)
        }
        assert.equal(v2.valid[0].fields.x25519PublicKeyHex, v2.inputs.x25519PublicKeyHex)
      })

      for (const vector of v2.valid) {
        it(`rebuilds and accepts "${vector.name as string}"`, () => {
          const record = validator.validateForRoutingKey(fromHex(vector.routingKeyHex), fromHex(vector.recordHex))
          assert.equal(toHex(record.x25519PublicKey!), vector.fields.x25519PublicKeyHex)
          assert.equal(toHex(recordSignedBytes(record)), vector.signedBytesHex)
          assert.ok(vector.signedBytesHex.startsWith(toHex(new TextEncoder().encode(RECORD_V2_DOMAIN)) + '00'))
          if (vector.sizeBytes !== undefined) {
            assert.equal(record.bytes.length, vector.sizeBytes)
            assert.ok(record.bytes.length <= MAX_RECORD_BYTES)
          }
        })
      }

      for (const vector of v2.invalid) {
        it(`refuses "${vector.name as string}" with ${vector.error as string}`, () => {
          assert.throws(() => validator.validateForRoutingKey(fromHex(vector.routingKeyHex), fromHex(vector.recordHex)),
            (err: any) => err.code === vector.error)
        })
      }
    })

    for (const vector of vectors.invalid) {
      it(`refuses "${vector.name}" with ${vector.error}`, () => {
        assert.throws(() => validator.validateForRoutingKey(fromHex(vector.routingKeyHex), fromHex(vector.recordHex)),
          (err: any) => err.code === vector.error)
      })
    }
  })
}
