import assert from 'node:assert/strict'
import { test } from 'node:test'
import { hasNativePqCrypto, ML_DSA_65, nativeCrypto } from '../../src/crypto/index.js'
import { VERIFY_KEY_CACHE_SIZE } from '../../src/crypto/native.js'
import { flipBit } from './helpers.js'

const message = new TextEncoder().encode('a key record, more or less')
const context = new TextEncoder().encode('keydir/record')

function seed (index: number): Uint8Array {
  const bytes = new Uint8Array(ML_DSA_65.seed)
  new DataView(bytes.buffer).setUint32(0, index)
  return bytes
}

test('native verify gives the right answer across cache hits, misses and evictions', { skip: !hasNativePqCrypto() && 'native unavailable' }, () => {
  const { verify } = nativeCrypto.mlDsa65
  const keys = Array.from({ length: VERIFY_KEY_CACHE_SIZE + 2 }, (_, i) => {
    const signer = nativeCrypto.mlDsa65.createSigner(seed(i))
    return { publicKey: signer.publicKey, signature: signer.sign(message, context) }
  })
  const [first, second] = keys as [typeof keys[0], typeof keys[0]]

  assert.equal(verify(first.publicKey, message, first.signature, context), true)
  // cached key, someone else's signature
  assert.equal(verify(first.publicKey, message, second.signature, context), false)
  // one bit away from a cached key
  assert.equal(verify(flipBit(first.publicKey, 5), message, first.signature, context), false)
  // every key once: more than the cache holds, so the first is evicted
  for (const { publicKey, signature } of keys) {
    assert.equal(verify(publicKey, message, signature, context), true)
  }
  assert.equal(verify(first.publicKey, message, first.signature, context), true)
  assert.equal(verify(second.publicKey, message, first.signature, context), false)
})
