import { CryptoError } from '../errors.js'
import { ML_DSA_65, ML_KEM_768 } from './types.js'

/**
 * Input checks both implementations share, so that native and noble reject
 * the same bytes with the same error code instead of each library's own
 * message.
 */
export function requireLength (bytes: Uint8Array, length: number, code: string, what: string): void {
  if (bytes.length !== length) {
    throw new CryptoError(code, `${what} must be ${length} bytes, got ${bytes.length}`)
  }
}

export function requireContext (context: Uint8Array): void {
  if (context.length > ML_DSA_65.maxContext) {
    throw new CryptoError('ERR_BAD_CONTEXT_LENGTH', `ML-DSA context must be at most ${ML_DSA_65.maxContext} bytes, got ${context.length}`)
  }
}

/** Whether verify's inputs have the lengths FIPS 204 allows; anything else cannot verify. */
export function hasVerifiableLengths (publicKey: Uint8Array, signature: Uint8Array, context: Uint8Array): boolean {
  return publicKey.length === ML_DSA_65.publicKey &&
    signature.length === ML_DSA_65.signature &&
    context.length <= ML_DSA_65.maxContext
}

/** ML-KEM's modulus q. */
const ML_KEM_Q = 3329
/** The bytes of ML-KEM-768's t-hat: k = 3 polynomials of 256 12-bit coefficients. */
const ML_KEM_768_T_BYTES = 384 * 3

/**
 * FIPS 203's encapsulation-key check (section 7.2): the key is 1184 bytes
 * and every 12-bit coefficient of t-hat is below q, so that decoding and
 * re-encoding it gives the same bytes. A key that fails it (all 0xff, say)
 * is not an ML-KEM key; a sender must refuse to encapsulate to it.
 */
export function isMlKem768EncapsulationKey (key: Uint8Array): boolean {
  if (key.length !== ML_KEM_768.publicKey) return false
  for (let i = 0; i < ML_KEM_768_T_BYTES; i += 3) {
    const low = key[i] | ((key[i + 1] & 0x0f) << 8)
    const high = (key[i + 1] >> 4) | (key[i + 2] << 4)
    if (low >= ML_KEM_Q || high >= ML_KEM_Q) return false
  }
  return true
}
