import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { describe, it } from 'node:test'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { nativeCrypto as crypto } from '../../src/crypto/index.js'
import { createKeyRecord, createRotationProof, verifyRotationProof } from '../../src/record/index.js'

describe('rotation proofs', async () => {
  const privateKey = await generateKeyPair('Ed25519')
  const peerId = peerIdFromPrivateKey(privateKey)
  const oldSigner = crypto.mlDsa65.createSigner(randomBytes(32))
  const newSigner = crypto.mlDsa65.createSigner(randomBytes(32))
  const kem = crypto.mlKem768.createDecapsulator(randomBytes(64)).publicKey
  const recordWith = async (rotation?: ReturnType<typeof createRotationProof>) =>
    createKeyRecord({ privateKey, mlDsaSigner: newSigner, mlKemPublicKey: kem, seq: 2, rotation })

  it('accepts a hand-over signed by the pinned key', async () => {
    const record = await recordWith(createRotationProof(peerId, oldSigner, newSigner.publicKey))
    assert.equal(verifyRotationProof(crypto, record, oldSigner.publicKey), true)
  })

  it('refuses a record without a proof', async () => {
    assert.equal(verifyRotationProof(crypto, await recordWith(), oldSigner.publicKey), false)
  })

  it('refuses a proof signed by a key other than the pinned one', async () => {
    const stranger = crypto.mlDsa65.createSigner(randomBytes(32))
    const record = await recordWith(createRotationProof(peerId, stranger, newSigner.publicKey))
    assert.equal(verifyRotationProof(crypto, record, oldSigner.publicKey), false)
  })

  it('refuses a proof for another new key or another peer', async () => {
    const forOtherKey = await recordWith(createRotationProof(peerId, oldSigner, oldSigner.publicKey))
    assert.equal(verifyRotationProof(crypto, forOtherKey, oldSigner.publicKey), false)
    const otherPeer = peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
    const forOtherPeer = await recordWith(createRotationProof(otherPeer, oldSigner, newSigner.publicKey))
    assert.equal(verifyRotationProof(crypto, forOtherPeer, oldSigner.publicKey), false)
  })
})
