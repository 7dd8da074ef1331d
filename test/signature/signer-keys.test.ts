import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { fingerprint, selectPqCrypto } from '../../src/crypto/index.js'
import { provenEarlierKeys, signerKeysOf } from '../../src/signature/index.js'
import { makeIdentity, makeRecord, makeRotatedPeer } from '../helpers/records.js'

const crypto = selectPqCrypto()

describe('the keys a signature is checked against', () => {
  it('a record\'s history keys count once their hand-overs verify, newest first', async () => {
    const peer = await makeRotatedPeer(3)
    const record = await makeRecord(peer.keys[3], { seq: 9, ...peer.historyOf(3) })
    const proven = await provenEarlierKeys(crypto, record)
    assert.deepEqual(proven, [peer.keys[2].mlDsaSigner.publicKey, peer.keys[1].mlDsaSigner.publicKey])
    const keys = await signerKeysOf(crypto, record, [], undefined)
    assert.deepEqual(keys.map(k => [k.current, k.seq]), [[true, 9], [false, 9], [false, 9]])
  })

  it('a key another peer names in its history is not that peer\'s: a forged link stops the chain', async () => {
    const victim = await makeIdentity()
    const thief = await makeRotatedPeer(1)
    // The thief names the victim's key as its previous one, with its own (genuine) proof's signature.
    const { rotation } = thief.historyOf(1)
    const forged = await makeRecord(thief.keys[1], {
      seq: 5,
      rotation: { previousFingerprint: fingerprint(victim.mlDsaSigner.publicKey), signature: rotation!.signature },
      history: [{ previousFingerprint: new Uint8Array(32).fill(9), signature: rotation!.signature, mlDsaPublicKey: victim.mlDsaSigner.publicKey }]
    })
    assert.deepEqual(await provenEarlierKeys(crypto, forged), [])
    assert.equal((await signerKeysOf(crypto, forged, [], undefined)).length, 1)
  })

  it('a retired key counts only while the pin lists it among the keys it followed away from', async () => {
    const peer = await makeRotatedPeer(1)
    const record = await makeRecord(peer.keys[1], { seq: 7, ...peer.historyOf(1) })
    const old = { mlDsaPublicKey: peer.keys[0].mlDsaSigner.publicKey, seq: 3 }
    const pin = { fingerprint: fingerprint(record.mlDsaPublicKey), highestSeq: 7, source: 'seen' as const }
    assert.equal((await signerKeysOf(crypto, record, [old], pin)).length, 1)
    const keys = await signerKeysOf(crypto, record, [old], { ...pin, superseded: [fingerprint(old.mlDsaPublicKey)] })
    assert.deepEqual(keys.map(k => [k.current, k.seq]), [[true, 7], [false, 3]])
  })
})
