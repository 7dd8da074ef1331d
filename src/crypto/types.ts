/**
 * The one small interface keydir needs from post-quantum crypto. Two
 * implementations sit behind it: `node:crypto` (OpenSSL 3.5, native) and
 * @noble/post-quantum (portable JS). Both take and give the standard FIPS
 * 203 / FIPS 204 byte strings, so either verifies what the other signs.
 *
 * Secret keys are kept as seeds (32 bytes for ML-DSA-65, 64 bytes d || z for
 * ML-KEM-768): that is what the identity files store and what both
 * libraries expand the same way.
 *
 * Rules shared by both implementations:
 * - `verify` never throws on hostile input: a wrong-length key or signature,
 *   an empty message or a flipped bit returns `false`.
 * - Functions that take our own secrets (`createSigner`, `createDecapsulator`)
 *   throw a CryptoError on a seed of the wrong length.
 * - `decapsulate` throws a CryptoError on a ciphertext of the wrong length;
 *   a well-formed but altered ciphertext gives the implicit-rejection secret,
 *   as FIPS 203 requires.
 */

export const ML_DSA_65 = {
  seed: 32,
  publicKey: 1952,
  signature: 3309,
  /** FIPS 204 caps the context string at 255 bytes. */
  maxContext: 255
} as const

export const ML_KEM_768 = {
  seed: 64,
  publicKey: 1184,
  cipherText: 1088,
  sharedSecret: 32
} as const

export interface MlDsaSigner {
  readonly publicKey: Uint8Array
  /** signAsync runs on another thread (native), so work started beside it overlaps. */
  readonly signsOffEventLoop: boolean
  sign (message: Uint8Array, context: Uint8Array): Uint8Array
  /**
   * The same signature, made off the event loop where the implementation
   * can (native: libuv's thread pool), so a node keeps serving while it
   * signs. A signature costs about a millisecond: the key exchange signs
   * this way while its stream opens.
   */
  signAsync (message: Uint8Array, context: Uint8Array): Promise<Uint8Array>
}

export interface MlKemDecapsulator {
  readonly publicKey: Uint8Array
  decapsulate (cipherText: Uint8Array): Uint8Array
}

export interface Encapsulation {
  cipherText: Uint8Array
  sharedSecret: Uint8Array
}

export interface MlDsa65 {
  /** A signer for the key pair made from `seed` (32 bytes). */
  createSigner (seed: Uint8Array): MlDsaSigner
  /** True only for a valid signature; false for anything else, never a throw. */
  verify (this: void, publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array, context: Uint8Array): boolean
  /**
   * The same answer, computed off the event loop where the implementation
   * can (native: libuv's thread pool), so that two verifies can run at once
   * on two cores. Never rejects.
   */
  verifyAsync (publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array, context: Uint8Array): Promise<boolean>
}

export interface MlKem768 {
  /** A decapsulator for the key pair made from `seed` (64 bytes, d || z). */
  createDecapsulator (seed: Uint8Array): MlKemDecapsulator
  encapsulate (publicKey: Uint8Array): Encapsulation
}

export type PqCryptoName = 'native' | 'noble'

export interface PqCrypto {
  readonly name: PqCryptoName
  readonly mlDsa65: MlDsa65
  readonly mlKem768: MlKem768
}
