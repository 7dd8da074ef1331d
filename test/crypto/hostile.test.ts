import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { ML_DSA_65, ML_KEM_768 } from '../../src/crypto/index.js'
import { concat, flipBit, implementations, seedOf } from './helpers.js'

const message = new TextEncoder().encode('a key record, more or less')
const context = new TextEncoder().encode('keydir/record')

for (const { impl, skip } of implementations) {
  describe(`${impl.name}: hostile input`, { skip }, () => {
    const signer = impl.mlDsa65.createSigner(seedOf(ML_DSA_65.seed, 7))
    const signature = signer.sign(message, context)
    const verify = (publicKey: Uint8Array, msg: Uint8Array, sig: Uint8Array, ctx: Uint8Array): boolean =>
      impl.mlDsa65.verify(publicKey, msg, sig, ctx)

    test('the untouched signature verifies', () => {
      assert.equal(verify(signer.publicKey, message, signature, context), true)
    })

    test('a wrong-length public key or signature gives false', () => {
      const pk = signer.publicKey
      for (const badKey of [new Uint8Array(0), pk.subarray(1), concat(pk, new Uint8Array(1))]) {
        assert.equal(verify(badKey, message, signature, context), false, `public key of ${badKey.length} bytes`)
      }
      for (const badSignature of [new Uint8Array(0), signature.subarray(1), concat(signature, new Uint8Array(1))]) {
        assert.equal(verify(pk, message, badSignature, context), false, `signature of ${badSignature.length} bytes`)
      }
    })

    test('a flipped bit in signature, message or public key gives false', () => {
      for (const bit of [0, 1000, 8 * ML_DSA_65.signature - 1]) {
        assert.equal(verify(signer.publicKey, message, flipBit(signature, bit), context), false, `signature bit ${bit}`)
      }
      for (const bit of [0, 8 * message.length - 1]) {
        assert.equal(verify(signer.publicKey, flipBit(message, bit), signature, context), false, `message bit ${bit}`)
      }
      for (const bit of [0, 8 * ML_DSA_65.publicKey - 1]) {
        assert.equal(verify(flipBit(signer.publicKey, bit), message, signature, context), false, `public key bit ${bit}`)
      }
    })

    test('an empty message gives false for a signature over another, true for its own', () => {
      const empty = new Uint8Array(0)
      assert.equal(verify(signer.publicKey, empty, signature, context), false)
      assert.equal(verify(signer.publicKey, empty, signer.sign(empty, context), context), true)
    })

    test('a wrong, empty or over-long context gives false', () => {
      assert.equal(verify(signer.publicKey, message, signature, flipBit(context, 0)), false)
      assert.equal(verify(signer.publicKey, message, signature, new Uint8Array(0)), false)
      assert.equal(verify(signer.publicKey, message, signature, new Uint8Array(ML_DSA_65.maxContext + 1)), false)
    })

    test('verifyAsync answers as verify does, and never rejects, on the same hostile inputs', async () => {
      const pk = signer.publicKey
      const cases: Array<[Uint8Array, Uint8Array, Uint8Array, Uint8Array]> = [
        [pk, message, signature, context],
        [pk.subarray(1), message, signature, context],
        [pk, message, signature.subarray(1), context],
        [pk, message, flipBit(signature, 1000), context],
        [flipBit(pk, 0), message, signature, context],
        [pk, flipBit(message, 0), signature, context],
        [pk, message, signature, new Uint8Array(0)],
        [pk, message, signature, new Uint8Array(ML_DSA_65.maxContext + 1)],
        [pk, message, seedOf(ML_DSA_65.signature, 0xff), context],
        [seedOf(ML_DSA_65.publicKey, 0xff), message, signature, context]
      ]
      for (const [key, msg, sig, ctx] of cases) {
        assert.equal(await impl.mlDsa65.verifyAsync(key, msg, sig, ctx), verify(key, msg, sig, ctx))
      }
    })

    test('all-zero and all-one signatures give false', () => {
      assert.equal(verify(signer.publicKey, message, seedOf(ML_DSA_65.signature, 0x00), context), false)
      assert.equal(verify(signer.publicKey, message, seedOf(ML_DSA_65.signature, 0xff), context), false)
    })

    test('a 255-byte context signs, a 256-byte one throws', () => {
      assert.equal(verify(signer.publicKey, message, signer.sign(message, new Uint8Array(ML_DSA_65.maxContext)), new Uint8Array(ML_DSA_65.maxContext)), true)
      assert.throws(() => signer.sign(message, new Uint8Array(ML_DSA_65.maxContext + 1)), { name: 'CryptoError', code: 'ERR_BAD_CONTEXT_LENGTH' })
    })

    test('a wrong-length seed throws ERR_BAD_SEED_LENGTH', () => {
      for (const length of [0, ML_DSA_65.seed - 1, ML_DSA_65.seed + 1, ML_KEM_768.seed]) {
        assert.throws(() => impl.mlDsa65.createSigner(new Uint8Array(length)), { name: 'CryptoError', code: 'ERR_BAD_SEED_LENGTH' }, `ML-DSA seed of ${length} bytes`)
      }
      for (const length of [0, ML_DSA_65.seed, ML_KEM_768.seed - 1, ML_KEM_768.seed + 1]) {
        assert.throws(() => impl.mlKem768.createDecapsulator(new Uint8Array(length)), { name: 'CryptoError', code: 'ERR_BAD_SEED_LENGTH' }, `ML-KEM seed of ${length} bytes`)
      }
    })

    test('a wrong-length ciphertext throws ERR_BAD_CIPHERTEXT_LENGTH', () => {
      const decapsulator = impl.mlKem768.createDecapsulator(seedOf(ML_KEM_768.seed, 9))
      const { cipherText } = impl.mlKem768.encapsulate(decapsulator.publicKey)
      for (const bad of [new Uint8Array(0), cipherText.subarray(1), concat(cipherText, new Uint8Array(1))]) {
        assert.throws(() => decapsulator.decapsulate(bad), { name: 'CryptoError', code: 'ERR_BAD_CIPHERTEXT_LENGTH' }, `ciphertext of ${bad.length} bytes`)
      }
    })

    test('a wrong-length or out-of-range ML-KEM public key cannot be encapsulated to', () => {
      const { publicKey } = impl.mlKem768.createDecapsulator(seedOf(ML_KEM_768.seed, 9))
      assert.throws(() => impl.mlKem768.encapsulate(publicKey.subarray(1)), { name: 'CryptoError', code: 'ERR_BAD_PUBLIC_KEY_LENGTH' })
      // 0xfff is above q = 3329, which the FIPS 203 modulus check rejects
      assert.throws(() => impl.mlKem768.encapsulate(seedOf(ML_KEM_768.publicKey, 0xff)), { name: 'CryptoError', code: 'ERR_BAD_PUBLIC_KEY' })
    })
  })
}
