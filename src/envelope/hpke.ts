import { CipherSuite } from '@hpke/core'
import { NodeAes256Gcm } from './aes-gcm.js'
import { EnvelopeError } from '../errors.js'
import { NodeHkdfSha256 } from './hkdf.js'
import { NativeXWing } from './x-wing.js'
import type { PqCrypto } from '../crypto/types.js'

/**
 * HPKE (RFC 9180) base mode with X-Wing, HKDF-SHA256 and AES-256-GCM,
 * from the hpke-js packages: the standard construction, not ours (its X-Wing,
 * HKDF and AES-GCM run on Node's primitives: x-wing.ts, hkdf.ts, aes-gcm.ts). An
 * X-Wing public key is a record's ML-KEM-768 key followed by its X25519
 * key; its private key is the node's 32-byte KEM seed.
 */
export class EnvelopeHpke {
  private readonly suite: CipherSuite
  private readonly kem: NativeXWing

  constructor (crypto: PqCrypto) {
    this.kem = new NativeXWing(crypto)
    this.suite = new CipherSuite({ kem: this.kem, kdf: new NodeHkdfSha256(), aead: new NodeAes256Gcm() })
  }

  /** Keep the decapsulation keys of these seeds only (NativeXWing.retainOnly). */
  retainOnly (kemSeeds: Uint8Array[]): void {
    this.kem.retainOnly(kemSeeds)
  }

  /**
   * A sender context to `recipientPublicKey` (ML-KEM-768 key || X25519 key)
   * with `info`. `ekm` fixes X-Wing's randomness (64 bytes: the ML-KEM
   * message, then the X25519 ephemeral secret): for golden vectors only.
   */
  async sender (recipientPublicKey: Uint8Array, info: Uint8Array, ekm?: Uint8Array): Promise<{ enc: Uint8Array, seal: (plaintext: Uint8Array) => Promise<Uint8Array> }> {
    const publicKey = await this.suite.kem.deserializePublicKey(recipientPublicKey)
    const context = await this.suite.createSenderContext({ recipientPublicKey: publicKey, info, ekm })
    return {
      enc: new Uint8Array(context.enc),
      seal: async plaintext => new Uint8Array(await context.seal(plaintext))
    }
  }

  /**
   * Open `ciphertext` with the KEM seed. A wrong key, an altered
   * encapsulation, info or ciphertext all end in the AEAD's refusal:
   * ERR_ENVELOPE_DECRYPT.
   */
  async open (kemSeed: Uint8Array, enc: Uint8Array, info: Uint8Array, ciphertext: Uint8Array): Promise<Uint8Array> {
    try {
      const recipientKey = await this.suite.kem.deserializePrivateKey(kemSeed)
      const context = await this.suite.createRecipientContext({ recipientKey, enc, info })
      return new Uint8Array(await context.open(ciphertext))
    } catch (err) {
      throw new EnvelopeError('ERR_ENVELOPE_DECRYPT', 'the envelope does not open: it was altered or truncated, or it was not sealed to this node\'s key', { cause: err })
    }
  }
}
