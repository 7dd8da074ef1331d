import { ml_dsa65 } from '@noble/post-quantum/ml-dsa.js'
import { ml_kem768 } from '@noble/post-quantum/ml-kem.js'
import { CryptoError } from '../errors.js'
import { hasVerifiableLengths, requireContext, requireLength } from './checks.js'
import { ML_DSA_65, ML_KEM_768, type MlDsa65, type MlKem768, type PqCrypto } from './types.js'

function verify (publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array, context: Uint8Array): boolean {
  if (!hasVerifiableLengths(publicKey, signature, context)) {
    return false
  }
  // noble throws on input it cannot parse; for verify that is just "not valid"
  try {
    return ml_dsa65.verify(signature, message, publicKey, { context })
  } catch {
    return false
  }
}

const mlDsa65: MlDsa65 = {
  createSigner (seed) {
    requireLength(seed, ML_DSA_65.seed, 'ERR_BAD_SEED_LENGTH', 'ML-DSA-65 seed')
    const { publicKey, secretKey } = ml_dsa65.keygen(seed)
    const sign = (message: Uint8Array, context: Uint8Array): Uint8Array => {
      requireContext(context)
      return ml_dsa65.sign(message, secretKey, { context })
    }
    return {
      publicKey,
      signsOffEventLoop: false,
      sign,
      // noble is synchronous JavaScript: there is no thread to move the work to.
      signAsync: async (message, context) => sign(message, context)
    }
  },

  verify,
  // noble is synchronous JavaScript: there is no thread to move the work to.
  verifyAsync: async (publicKey, message, signature, context) => verify(publicKey, message, signature, context)
}

const mlKem768: MlKem768 = {
  createDecapsulator (seed) {
    requireLength(seed, ML_KEM_768.seed, 'ERR_BAD_SEED_LENGTH', 'ML-KEM-768 seed (d || z)')
    const { publicKey, secretKey } = ml_kem768.keygen(seed)
    return {
      publicKey,
      decapsulate (cipherText) {
        requireLength(cipherText, ML_KEM_768.cipherText, 'ERR_BAD_CIPHERTEXT_LENGTH', 'ML-KEM-768 ciphertext')
        return ml_kem768.decapsulate(cipherText, secretKey)
      }
    }
  },

  encapsulate (publicKey) {
    requireLength(publicKey, ML_KEM_768.publicKey, 'ERR_BAD_PUBLIC_KEY_LENGTH', 'ML-KEM-768 public key')
    try {
      return ml_kem768.encapsulate(publicKey)
    } catch (err) {
      throw new CryptoError('ERR_BAD_PUBLIC_KEY', 'ML-KEM-768 public key fails the FIPS 203 modulus check', { cause: err })
    }
  }
}

/** ML-DSA-65 and ML-KEM-768 from @noble/post-quantum: portable, slower. */
export const nobleCrypto: PqCrypto = { name: 'noble', mlDsa65, mlKem768 }
