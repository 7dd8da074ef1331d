import assert from 'node:assert/strict'
import { createHash, randomBytes } from 'node:crypto'
import { describe, it } from 'node:test'
import { pureJsCrypto } from '@chainsafe/libp2p-noise/crypto'
import { aeadDecrypt, aeadEncrypt, CipherState, hkdf2, MAX_NONCE, NOISE_PROTOCOL_NAME, SymmetricState } from '../../src/session/index.js'
import { hasCode } from '../helpers/attacks.js'

const EMPTY = new Uint8Array(0)
const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex')

/** libp2p-noise's 12-byte nonce: 4 zero bytes, then the counter little-endian. */
function noiseNonce (n: number): Uint8Array {
  const nonce = new Uint8Array(12)
  new DataView(nonce.buffer).setUint32(4, n, true)
  return nonce
}

describe('Noise symmetric state (Noise revision 34, section 5)', () => {
  it('HKDF agrees with libp2p-noise\'s, and with RFC 5869 (salt = ck, empty info)', async () => {
    const { hkdfSync } = await import('node:crypto')
    for (let i = 0; i < 5; i++) {
      const ck = randomBytes(32)
      const ikm = randomBytes(i * 16)
      const [a, b] = hkdf2(ck, ikm)
      const [c, d] = pureJsCrypto.getHKDF(ck, ikm)
      assert.equal(hex(a), hex(c))
      assert.equal(hex(b), hex(d))
      assert.equal(hex(Buffer.concat([a, b])), hex(new Uint8Array(hkdfSync('sha256', ikm, ck, EMPTY, 64))))
    }
  })

  it('ChaChaPoly agrees with libp2p-noise\'s (nonce: 32 zero bits, then n little-endian)', () => {
    const key = randomBytes(32)
    const ad = randomBytes(32)
    for (const n of [0, 1, 255, 65536]) {
      const plaintext = randomBytes(n % 1000)
      const ours = aeadEncrypt(key, n, ad, plaintext)
      const theirs = pureJsCrypto.chaCha20Poly1305Encrypt(plaintext, noiseNonce(n), ad, key)
      assert.equal(hex(ours), hex(theirs instanceof Uint8Array ? theirs : theirs.subarray()))
      assert.equal(hex(aeadDecrypt(key, n, ad, ours)), hex(plaintext))
    }
  })

  it('a protocol name over 32 bytes is hashed into h; ck starts as h', () => {
    const state = new SymmetricState(NOISE_PROTOCOL_NAME)
    const expected = createHash('sha256').update(NOISE_PROTOCOL_NAME).digest()
    assert.equal(hex(state.handshakeHash), hex(expected))
    assert.equal(hex(state.chainingKey), hex(expected))
    const short = new SymmetricState('Noise_NN_25519_ChaChaPoly_SHA256')
    const padded = Buffer.alloc(32)
    padded.write('Noise_NN_25519_ChaChaPoly_SHA256')
    assert.equal(hex(short.handshakeHash), hex(padded))
  })

  it('EncryptAndHash without a key passes the bytes through and hashes them; with one it encrypts under h', () => {
    const a = new SymmetricState(NOISE_PROTOCOL_NAME)
    const b = new SymmetricState(NOISE_PROTOCOL_NAME)
    const data = randomBytes(40)
    const h0 = a.handshakeHash
    assert.equal(hex(a.encryptAndHash(data)), hex(data))
    assert.equal(hex(a.handshakeHash), hex(createHash('sha256').update(h0).update(data).digest()))
    b.decryptAndHash(data)
    const ikm = randomBytes(32)
    a.mixKey(ikm)
    b.mixKey(ikm)
    const sealed = a.encryptAndHash(data)
    assert.equal(sealed.byteLength, data.byteLength + 16)
    assert.equal(hex(b.decryptAndHash(sealed)), hex(data))
    assert.equal(hex(a.handshakeHash), hex(b.handshakeHash))
    const [a1, a2] = a.split()
    const [b1, b2] = b.split()
    const frame = a1.encryptWithAd(EMPTY, data)
    assert.equal(hex(b1.decryptWithAd(EMPTY, frame)), hex(data))
    assert.throws(() => b2.decryptWithAd(EMPTY, a2.encryptWithAd(EMPTY, data).fill(0, 0, 1)), hasCode('ERR_SESSION_DECRYPT', 'SessionError'))
  })

  it('nonces count up; a failed decryption does not advance; the state stops at MAX_NONCE', () => {
    const key = randomBytes(32)
    const send = new CipherState(key)
    const receive = new CipherState(key)
    const first = send.encryptWithAd(EMPTY, Uint8Array.of(1))
    const second = send.encryptWithAd(EMPTY, Uint8Array.of(2))
    assert.equal(send.nonce, 2)
    assert.throws(() => receive.decryptWithAd(EMPTY, second), hasCode('ERR_SESSION_DECRYPT'))
    assert.equal(receive.nonce, 0)
    assert.deepEqual([...receive.decryptWithAd(EMPTY, first)], [1])
    assert.deepEqual([...receive.decryptWithAd(EMPTY, second)], [2])
    assert.throws(() => receive.decryptWithAd(EMPTY, first), hasCode('ERR_SESSION_DECRYPT'), 'a replayed frame fails')
    ;(send as unknown as { n: number }).n = MAX_NONCE
    assert.throws(() => send.encryptWithAd(EMPTY, Uint8Array.of(3)), hasCode('ERR_SESSION_NONCE_EXHAUSTED'))
  })
})
