import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { fingerprint, selectPqCrypto } from '../../src/crypto/index.js'
import { createKeyDirectory } from '../../src/node/index.js'
import { followHistory, MAX_HISTORY_LINKS, recordHash } from '../../src/record/index.js'
import { startNetwork } from '../helpers/network.js'
import type { KeyRecord } from '../../src/record/index.js'

/** The own record's history (issue 20, item 2; docs/record-format.md, "History"). */

const crypto = selectPqCrypto()
const pinAt = (record: KeyRecord): { fingerprint: Uint8Array, mlDsaPublicKey: Uint8Array } =>
  ({ fingerprint: fingerprint(record.mlDsaPublicKey), mlDsaPublicKey: record.mlDsaPublicKey })

describe('publisher: the own record names the one it replaces and carries the last hand-overs', () => {
  it('chains every record it signs, across rotations and a restart, and keeps the newest two links', async () => {
    const net = await startNetwork(2)
    try {
      const { node, dir } = net.nodes[1]
      const records = [(await node.resolve(node.peerId)).record]
      records.push(await node.publish())
      for (let i = 0; i < 4; i++) records.push(await node.rotate())
      for (let i = 1; i < records.length; i++) {
        assert.deepEqual(records[i].previousRecordHash, recordHash(records[i - 1].bytes), `record ${i} does not name record ${i - 1}`)
      }
      // records[1] is K0, then K1 … K4.
      assert.deepEqual(records.slice(1).map(r => r.history?.length ?? 0), [0, 0, 1, 2, 2])
      assert.equal(records[5].history?.length, MAX_HISTORY_LINKS)
      assert.deepEqual(records[5].history?.map(link => link.mlDsaPublicKey), [records[4].mlDsaPublicKey, records[3].mlDsaPublicKey])

      // K4's record alone takes a holder pinned at K1 through three rotations; K0 is one too far back.
      assert.equal(followHistory(crypto, records[5], pinAt(records[2])).rotations, 3)
      assert.throws(() => followHistory(crypto, records[5], pinAt(records[1])), (err: any) => err.code === 'ERR_HISTORY_BEYOND_BOUND')

      // After a restart the first record it signs names the last one signed before.
      await node.stop()
      const restarted = await createKeyDirectory({ dataDir: dir.path, createIdentity: false, discoverOnConnect: false, bootstrap: [net.anchorEntry] })
      net.nodes[1] = { node: restarted, dir }
      const signed: KeyRecord[] = []
      const store = restarted.registry.storePeerKeys.bind(restarted.registry)
      restarted.registry.storePeerKeys = async (input, trust, options) => {
        if (trust === 'self' && !(input instanceof Uint8Array)) signed.push(input)
        return store(input, trust, options)
      }
      await restarted.start()
      await restarted.publish()
      assert.ok(signed.length >= 2)
      assert.deepEqual(signed[0].previousRecordHash, recordHash(records[5].bytes))
      for (let i = 1; i < signed.length; i++) assert.deepEqual(signed[i].previousRecordHash, recordHash(signed[i - 1].bytes))
      assert.deepEqual(signed[0].history, records[5].history)
    } finally {
      await net.stop()
    }
  })
})
