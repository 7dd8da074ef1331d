import { CryptoError } from '../errors.js'
import { ML_DSA_65 } from './types.js'

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
