import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { fingerprint } from '../../src/crypto/index.js'
import { makeIdentity, makeRecord } from '../helpers/records.js'
import { openFixture } from './fixture.js'

describe('PeerKeyRegistry: restart', () => {
  it('brings back records, trust, verified flags, pins, nonces and the outbound nonce', async () => {
    const f = await openFixture()
    try {
      const [self, anchor, direct, dht] = await Promise.all([makeIdentity(), makeIdentity(), makeIdentity(), makeIdentity()])
      await f.registry.storePeerKeys(await makeRecord(self), 'self')
      await f.registry.setAnchor(anchor.peerId, { mlDsaFingerprint: fingerprint(anchor.mlDsaSigner.publicKey) })
      await f.registry.storePeerKeys(await makeRecord(anchor, { seq: 2 }), 'dht')
      await f.registry.storePeerKeys(await makeRecord(direct, { seq: 3 }), 'direct')
      await f.registry.storePeerKeys(await makeRecord(dht, { seq: 4 }), 'dht')
      await f.registry.markVerified(dht.peerId)
      await f.nonceBook().acceptInbound(direct.peerId, 42n)
      const outbound = await f.nonceBook().nextOutbound()
      f.clock.advance(-1000)

      const registry = await f.reopen()
      assert.equal(registry.size(), 4)
      assert.equal(registry.getCached(dht.peerId), undefined, 'the hot layer starts empty')
      const expect = [[self, 'self', 1], [anchor, 'anchor', 2], [direct, 'direct', 3], [dht, 'dht', 4]] as const
      for (const [id, trust, seq] of expect) {
        const entry = await registry.get(id.peerId)
        assert.equal(entry?.trust, trust)
        assert.equal(entry?.record.seq, seq)
        assert.equal(entry?.verified, true)
        assert.deepEqual(entry?.record.mlKemPublicKey, id.mlKem.publicKey)
        assert.equal((await registry.getPin(id.peerId))?.highestSeq, seq)
      }
      const anchorPin = await registry.getPin(anchor.peerId)
      assert.equal(anchorPin?.source, 'anchor')
      assert.deepEqual(anchorPin?.mlDsaPublicKey, anchor.mlDsaSigner.publicKey)
      assert.equal((await registry.getVerifiedPeers()).length, 4)
      assert.equal(await f.nonceBook().acceptInbound(direct.peerId, 42n), false)
      assert.ok(await f.nonceBook().nextOutbound() > outbound)
      assert.equal(f.corrupt.length, 0)
    } finally { await f.cleanup() }
  })
})
