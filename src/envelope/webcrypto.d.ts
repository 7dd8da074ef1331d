import type { webcrypto } from 'node:crypto'

/**
 * hpke-js types its keys as WebCrypto's global `CryptoKey`, which Node's
 * types declare as a value only (the type is `webcrypto.CryptoKey`) under
 * this project's ES-only lib settings: named here so the envelope code is
 * typed, not `any`.
 */
declare global {
  type CryptoKey = webcrypto.CryptoKey
  type CryptoKeyPair = webcrypto.CryptoKeyPair
  type KeyUsage = webcrypto.KeyUsage
}
