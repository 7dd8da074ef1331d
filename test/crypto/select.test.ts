import assert from 'node:assert/strict'
import { afterEach, describe, test } from 'node:test'
import { CRYPTO_ENV_VAR, fingerprint, hasNativePqCrypto, nativeCrypto, nobleCrypto, selectPqCrypto, sha256, type PqCryptoChoice } from '../../src/crypto/index.js'
import { toHex } from './helpers.js'

const savedEnv = process.env[CRYPTO_ENV_VAR]
const autoChoice = hasNativePqCrypto() ? nativeCrypto : nobleCrypto

describe('selectPqCrypto', () => {
  afterEach(() => {
    if (savedEnv === undefined) {
      delete process.env[CRYPTO_ENV_VAR]
    } else {
      process.env[CRYPTO_ENV_VAR] = savedEnv
    }
  })

  test('auto, the default, prefers native where it exists', () => {
    delete process.env[CRYPTO_ENV_VAR]
    assert.equal(selectPqCrypto(), autoChoice)
    assert.equal(selectPqCrypto('auto'), autoChoice)
    process.env[CRYPTO_ENV_VAR] = ''
    assert.equal(selectPqCrypto(), autoChoice)
  })

  test('honours the argument, over the environment', () => {
    process.env[CRYPTO_ENV_VAR] = 'noble'
    assert.equal(selectPqCrypto('noble'), nobleCrypto)
    assert.equal(selectPqCrypto('auto'), autoChoice)
  })

  test('honours KEYDIR_CRYPTO', () => {
    process.env[CRYPTO_ENV_VAR] = 'noble'
    assert.equal(selectPqCrypto(), nobleCrypto)
    process.env[CRYPTO_ENV_VAR] = 'auto'
    assert.equal(selectPqCrypto(), autoChoice)
  })

  test('native where available', { skip: !hasNativePqCrypto() && 'native unavailable here' }, () => {
    process.env[CRYPTO_ENV_VAR] = 'native'
    assert.equal(selectPqCrypto(), nativeCrypto)
    assert.equal(selectPqCrypto('native'), nativeCrypto)
  })

  test('forcing native where it is missing throws', { skip: hasNativePqCrypto() && 'native is available here' }, () => {
    assert.throws(() => selectPqCrypto('native'), { name: 'CryptoError', code: 'ERR_NATIVE_CRYPTO_UNAVAILABLE', message: /noble/ })
  })

  test('an unknown choice throws, from the argument or the environment', () => {
    assert.throws(() => selectPqCrypto('openssl' as PqCryptoChoice), { name: 'CryptoError', code: 'ERR_UNKNOWN_CRYPTO_IMPLEMENTATION', message: /native, noble or auto/ })
    process.env[CRYPTO_ENV_VAR] = 'Native'
    assert.throws(() => selectPqCrypto(), { name: 'CryptoError', code: 'ERR_UNKNOWN_CRYPTO_IMPLEMENTATION', message: /KEYDIR_CRYPTO/ })
  })
})

describe('sha256 and fingerprint', () => {
  test('sha256 of "abc" is the FIPS 180 example', () => {
    assert.equal(toHex(sha256(new TextEncoder().encode('abc'))), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad')
  })

  test('a fingerprint is the 32-byte sha256 of the public key', () => {
    const { publicKey } = nobleCrypto.mlDsa65.createSigner(new Uint8Array(32))
    const print = fingerprint(publicKey)
    assert.equal(print.length, 32)
    assert.equal(Object.getPrototypeOf(print), Uint8Array.prototype)
    assert.equal(toHex(print), toHex(sha256(publicKey)))
  })
})
