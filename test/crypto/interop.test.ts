import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { describe, test } from 'node:test'
import { hasNativePqCrypto, ML_DSA_65, ML_KEM_768, nativeCrypto, nobleCrypto } from '../../src/crypto/index.js'
import { toHex } from './helpers.js'

const pairs = [
  { from: nativeCrypto, to: nobleCrypto },
  { from: nobleCrypto, to: nativeCrypto }
]
const message = new TextEncoder().encode('a key record, more or less')
const context = new TextEncoder().encode('keydir/record')

describe('native and noble agree', { skip: hasNativePqCrypto() ? false : 'node:crypto has no ML-DSA-65 / ML-KEM-768 here' }, () => {
  test('the same seed gives the same public keys', () => {
    for (let i = 0; i < 5; i++) {
      const dsaSeed = randomBytes(ML_DSA_65.seed)
      const kemSeed = randomBytes(ML_KEM_768.seed)
      assert.equal(toHex(nativeCrypto.mlDsa65.createSigner(dsaSeed).publicKey), toHex(nobleCrypto.mlDsa65.createSigner(dsaSeed).publicKey))
      assert.equal(toHex(nativeCrypto.mlKem768.createDecapsulator(kemSeed).publicKey), toHex(nobleCrypto.mlKem768.createDecapsulator(kemSeed).publicKey))
    }
  })

  for (const { from, to } of pairs) {
    test(`a ${from.name} signature verifies with ${to.name}, only under its context`, () => {
      const signer = from.mlDsa65.createSigner(randomBytes(ML_DSA_65.seed))
      const signature = signer.sign(message, context)
      assert.equal(to.mlDsa65.verify(signer.publicKey, message, signature, context), true)
      assert.equal(to.mlDsa65.verify(signer.publicKey, message, signature, new Uint8Array(0)), false)
    })

    test(`a ${from.name} signature made off the event loop (signAsync) verifies with ${to.name}; a bad context is refused`, async () => {
      const signer = from.mlDsa65.createSigner(randomBytes(ML_DSA_65.seed))
      const signature = await signer.signAsync(message, context)
      assert.equal(signature.length, ML_DSA_65.signature)
      assert.ok(!Buffer.isBuffer(signature))
      assert.equal(to.mlDsa65.verify(signer.publicKey, message, signature, context), true)
      assert.equal(to.mlDsa65.verify(signer.publicKey, message, signature, new Uint8Array(0)), false)
      await assert.rejects(signer.signAsync(message, new Uint8Array(ML_DSA_65.maxContext + 1)), { name: 'CryptoError', code: 'ERR_BAD_CONTEXT_LENGTH' })
    })

    test(`a ${from.name} signature verifies off the event loop with ${to.name} (verifyAsync), only under its context`, async () => {
      const signer = from.mlDsa65.createSigner(randomBytes(ML_DSA_65.seed))
      const signature = await signer.signAsync(message, context)
      assert.equal(await to.mlDsa65.verifyAsync(signer.publicKey, message, signature, context), true)
      assert.equal(await to.mlDsa65.verifyAsync(signer.publicKey, message, signature, new Uint8Array(0)), false)
    })

    test(`a ${from.name} ciphertext decapsulates with ${to.name} to the same secret`, () => {
      const seed = randomBytes(ML_KEM_768.seed)
      const { cipherText, sharedSecret } = from.mlKem768.encapsulate(to.mlKem768.createDecapsulator(seed).publicKey)
      assert.equal(toHex(to.mlKem768.createDecapsulator(seed).decapsulate(cipherText)), toHex(sharedSecret))
    })
  }

  test('both return plain Uint8Arrays, not Buffers', () => {
    for (const impl of [nativeCrypto, nobleCrypto]) {
      const signer = impl.mlDsa65.createSigner(randomBytes(ML_DSA_65.seed))
      const decapsulator = impl.mlKem768.createDecapsulator(randomBytes(ML_KEM_768.seed))
      const { cipherText, sharedSecret } = impl.mlKem768.encapsulate(decapsulator.publicKey)
      for (const bytes of [signer.publicKey, signer.sign(message, context), decapsulator.publicKey, cipherText, sharedSecret, decapsulator.decapsulate(cipherText)]) {
        assert.equal(Object.getPrototypeOf(bytes), Uint8Array.prototype, impl.name)
      }
    }
  })
})
