import assert from 'node:assert/strict'
import { createPublicKey, generateKeyPairSync, sign, verify } from 'node:crypto'
import { describe, it } from 'node:test'
import { ed25519 } from '@noble/curves/ed25519.js'
import { isStrictPoint, SMALL_ORDER_ENCODINGS, verifyEd25519, type Ed25519Equation } from '../../src/crypto/ed25519.js'

const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex')
const fromHex = (hex: string): Uint8Array => Uint8Array.from(Buffer.from(hex, 'hex'))
const message = new TextEncoder().encode('keydir strict Ed25519')

function honestKey (): { publicKey: Uint8Array, sign: (m: Uint8Array) => Uint8Array } {
  const pair = generateKeyPairSync('ed25519')
  const raw = pair.publicKey.export({ format: 'der', type: 'spki' }).subarray(SPKI_PREFIX.length)
  return { publicKey: Uint8Array.from(raw), sign: m => Uint8Array.from(sign(null, m, pair.privateKey)) }
}

/** What OpenSSL alone says, without keydir's checks in front of it. */
function opensslVerifies (publicKey: Uint8Array, m: Uint8Array, signature: Uint8Array): boolean {
  try {
    return verify(null, m, createPublicKey({ key: Buffer.concat([SPKI_PREFIX, publicKey]), format: 'der', type: 'spki' }), signature)
  } catch {
    return false
  }
}

describe('Ed25519, the strict rule', () => {
  it('lists exactly the eight canonical encodings of the points of small order', () => {
    assert.equal(new Set(SMALL_ORDER_ENCODINGS.map(e => Buffer.from(e).toString('hex'))).size, 8)
    for (const encoding of SMALL_ORDER_ENCODINGS) {
      const point = ed25519.Point.fromBytes(encoding, false)
      assert.ok(point.isSmallOrder(), Buffer.from(encoding).toString('hex'))
      assert.deepEqual(point.toBytes(), encoding, 'canonical')
    }
  })

  it('verifies honest signatures', () => {
    for (let i = 0; i < 50; i++) {
      const key = honestKey()
      assert.ok(verifyEd25519(key.publicKey, message, key.sign(message)))
    }
  })

  it('refuses the identity key with R = identity and S = 0, which a ZIP-215 verifier accepts for any message', () => {
    const identity = SMALL_ORDER_ENCODINGS[0]
    const signature = new Uint8Array(64)
    signature.set(identity)
    assert.ok(ed25519.verify(signature, message, identity), 'noble\'s ZIP-215 default accepts it')
    assert.equal(verifyEd25519(identity, message, signature), false)
  })

  it('refuses every small-order key and every small-order R, even where the equation holds', () => {
    // A = a point T of order 8, R = identity, S = 0: [0]B = O + [k]T holds whenever 8 divides k, one message in eight.
    const T = SMALL_ORDER_ENCODINGS[4]
    const signature = new Uint8Array(64)
    signature.set(SMALL_ORDER_ENCODINGS[0])
    let holds = 0
    for (let i = 0; i < 64; i++) {
      const m = new TextEncoder().encode(`message ${i}`)
      if (ed25519.verify(signature, m, T, { zip215: true })) holds++
      assert.equal(verifyEd25519(T, m, signature), false)
    }
    assert.ok(holds > 0, 'some messages satisfy the equation for a small-order key')
    const key = honestKey()
    const honest = key.sign(message)
    for (const point of SMALL_ORDER_ENCODINGS) {
      assert.equal(verifyEd25519(point, message, honest), false)
      const forged = Uint8Array.from(honest)
      forged.set(point)
      assert.equal(verifyEd25519(key.publicKey, message, forged), false)
    }
  })

  it('refuses non-canonical encodings of A and R and an S of L or more', () => {
    const key = honestKey()
    const signature = key.sign(message)
    // S + L: the same scalar, another encoding.
    const s = BigInt('0x' + Buffer.from(signature.subarray(32)).reverse().toString('hex'))
    const L = 2n ** 252n + 27742317777372353535851937790883648493n
    const sPlusL = fromHex((s + L).toString(16).padStart(64, '0')).reverse()
    const malleated = Uint8Array.from(signature)
    malleated.set(sPlusL, 32)
    assert.equal(verifyEd25519(key.publicKey, message, malleated), false)
    // y = p + 1 encodes the identity non-canonically; the identity with its x sign bit set, too.
    const nonCanonical = [fromHex('eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f'), fromHex('0100000000000000000000000000000000000000000000000000000000000080'), fromHex('ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff')]
    for (const encoding of nonCanonical) {
      assert.equal(isStrictPoint(encoding), false, Buffer.from(encoding).toString('hex'))
      const forged = Uint8Array.from(signature)
      forged.set(encoding)
      assert.equal(verifyEd25519(key.publicKey, message, forged), false)
      assert.equal(verifyEd25519(encoding, message, signature), false)
    }
  })

  it('refuses by its own checks what a permissive library would accept (a ZIP-215 equation, as in OpenSSL 4.0)', () => {
    const zip215: Ed25519Equation = (publicKey, m, signature) => ed25519.verify(signature, m, publicKey, { zip215: true })
    const key = honestKey()
    assert.ok(verifyEd25519(key.publicKey, message, key.sign(message), zip215), 'an honest signature passes either way')
    const identityForgery = new Uint8Array(64)
    identityForgery.set(SMALL_ORDER_ENCODINGS[0])
    assert.ok(zip215(SMALL_ORDER_ENCODINGS[0], message, identityForgery), 'the library beneath accepts the forgery')
    assert.equal(verifyEd25519(SMALL_ORDER_ENCODINGS[0], message, identityForgery, zip215), false)
    const s = BigInt('0x' + Buffer.from(key.sign(message).subarray(32)).reverse().toString('hex'))
    const L = 2n ** 252n + 27742317777372353535851937790883648493n
    const malleated = key.sign(message)
    malleated.set(fromHex((s + L).toString(16).padStart(64, '0')).reverse(), 32)
    assert.equal(verifyEd25519(key.publicKey, message, malleated, () => true), false, 'S >= L')
    const nonCanonicalR = key.sign(message)
    nonCanonicalR.set(fromHex('eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f'))
    assert.equal(verifyEd25519(key.publicKey, message, nonCanonicalR, () => true), false, 'a non-canonical R')
    for (const point of SMALL_ORDER_ENCODINGS) assert.equal(verifyEd25519(point, message, key.sign(message), () => true), false, 'a small-order A')
  })

  it('agrees with OpenSSL on honest and tampered signatures', () => {
    const key = honestKey()
    const signature = key.sign(message)
    for (let bit = 0; bit < 512; bit += 37) {
      const tampered = Uint8Array.from(signature)
      tampered[bit >> 3] ^= 1 << (bit & 7)
      assert.equal(verifyEd25519(key.publicKey, message, tampered), opensslVerifies(key.publicKey, message, tampered))
    }
  })
})
