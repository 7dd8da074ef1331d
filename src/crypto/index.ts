/**
 * Post-quantum crypto for keydir: ML-DSA-65 signatures and ML-KEM-768 key
 * encapsulation behind one interface, from node:crypto where this Node has
 * them and from @noble/post-quantum otherwise.
 *
 * @example
 * ```ts
 * import { selectPqCrypto, fingerprint } from './crypto/index.js'
 *
 * const pq = selectPqCrypto() // KEYDIR_CRYPTO=native|noble|auto, default auto
 * const signer = pq.mlDsa65.createSigner(seed)
 * const signature = signer.sign(message, context)
 * pq.mlDsa65.verify(signer.publicKey, message, signature, context) // true
 * fingerprint(signer.publicKey) // 32 bytes
 * ```
 */
import { createHash } from 'node:crypto'
import { CryptoError } from '../errors.js'
import { hasNativePqCrypto, nativeCrypto } from './native.js'
import { nobleCrypto } from './noble.js'
import type { PqCrypto, PqCryptoName } from './types.js'

export * from './types.js'
export { hasNativePqCrypto, nativeCrypto } from './native.js'
export { nobleCrypto } from './noble.js'
export { expandXWingSeed, x25519KeyProblem, x25519PublicKeyOf, x25519PrivateKeyObject, x25519PublicKeyObject, x25519RawPublicKey, X_WING, type ExpandedXWingSeed, type X25519KeyProblem } from './x-wing.js'

export type PqCryptoChoice = PqCryptoName | 'auto'

/** The environment variable that picks the implementation when no argument does. */
export const CRYPTO_ENV_VAR = 'KEYDIR_CRYPTO'

/**
 * The implementation to use: `prefer` if given, else the KEYDIR_CRYPTO
 * environment variable, else `auto` (native where available, noble
 * otherwise). Throws a CryptoError for an unknown choice, or for `native` on
 * a Node that lacks ML-DSA / ML-KEM.
 */
export function selectPqCrypto (prefer?: PqCryptoChoice): PqCrypto {
  const fromEnv = process.env[CRYPTO_ENV_VAR]
  const source = prefer !== undefined ? 'selectPqCrypto()' : CRYPTO_ENV_VAR
  const choice: string = prefer ?? (fromEnv === '' ? undefined : fromEnv) ?? 'auto'

  switch (choice) {
    case 'noble':
      return nobleCrypto
    case 'auto':
      return hasNativePqCrypto() ? nativeCrypto : nobleCrypto
    case 'native':
      if (!hasNativePqCrypto()) {
        throw new CryptoError('ERR_NATIVE_CRYPTO_UNAVAILABLE',
          `${source} asks for native crypto, but this Node (${process.version}) has no ML-DSA-65 / ML-KEM-768 in node:crypto: ` +
          `run on Node 24.7 or later built with OpenSSL 3.5+, or use ${CRYPTO_ENV_VAR}=noble or auto`)
      }
      return nativeCrypto
    default:
      throw new CryptoError('ERR_UNKNOWN_CRYPTO_IMPLEMENTATION',
        `${source} gave unknown crypto implementation "${choice}": use native, noble or auto`)
  }
}

export function sha256 (bytes: Uint8Array): Uint8Array {
  return new Uint8Array(createHash('sha256').update(bytes).digest())
}

/** A peer key's short identity: the SHA-256 of its ML-DSA-65 public key (32 bytes). */
export function fingerprint (mlDsaPublicKey: Uint8Array): Uint8Array {
  return sha256(mlDsaPublicKey)
}

/** The fingerprint as 64 lowercase hex digits, as logs, the API and the CLI show it. */
export function fingerprintHex (mlDsaPublicKey: Uint8Array): string {
  return Buffer.from(fingerprint(mlDsaPublicKey)).toString('hex')
}
