import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { describe, it } from 'node:test'
import { Aes256Gcm, HkdfSha256 } from '@hpke/core'
import { XWing } from '@hpke/hybridkem-x-wing'
import { nobleCrypto, selectPqCrypto } from '../../src/crypto/index.js'
import { NativeXWing, NodeAes256Gcm, NodeHkdfSha256 } from '../../src/envelope/index.js'

/**
 * keydir's X-Wing (native ML-KEM-768, X25519, SHA-3) against the package's
 * own, both ways: the same public key from a seed, and each decapsulates
 * what the other encapsulates to the same shared secret.
 */
describe('X-Wing with native primitives', () => {
  for (const [name, crypto] of [['selected', selectPqCrypto()], ['noble', nobleCrypto]] as const) {
    it(`matches @hpke/hybridkem-x-wing both ways (${name} ML-KEM)`, async () => {
      const reference = new XWing()
      const ours = new NativeXWing(crypto)
      for (let i = 0; i < 5; i++) {
        const seed = new Uint8Array(randomBytes(32))
        const theirPair = await reference.generateKeyPairDerand(seed)
        const ourPair = await ours.generateKeyPairDerand(seed)
        const publicKey = new Uint8Array(await reference.serializePublicKey(theirPair.publicKey))
        assert.deepEqual(new Uint8Array(await ours.serializePublicKey(ourPair.publicKey)), publicKey)

        const toOurs = await reference.encap({ recipientPublicKey: theirPair.publicKey })
        assert.deepEqual(new Uint8Array(await ours.decap({ enc: toOurs.enc, recipientKey: ourPair.privateKey })), new Uint8Array(toOurs.sharedSecret))
        const toTheirs = await ours.encap({ recipientPublicKey: ourPair.publicKey })
        assert.equal(toTheirs.enc.byteLength, 1120)
        assert.deepEqual(new Uint8Array(await reference.decap({ enc: toTheirs.enc, recipientKey: theirPair.privateKey })), new Uint8Array(toTheirs.sharedSecret))
      }
    })
  }

  it('gives another secret for an altered encapsulation, and refuses a small-order X25519 part', async () => {
    const ours = new NativeXWing(selectPqCrypto())
    const pair = await ours.generateKeyPairDerand(new Uint8Array(randomBytes(32)))
    const { enc, sharedSecret } = await ours.encap({ recipientPublicKey: pair.publicKey })
    const altered = new Uint8Array(enc)
    altered[5] ^= 1
    assert.notDeepEqual(new Uint8Array(await ours.decap({ enc: altered, recipientKey: pair.privateKey })), new Uint8Array(sharedSecret))
    const smallOrder = new Uint8Array(enc)
    smallOrder.fill(0, 1088)
    await assert.rejects(ours.decap({ enc: smallOrder, recipientKey: pair.privateKey }))
  })
})

describe('HKDF-SHA256 on Node\'s HMAC', () => {
  it('gives the package\'s bytes for extract, expand and both, lengths 1 to 100', async () => {
    const reference = new HkdfSha256()
    const ours = new NodeHkdfSha256()
    for (const salt of [new Uint8Array(0), new Uint8Array(randomBytes(32))]) {
      const ikm = new Uint8Array(randomBytes(45))
      const prk = await reference.extract(salt, ikm)
      assert.deepEqual(new Uint8Array(await ours.extract(salt, ikm)), new Uint8Array(prk))
      for (const length of [1, 12, 32, 33, 64, 100]) {
        const info = new Uint8Array(randomBytes(length))
        assert.deepEqual(new Uint8Array(await ours.expand(prk, info, length)), new Uint8Array(await reference.expand(prk, info, length)))
        assert.deepEqual(new Uint8Array(await ours.extractAndExpand(salt, ikm, info, length)), new Uint8Array(await reference.extractAndExpand(salt, ikm, info, length)))
      }
    }
  })
})

describe('AES-256-GCM on Node\'s cipher', () => {
  it('seals what the package opens and opens what it seals; refuses a flipped tag', async () => {
    const key = new Uint8Array(randomBytes(32))
    const reference = new Aes256Gcm().createEncryptionContext(key.slice().buffer)
    const ours = new NodeAes256Gcm().createEncryptionContext(key.slice().buffer)
    const iv = new Uint8Array(randomBytes(12))
    const aad = new Uint8Array(randomBytes(9))
    for (const length of [0, 1, 16, 1000]) {
      const data = new Uint8Array(randomBytes(length))
      const sealed = new Uint8Array(await ours.seal(iv, data, aad))
      assert.deepEqual(sealed, new Uint8Array(await reference.seal(iv, data, aad)))
      assert.deepEqual(new Uint8Array(await reference.open(iv, sealed, aad)), data)
      assert.deepEqual(new Uint8Array(await ours.open(iv, sealed, aad)), data)
      sealed[sealed.length - 1] ^= 1
      await assert.rejects(ours.open(iv, sealed, aad))
    }
    await assert.rejects(ours.open(iv, new Uint8Array(15), aad))
  })
})
