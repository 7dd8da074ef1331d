import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { DHT_PROTOCOL, putToPeers } from '../../src/dht/index.js'
import { selectPqCrypto } from '../../src/crypto/index.js'
import { loadIdentity } from '../../src/identity/index.js'
import { createKeyRecord, routingKeyFor } from '../../src/record/index.js'
import { libp2pOf } from '../../src/node/index.js'
import { dhtGet } from '../helpers/kad-wire.js'
import { startNetwork } from '../helpers/network.js'
import type { TestNetwork } from '../helpers/network.js'

describe('putToPeers: a record put straight to chosen DHT peers', () => {
  let net: TestNetwork

  before(async () => { net = await startNetwork(3) })
  after(async () => { await net.stop() })

  it('replaces the record a peer holds with a newer one, and a peer refuses an older one', async () => {
    const [, owner, holder] = net.nodes
    const key = routingKeyFor(owner.node.peerId)
    const libp2p = libp2pOf(owner.node)
    const components = { connectionManager: { openConnection: async (peer: Parameters<typeof libp2p.dial>[0], options?: Parameters<typeof libp2p.dial>[1]) => libp2p.dial(peer, options) } }
    // The holder takes the owner's record put straight to it (whether or not kad-dht's put reached it).
    const older = (await owner.node.resolve(owner.node.peerId)).record
    assert.equal(await putToPeers(components, DHT_PROTOCOL, [holder.node.peerId], older), 1)
    assert.deepEqual(await dhtGet(libp2p, holder.node.peerId, key), older.bytes)

    // A newer record, signed here and put to the holder alone (no kad-dht put).
    const identity = await loadIdentity(owner.dir.path, { crypto: selectPqCrypto() })
    const newer = await createKeyRecord({ privateKey: identity.privateKey, mlDsaSigner: identity.mlDsaSigner, mlKemPublicKey: identity.mlKem.publicKey, seq: older.seq + 1000 })
    assert.equal(await putToPeers(components, DHT_PROTOCOL, [holder.node.peerId], newer), 1)
    assert.deepEqual(await dhtGet(libp2p, holder.node.peerId, key), newer.bytes)

    // The holder's validator and selector keep the better record: the older one is not stored again.
    assert.equal(await putToPeers(components, DHT_PROTOCOL, [holder.node.peerId], older), 0)
    assert.deepEqual(await dhtGet(libp2p, holder.node.peerId, key), newer.bytes)
  })
})
