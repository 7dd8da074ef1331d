import * as nodeCrypto from 'node:crypto'
import { XWing } from '@hpke/hybridkem-x-wing'
import { LRUCache } from 'lru-cache'
import { expandXWingSeed, x25519PrivateKeyObject, x25519PublicKeyObject, x25519RawPublicKey } from '../crypto/index.js'
import { ML_KEM_768 } from '../crypto/types.js'
import { bytesKey } from '../util/bytes-key.js'
import { bytesOf } from './buffers.js'
import type { MlKemDecapsulator, PqCrypto } from '../crypto/types.js'
import type { RecipientContextParams, SenderContextParams } from '@hpke/core'

/** X-Wing's label, `\.//^\`, the last input of its combiner. */
const X_WING_LABEL = Uint8Array.from([0x5c, 0x2e, 0x2f, 0x2f, 0x5e, 0x5c])
const X25519_BYTES = 32
/** Decapsulation keys expanded from seeds, kept: a node has a current seed and a few retired ones. */
const EXPANDED_KEYS = 16

interface ExpandedKey {
  mlKem: MlKemDecapsulator
  x25519: nodeCrypto.KeyObject
  x25519Public: Uint8Array
}

/**
 * X-Wing (draft-connolly-cfrg-xwing-kem) as @hpke/hybridkem-x-wing defines
 * it, with keydir's ML-KEM-768 (native where Node has it) and Node's X25519
 * and SHA-3 for the arithmetic: the package's pure-JS ML-KEM costs about
 * 9 ms per encapsulation and decapsulation here, the native one about
 * 0.2 ms. Key formats, encapsulation and shared secret are the package's
 * byte for byte (test/envelope/x-wing.test.ts checks both ways); an
 * encapsulation with fixed randomness (`ekm`, for golden vectors) is left to
 * the package.
 */
export class NativeXWing extends XWing {
  private readonly crypto: PqCrypto
  private readonly expanded = new LRUCache<string, ExpandedKey>({ max: EXPANDED_KEYS })

  constructor (crypto: PqCrypto) {
    super()
    this.crypto = crypto
  }

  override async encap (params: SenderContextParams): Promise<{ sharedSecret: ArrayBuffer, enc: ArrayBuffer }> {
    if (params.ekm !== undefined) return super.encap(params)
    const publicKey = new Uint8Array(await this.serializePublicKey(params.recipientPublicKey))
    const mlKemPublic = publicKey.subarray(0, ML_KEM_768.publicKey)
    const x25519Public = publicKey.subarray(ML_KEM_768.publicKey)
    const ephemeral = nodeCrypto.generateKeyPairSync('x25519')
    const ctX = x25519RawPublicKey(ephemeral.publicKey)
    const ssX = x25519(ephemeral.privateKey, x25519Public)
    const { cipherText: ctM, sharedSecret: ssM } = this.crypto.mlKem768.encapsulate(mlKemPublic)
    const enc = new Uint8Array(ctM.length + ctX.length)
    enc.set(ctM)
    enc.set(ctX, ctM.length)
    return { sharedSecret: combine(ssM, ssX, ctX, x25519Public), enc: enc.buffer }
  }

  override async decap (params: RecipientContextParams): Promise<ArrayBuffer> {
    const recipientKey = 'privateKey' in params.recipientKey ? params.recipientKey.privateKey : params.recipientKey
    const seed = new Uint8Array(await this.serializePrivateKey(recipientKey))
    const enc = bytesOf(params.enc)
    if (enc.length !== ML_KEM_768.cipherText + X25519_BYTES) throw new Error(`an X-Wing encapsulation is ${ML_KEM_768.cipherText + X25519_BYTES} bytes, got ${enc.length}`)
    const key = this.expand(seed)
    const ctX = enc.subarray(ML_KEM_768.cipherText)
    const ssM = key.mlKem.decapsulate(enc.subarray(0, ML_KEM_768.cipherText))
    const ssX = x25519(key.x25519, ctX)
    return combine(ssM, ssX, ctX, key.x25519Public)
  }

  /** Forget the expanded keys of every seed but these: an erased seed's key does not stay in memory either. */
  retainOnly (seeds: Uint8Array[]): void {
    const kept = new Set(seeds.map(seed => bytesKey(seed)))
    for (const id of [...this.expanded.keys()]) {
      if (!kept.has(id)) this.expanded.delete(id)
    }
  }

  /** X-Wing's expandDecapsulationKey (expandXWingSeed), with the keys parsed once. */
  private expand (seed: Uint8Array): ExpandedKey {
    const id = bytesKey(seed)
    const known = this.expanded.get(id)
    if (known !== undefined) return known
    const expanded = expandXWingSeed(seed)
    const key = {
      mlKem: this.crypto.mlKem768.createDecapsulator(expanded.mlKemSeed),
      x25519: x25519PrivateKeyObject(expanded.x25519Secret),
      x25519Public: expanded.x25519PublicKey
    }
    this.expanded.set(id, key)
    return key
  }
}

/** X25519; OpenSSL refuses a small-order point (an all-zero result), which ends the decapsulation. */
function x25519 (privateKey: nodeCrypto.KeyObject, publicKey: Uint8Array): Uint8Array {
  const peer = x25519PublicKeyObject(publicKey)
  return new Uint8Array(nodeCrypto.diffieHellman({ privateKey, publicKey: peer }))
}

/** X-Wing's combiner: SHA3-256(ss_M || ss_X || ct_X || pk_X || label). */
function combine (ssM: Uint8Array, ssX: Uint8Array, ctX: Uint8Array, pkX: Uint8Array): ArrayBuffer {
  const digest = nodeCrypto.createHash('sha3-256').update(ssM).update(ssX).update(ctX).update(pkX).update(X_WING_LABEL).digest()
  return new Uint8Array(digest).buffer
}
