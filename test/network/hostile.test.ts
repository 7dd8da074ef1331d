import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { selectPqCrypto } from '../../src/crypto/index.js'
import { createKeyResponse } from '../../src/exchange/index.js'
import { loadIdentity } from '../../src/identity/index.js'
import { createKeyRecord, routingKeyFor } from '../../src/record/index.js'
import { hostileRecord, startHostileNode } from '../helpers/hostile-node.js'
import { counterValue, startNetwork, startNode } from '../helpers/network.js'
import type { ResponseMaker, HostileNode } from '../helpers/hostile-node.js'
import type { TestNetwork, TestNode } from '../helpers/network.js'
import type { KeyRecord } from '../../src/record/index.js'

const day = 24 * 60 * 60_000

describe('a hostile node in the network', () => {
  let net: TestNetwork
  let hostile: HostileNode
  let victim: TestNode
  let other: TestNode
  let victimRecord: KeyRecord
  const started: TestNode[] = []

  /** A victim-signed record with chosen fields: as if the victim's old record leaked. */
  async function victimSigned (seq: number, issuedAt: number, lifetimeMs: number): Promise<KeyRecord> {
    const crypto = selectPqCrypto()
    const identity = await loadIdentity(victim.dir.path, { crypto })
    return createKeyRecord({ privateKey: identity.privateKey, mlDsaSigner: identity.mlDsaSigner, mlKemPublicKey: identity.mlKem.publicKey, seq, issuedAt, lifetimeMs })
  }

  /** A fresh honest node connected to the hostile node (and, for the DHT, to the anchor). */
  async function freshResolver (paths: { dht?: boolean, direct?: boolean }): Promise<TestNode> {
    const bootstrap = paths.dht === false ? [hostile.multiaddr] : [hostile.multiaddr, net.anchor.node.getMultiaddrs()[0].toString()]
    // The whole query runs (quorum above the network size, no grace time), so the hostile node is always asked.
    const node = await startNode({ bootstrap, paths, firstContactQuorum: 100, refreshQuorum: 100, firstContactGraceMs: 10_000, reputationThreshold: -100 })
    started.push(node)
    if (paths.dht !== false) {
      for (let waited = 0; waited < 400 && (await node.node.status()).dhtSize < net.nodes.length + 1; waited++) {
        await new Promise(resolve => setTimeout(resolve, 50))
      }
    }
    return node
  }

  before(async () => {
    net = await startNetwork(5, { paths: { direct: false } })
    victim = net.nodes[1]
    other = net.nodes[2]
    victimRecord = (await victim.node.resolve(victim.node.peerId)).record
    hostile = await startHostileNode([net.anchor.node.getMultiaddrs()[0].toString()])
  })

  after(async () => {
    for (const n of started) { await n.node.stop(); await n.dir.remove() }
    await hostile.stop()
    await net.stop()
  })

  const dhtCases: Array<[string, string, () => Promise<Uint8Array>]> = [
    ['a forged ML-DSA-65 signature', 'ERR_BAD_ML_DSA_SIGNATURE', async () => {
      const forged = Uint8Array.from(victimRecord.bytes)
      forged[forged.length - 100] ^= 1
      return forged
    }],
    ['another peer\'s valid record (re-bound)', 'ERR_PEER_ID_MISMATCH', async () => (await other.node.resolve(other.node.peerId)).record.bytes],
    ['an expired record', 'ERR_RECORD_EXPIRED', async () => (await victimSigned(victimRecord.seq + 5, Date.now() - 2 * day, day)).bytes],
    ['a rolled-back record', 'ERR_ROLLBACK', async () => (await victimSigned(1, Date.now() - 1000, day)).bytes]
  ]

  for (const [name, reason, make] of dhtCases) {
    it(`DHT: honest nodes resolve the right keys past ${name}, and count ${reason}`, async () => {
      await hostile.serveDhtRecord(routingKeyFor(victim.node.peerId), await make())
      const resolver = await freshResolver({ direct: false })
      const keys = await resolver.node.resolve(victim.node.peerId)
      assert.deepEqual(keys.mlDsaPublicKey, victimRecord.mlDsaPublicKey)
      assert.deepEqual(keys.mlKemPublicKey, victimRecord.mlKemPublicKey)
      assert.ok(keys.seq >= victimRecord.seq)
      assert.ok(await counterValue(resolver.node, 'keydir_verification_failures_total', { source: 'dht', reason }) >= 1,
        `expected a ${reason} rejection to be counted; counted: ${JSON.stringify((await resolver.node.metrics.registry.getSingleMetric('keydir_verification_failures_total')?.get())?.values ?? [])}`)
    })
  }

  const exchangeCases: Array<[string, string, ResponseMaker]> = [
    ['a forged response signature', 'ERR_BAD_RESPONSE_SIGNATURE', async (request, remote) => {
      const response = await createKeyResponse({ peerId: hostile.identity.peerId, record: await hostileRecord(hostile), mlDsaSigner: hostile.identity.mlDsaSigner }, remote, request.nonce)
      response.signature[7] ^= 1
      return response
    }],
    ['another peer\'s record (re-bound)', 'ERR_PEER_ID_MISMATCH', async (request, remote) =>
      await createKeyResponse({ peerId: hostile.identity.peerId, record: victimRecord, mlDsaSigner: hostile.identity.mlDsaSigner }, remote, request.nonce)],
    ['its own expired record', 'ERR_RECORD_EXPIRED', async (request, remote) =>
      await createKeyResponse({ peerId: hostile.identity.peerId, record: await hostileRecord(hostile, { issuedAt: Date.now() - 2 * day, lifetimeMs: day }), mlDsaSigner: hostile.identity.mlDsaSigner }, remote, request.nonce)],
    ['a response to another request (nonce)', 'ERR_NONCE_MISMATCH', async (request, remote) =>
      await createKeyResponse({ peerId: hostile.identity.peerId, record: await hostileRecord(hostile), mlDsaSigner: hostile.identity.mlDsaSigner }, remote, request.nonce - 1n)]
  ]

  for (const [name, reason, make] of exchangeCases) {
    it(`exchange: refuses ${name} with ${reason}`, async () => {
      await hostile.answerKeyRequests(make)
      const resolver = await freshResolver({ dht: false })
      await assert.rejects(resolver.node.resolve(hostile.identity.peerId), (err: any) => err.code === 'ERR_NOT_FOUND')
      assert.equal(await counterValue(resolver.node, 'keydir_verification_failures_total', { source: 'exchange', reason }), 1)
      assert.equal(await resolver.node.registry.get(hostile.identity.peerId), undefined)
    })
  }

  it('exchange: a rolled-back record is refused and the newer one stays', async () => {
    const current = await hostileRecord(hostile, { seq: 10 })
    const older = await hostileRecord(hostile, { seq: 5 })
    let answer = current
    await hostile.answerKeyRequests(async (request, remote) =>
      await createKeyResponse({ peerId: hostile.identity.peerId, record: answer, mlDsaSigner: hostile.identity.mlDsaSigner }, remote, request.nonce))
    const resolver = await freshResolver({ dht: false })
    assert.equal((await resolver.node.resolve(hostile.identity.peerId)).seq, 10)
    answer = older
    await assert.rejects(resolver.node.resolve(hostile.identity.peerId, { refresh: true }))
    assert.equal(await counterValue(resolver.node, 'keydir_verification_failures_total', { source: 'resolve', reason: 'ERR_ROLLBACK' }), 1)
    assert.equal((await resolver.node.registry.get(hostile.identity.peerId))?.record.seq, 10)
  })
})
