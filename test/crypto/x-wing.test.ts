import assert from 'node:assert/strict'
import { createPrivateKey, createPublicKey, diffieHellman, randomBytes } from 'node:crypto'
import { describe, it } from 'node:test'
import { XWing } from '@hpke/hybridkem-x-wing'
import { expandXWingSeed, nativeCrypto, nobleCrypto, x25519KeyProblem, X_WING } from '../../src/crypto/index.js'

const SPKI_PREFIX = Buffer.from('302a300506032b656e032100', 'hex')
const PKCS8_PREFIX = Buffer.from('302e020100300506032b656e04220420', 'hex')

/** Whether X25519 of a fixed clamped scalar and `u` is zero (OpenSSL refuses to derive it). */
function clampedProductIsZero (u: Uint8Array): boolean {
  const privateKey = createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX, Buffer.alloc(32, 0x5a)]), format: 'der', type: 'pkcs8' })
  const publicKey = createPublicKey({ key: Buffer.concat([SPKI_PREFIX, u]), format: 'der', type: 'spki' })
  try {
    return diffieHellman({ privateKey, publicKey }).every(byte => byte === 0)
  } catch {
    return true
  }
}

describe('X-Wing key material', () => {
  it('matches @hpke/hybridkem-x-wing: ML-KEM-768 key first, X25519 key last', async () => {
    const kem = new XWing()
    for (let i = 0; i < 4; i++) {
      const seed = new Uint8Array(randomBytes(32))
      const expanded = expandXWingSeed(seed)
      const pair = await kem.generateKeyPairDerand(seed)
      const publicKey = new Uint8Array(await kem.serializePublicKey(pair.publicKey))
      assert.equal(publicKey.length, X_WING.publicKey)
      assert.deepEqual(publicKey.subarray(1184), expanded.x25519PublicKey)
      assert.deepEqual(publicKey.subarray(0, 1184), nativeCrypto.mlKem768.createDecapsulator(expanded.mlKemSeed).publicKey)
      assert.deepEqual(publicKey.subarray(0, 1184), nobleCrypto.mlKem768.createDecapsulator(expanded.mlKemSeed).publicKey)
      assert.equal(expanded.mlKemSeed.length, 64)
      assert.equal(expanded.x25519Secret.length, 32)
    }
  })

  it('refuses a seed of the wrong length', () => {
    assert.throws(() => expandXWingSeed(new Uint8Array(31)), (err: any) => err.name === 'CryptoError' && err.code === 'ERR_BAD_SEED_LENGTH')
  })
})

describe('x25519KeyProblem', () => {
  it('finds the small-order points: exactly those whose clamped product is zero', () => {
    const listed = [
      '0000000000000000000000000000000000000000000000000000000000000000',
      '0100000000000000000000000000000000000000000000000000000000000000',
      'e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800',
      '5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157',
      'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f'
    ]
    for (const hex of listed) {
      const u = Buffer.from(hex, 'hex')
      assert.equal(x25519KeyProblem(u), 'small-order', hex)
      assert.ok(clampedProductIsZero(u), hex)
    }
    for (let i = 0; i < 64; i++) {
      const u = expandXWingSeed(randomBytes(32)).x25519PublicKey
      assert.equal(x25519KeyProblem(u), undefined)
      assert.ok(!clampedProductIsZero(u))
    }
  })

  it('refuses non-canonical encodings and wrong lengths', () => {
    const p = Buffer.from('edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f', 'hex')
    assert.equal(x25519KeyProblem(p), 'not-canonical')
    const pMinus2 = Buffer.from(p); pMinus2[0] = 0xeb
    assert.equal(x25519KeyProblem(pMinus2), undefined)
    const topBit = Buffer.alloc(32); topBit[0] = 9; topBit[31] = 0x80
    assert.equal(x25519KeyProblem(topBit), 'not-canonical')
    const high = Buffer.alloc(32, 0xff); high[31] = 0x7f; high[5] = 0xfe
    assert.equal(x25519KeyProblem(high), undefined)
    assert.equal(x25519KeyProblem(new Uint8Array(31)), 'length')
    assert.equal(x25519KeyProblem(new Uint8Array(33)), 'length')
  })
})
