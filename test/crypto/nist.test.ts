import assert from 'node:assert/strict'
import * as nodeCrypto from 'node:crypto'
import { describe, test } from 'node:test'
import { ml_dsa65 } from '@noble/post-quantum/ml-dsa.js'
import { ml_kem768 } from '@noble/post-quantum/ml-kem.js'
import { ML_DSA_65, ML_KEM_768, type PqCryptoName } from '../../src/crypto/index.js'
import { concat, flipBit, fromHex, implementations, toHex } from './helpers.js'
import { mlDsaKeyGen, mlDsaSigVer, mlKemDecapsulation, mlKemEncapsulation, mlKemKeyGen } from './nist-vectors.js'
import { exportExpandedKey, importExpandedKey } from './pkcs8.js'

/**
 * Our interface holds secrets as seeds only, so checks against the vectors'
 * expanded keys (ML-DSA sk, ML-KEM dk) go to the library underneath, the
 * same one the implementation calls.
 */
const expandedKeys: Record<PqCryptoName, {
  mlDsaSecretKey: (seed: Uint8Array) => Uint8Array
  mlKemSecretKey: (seed: Uint8Array) => Uint8Array
  decapsulateWithExpandedKey: (dk: Uint8Array, cipherText: Uint8Array) => Uint8Array
}> = {
  native: {
    mlDsaSecretKey: (seed) => exportExpandedKey('ml-dsa-65', seed, 4032),
    mlKemSecretKey: (seed) => exportExpandedKey('ml-kem-768', seed, 2400),
    decapsulateWithExpandedKey: (dk, cipherText) => nodeCrypto.decapsulate(importExpandedKey('ml-kem-768', dk), cipherText)
  },
  noble: {
    mlDsaSecretKey: (seed) => ml_dsa65.keygen(seed).secretKey,
    mlKemSecretKey: (seed) => ml_kem768.keygen(seed).secretKey,
    decapsulateWithExpandedKey: (dk, cipherText) => ml_kem768.decapsulate(cipherText, dk)
  }
}

/** FIPS 203 implicit rejection: a bad ciphertext decapsulates to J(z || c). */
function implicitRejectionKey (z: Uint8Array, cipherText: Uint8Array): string {
  return nodeCrypto.createHash('shake256', { outputLength: ML_KEM_768.sharedSecret }).update(z).update(cipherText).digest('hex')
}

for (const { impl, skip } of implementations) {
  const library = expandedKeys[impl.name]

  describe(`${impl.name}: NIST ACVP ML-DSA-65`, { skip }, () => {
    test('keyGen: the public key from each seed', () => {
      for (const v of mlDsaKeyGen) {
        assert.equal(toHex(impl.mlDsa65.createSigner(fromHex(v.seed)).publicKey), v.pk, `tcId ${v.tcId}`)
      }
    })

    test('keyGen: the library expands each seed to the vector secret key', () => {
      for (const v of mlDsaKeyGen) {
        assert.equal(toHex(library.mlDsaSecretKey(fromHex(v.seed))), v.sk, `tcId ${v.tcId}`)
      }
    })

    test('keyGen: our signatures verify under the vector public key', () => {
      const message = new TextEncoder().encode('keydir')
      const context = new TextEncoder().encode('keydir-test')
      for (const v of mlDsaKeyGen) {
        const signature = impl.mlDsa65.createSigner(fromHex(v.seed)).sign(message, context)
        assert.equal(signature.length, ML_DSA_65.signature)
        assert.equal(impl.mlDsa65.verify(fromHex(v.pk), message, signature, context), true, `tcId ${v.tcId}`)
      }
    })

    test('sigVer: verify returns exactly testPassed for all 10 cases', () => {
      assert.equal(mlDsaSigVer.length, 10)
      for (const v of mlDsaSigVer) {
        const verified = impl.mlDsa65.verify(fromHex(v.pk), fromHex(v.message), fromHex(v.signature), fromHex(v.context))
        assert.equal(verified, v.testPassed, `tcId ${v.tcId}`)
      }
    })
  })

  describe(`${impl.name}: NIST ACVP ML-KEM-768`, { skip }, () => {
    test('keyGen: the public key (ek) from each seed d || z', () => {
      for (const v of mlKemKeyGen) {
        const decapsulator = impl.mlKem768.createDecapsulator(concat(fromHex(v.d), fromHex(v.z)))
        assert.equal(toHex(decapsulator.publicKey), v.ek, `tcId ${v.tcId}`)
      }
    })

    test('keyGen: the library expands each seed to the vector dk', () => {
      for (const v of mlKemKeyGen) {
        assert.equal(toHex(library.mlKemSecretKey(concat(fromHex(v.d), fromHex(v.z)))), v.dk, `tcId ${v.tcId}`)
      }
    })

    // node:crypto cannot be handed the randomness m, so for native the
    // vector is checked from the other side: its c decapsulates to its k.
    test('encapsulation: the vector c decapsulates to k under the vector dk', () => {
      for (const v of mlKemEncapsulation) {
        assert.equal(toHex(library.decapsulateWithExpandedKey(fromHex(v.dk), fromHex(v.c))), v.k, `tcId ${v.tcId}`)
      }
    })

    test('encapsulation: our encapsulate to the vector ek matches decapsulation under the vector dk', () => {
      for (const v of mlKemEncapsulation) {
        const { cipherText, sharedSecret } = impl.mlKem768.encapsulate(fromHex(v.ek))
        assert.equal(cipherText.length, ML_KEM_768.cipherText)
        assert.equal(toHex(library.decapsulateWithExpandedKey(fromHex(v.dk), cipherText)), toHex(sharedSecret), `tcId ${v.tcId}`)
      }
    })

    test('decapsulation: valid and modified ciphertexts give k', () => {
      assert.deepEqual(new Set(mlKemDecapsulation.map((v) => v.reason)), new Set(['valid decapsulation', 'modified ciphertext']))
      for (const v of mlKemDecapsulation) {
        assert.equal(toHex(library.decapsulateWithExpandedKey(fromHex(v.dk), fromHex(v.c))), v.k, `tcId ${v.tcId} (${v.reason})`)
      }
    })

    test('decapsulation through our interface: a modified ciphertext gives J(z || c)', () => {
      for (const v of mlKemKeyGen) {
        const decapsulator = impl.mlKem768.createDecapsulator(concat(fromHex(v.d), fromHex(v.z)))
        const { cipherText, sharedSecret } = impl.mlKem768.encapsulate(decapsulator.publicKey)
        assert.equal(toHex(decapsulator.decapsulate(cipherText)), toHex(sharedSecret), `tcId ${v.tcId}`)
        const modified = flipBit(cipherText, 8 * v.tcId)
        assert.equal(toHex(decapsulator.decapsulate(modified)), implicitRejectionKey(fromHex(v.z), modified), `tcId ${v.tcId}`)
      }
    })
  })
}

test('noble: NIST ACVP ML-KEM-768 encapsulation with the vector m gives c and k', () => {
  for (const v of mlKemEncapsulation) {
    const { cipherText, sharedSecret } = ml_kem768.encapsulate(fromHex(v.ek), fromHex(v.m))
    assert.equal(toHex(cipherText), v.c, `tcId ${v.tcId}`)
    assert.equal(toHex(sharedSecret), v.k, `tcId ${v.tcId}`)
  }
})
