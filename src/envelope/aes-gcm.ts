import { createCipheriv, createDecipheriv } from 'node:crypto'
import { Aes256Gcm } from '@hpke/core'
import { bytesOf, type BufferInput } from './buffers.js'
import { AEAD_TAG_BYTES } from './constants.js'
import type { AeadEncryptionContext } from '@hpke/core'

/**
 * HPKE's AES-256-GCM with Node's cipher in place of WebCrypto's: the same
 * bytes (RFC 9180's `ct || tag`), done where it is called instead of on the
 * thread pool. Through WebCrypto, the wait for the pool was a third of an
 * envelope's HPKE time here. Nonces and sequence numbers stay the package's.
 */
export class NodeAes256Gcm extends Aes256Gcm {
  override createEncryptionContext (key: ArrayBufferLike): AeadEncryptionContext {
    const secret = new Uint8Array(key.slice(0))
    return {
      seal: async (iv: BufferInput, data: BufferInput, aad: BufferInput) => {
        const cipher = createCipheriv('aes-256-gcm', secret, bytesOf(iv)).setAAD(bytesOf(aad))
        const sealed = Buffer.concat([cipher.update(bytesOf(data)), cipher.final(), cipher.getAuthTag()])
        return sealed.buffer.slice(sealed.byteOffset, sealed.byteOffset + sealed.byteLength)
      },
      open: async (iv: BufferInput, data: BufferInput, aad: BufferInput) => {
        const sealed = bytesOf(data)
        if (sealed.length < AEAD_TAG_BYTES) throw new Error('an AES-256-GCM ciphertext holds at least its 16-byte tag')
        const decipher = createDecipheriv('aes-256-gcm', secret, bytesOf(iv)).setAAD(bytesOf(aad))
        decipher.setAuthTag(sealed.subarray(sealed.length - AEAD_TAG_BYTES))
        // final() throws when the tag does not match: nothing of the plaintext is returned then.
        const plain = Buffer.concat([decipher.update(sealed.subarray(0, sealed.length - AEAD_TAG_BYTES)), decipher.final()])
        return plain.buffer.slice(plain.byteOffset, plain.byteOffset + plain.byteLength)
      }
    }
  }
}
