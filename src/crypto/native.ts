import * as nodeCrypto from 'node:crypto'
import { LRUCache } from 'lru-cache'
import { CryptoError } from '../errors.js'
import { bytesKey } from '../util/bytes-key.js'
import { hasVerifiableLengths, requireContext, requireLength } from './checks.js'
import { ML_DSA_65, ML_KEM_768, type MlDsa65, type MlKem768, type PqCrypto } from './types.js'

// A namespace import, not named ones: on a Node without ML-KEM a named
// `encapsulate` import would fail at link time instead of letting
// hasNativePqCrypto() answer false.

/**
 * How many parsed ML-DSA public keys verify keeps. Parsing a key costs about
 * a quarter of a verify (~50 of ~250 µs); 1024 entries hold about 6 MB.
 */
export const VERIFY_KEY_CACHE_SIZE = 1024

/** Parsed ML-DSA-65 public keys by their raw bytes, shared by every node in the process. */
const verifyKeys = new LRUCache<string, nodeCrypto.KeyObject>({ max: VERIFY_KEY_CACHE_SIZE })

function verifyKeyOf (publicKey: Uint8Array): nodeCrypto.KeyObject {
  const id = bytesKey(publicKey)
  let key = verifyKeys.get(id)
  if (key === undefined) {
    key = nodeCrypto.createPublicKey({ key: asBuffer(publicKey), format: 'raw-public', asymmetricKeyType: 'ml-dsa-65' })
    verifyKeys.set(id, key)
  }
  return key
}

const mlDsa65: MlDsa65 = {
  createSigner (seed) {
    requireLength(seed, ML_DSA_65.seed, 'ERR_BAD_SEED_LENGTH', 'ML-DSA-65 seed')
    const privateKey = nodeCrypto.createPrivateKey({ key: asBuffer(seed), format: 'raw-seed', asymmetricKeyType: 'ml-dsa-65' })
    return {
      publicKey: rawPublicKey(privateKey),
      signsOffEventLoop: true,
      sign (message, context) {
        requireContext(context)
        return copy(nodeCrypto.sign(null, message, { key: privateKey, context }))
      },
      async signAsync (message, context) {
        requireContext(context)
        return new Promise((resolve, reject) => {
          nodeCrypto.sign(null, message, { key: privateKey, context }, (err, signature) => {
            if (err != null) reject(err)
            else resolve(copy(signature))
          })
        })
      }
    }
  },

  verify (publicKey, message, signature, context) {
    if (!hasVerifiableLengths(publicKey, signature, context)) {
      return false
    }
    try {
      return nodeCrypto.verify(null, message, { key: verifyKeyOf(publicKey), context }, signature)
    } catch {
      return false
    }
  },

  async verifyAsync (publicKey, message, signature, context) {
    if (!hasVerifiableLengths(publicKey, signature, context)) {
      return false
    }
    return new Promise(resolve => {
      try {
        nodeCrypto.verify(null, message, { key: verifyKeyOf(publicKey), context }, signature, (err, valid) => {
          resolve(err == null && valid)
        })
      } catch {
        resolve(false)
      }
    })
  }
}

const mlKem768: MlKem768 = {
  createDecapsulator (seed) {
    requireLength(seed, ML_KEM_768.seed, 'ERR_BAD_SEED_LENGTH', 'ML-KEM-768 seed (d || z)')
    const privateKey = nodeCrypto.createPrivateKey({ key: asBuffer(seed), format: 'raw-seed', asymmetricKeyType: 'ml-kem-768' })
    return {
      publicKey: rawPublicKey(privateKey),
      decapsulate (cipherText) {
        requireLength(cipherText, ML_KEM_768.cipherText, 'ERR_BAD_CIPHERTEXT_LENGTH', 'ML-KEM-768 ciphertext')
        return copy(nodeCrypto.decapsulate(privateKey, cipherText))
      }
    }
  },

  encapsulate (publicKey) {
    requireLength(publicKey, ML_KEM_768.publicKey, 'ERR_BAD_PUBLIC_KEY_LENGTH', 'ML-KEM-768 public key')
    let key: nodeCrypto.KeyObject
    try {
      key = nodeCrypto.createPublicKey({ key: asBuffer(publicKey), format: 'raw-public', asymmetricKeyType: 'ml-kem-768' })
    } catch (err) {
      throw new CryptoError('ERR_BAD_PUBLIC_KEY', 'ML-KEM-768 public key fails the FIPS 203 modulus check', { cause: err })
    }
    const { ciphertext, sharedKey } = nodeCrypto.encapsulate(key)
    return { cipherText: copy(ciphertext), sharedSecret: copy(sharedKey) }
  }
}

/** ML-DSA-65 and ML-KEM-768 from node:crypto (OpenSSL 3.5 or later). */
export const nativeCrypto: PqCrypto = { name: 'native', mlDsa65, mlKem768 }

let nativeSupport: boolean | undefined

/** Whether this Node's crypto has ML-DSA-65 and ML-KEM-768 with seed import. */
export function hasNativePqCrypto (): boolean {
  nativeSupport ??= probeNativeSupport()
  return nativeSupport
}

function probeNativeSupport (): boolean {
  try {
    nodeCrypto.createPrivateKey({ key: Buffer.alloc(ML_DSA_65.seed), format: 'raw-seed', asymmetricKeyType: 'ml-dsa-65' })
    nodeCrypto.createPrivateKey({ key: Buffer.alloc(ML_KEM_768.seed), format: 'raw-seed', asymmetricKeyType: 'ml-kem-768' })
    return typeof nodeCrypto.encapsulate === 'function'
  } catch {
    return false
  }
}

function rawPublicKey (privateKey: nodeCrypto.KeyObject): Uint8Array {
  return copy(nodeCrypto.createPublicKey(privateKey).export({ format: 'raw-public' }))
}

/** A Buffer view of the same memory: node:crypto's key inputs are typed as Buffer. */
function asBuffer (bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
}

/** A plain Uint8Array, so both implementations return the same type. */
function copy (buffer: Buffer): Uint8Array {
  return new Uint8Array(buffer)
}
