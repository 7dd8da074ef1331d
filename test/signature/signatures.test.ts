import assert from 'node:assert/strict'
import { setImmediate as nextTurn } from 'node:timers/promises'
import { describe, it } from 'node:test'
import { fingerprint, selectPqCrypto } from '../../src/crypto/index.js'
import { MessageSignatures } from '../../src/signature/index.js'
import { makeRecord, makeRotatedPeer } from '../helpers/records.js'
import type { KeydirMetrics } from '../../src/metrics/index.js'
import type { Pin } from '../../src/registry/index.js'
import type { RetiredSigningKey, RetiredSigningKeys } from '../../src/signature/key-log.js'

const crypto = selectPqCrypto()
const metrics = { signatures: { inc () {} } } as unknown as KeydirMetrics

describe('MessageSignatures.verify', () => {
  it('finds a key the peer rotated away from while the rotation\'s write is still landing', async () => {
    const peer = await makeRotatedPeer(1)
    const rotated = await makeRecord(peer.keys[1], { seq: 7, ...peer.historyOf(1) })
    let signer = peer.keys[0].mlDsaSigner
    // The registry serves an admitted record at once and writes its pin behind it; the retired key is noted when
    // that write lands (KeyDirectory.keyChanged), and getPin waits for it. Here the write lands during getPin's wait.
    let retired: RetiredSigningKey[] = []
    const pinAfter: Pin = { fingerprint: fingerprint(rotated.mlDsaPublicKey), highestSeq: 7, source: 'seen', superseded: [fingerprint(peer.keys[0].mlDsaSigner.publicKey)] }
    const signatures = new MessageSignatures({
      crypto,
      signer: () => signer,
      resolve: async () => ({ record: rotated }),
      retiredKeys: { of: () => retired } as unknown as RetiredSigningKeys,
      getPin: async () => {
        await nextTurn()
        retired = [{ mlDsaPublicKey: peer.keys[0].mlDsaSigner.publicKey, seq: 3 }]
        return pinAfter
      },
      metrics
    })
    const data = Uint8Array.from([42])
    const old = await signatures.sign(data)
    assert.deepEqual(await signatures.verify(rotated.peerId, data, old), { valid: true, current: false, seq: 3 })
    signer = peer.keys[1].mlDsaSigner
    assert.deepEqual(await signatures.verify(rotated.peerId, data, await signatures.sign(data)), { valid: true, current: true, seq: 7 })
  })
})
