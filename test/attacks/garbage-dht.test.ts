import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { assertHolds, refusals } from '../helpers/attacks.js'
import { GARBAGE_KINDS, startGarbageDhtNode } from '../helpers/garbage-dht-node.js'
import { startNetwork } from '../helpers/network.js'
import type { KeyRecord } from '../../src/record/index.js'
import type { GarbageDhtNode } from '../helpers/garbage-dht-node.js'
import type { TestNetwork, TestNode } from '../helpers/network.js'

/**
 * Attack catalogue: a DHT node that answers every query with garbage
 * (docs/security.md, "DHT"). The target keeps it in its routing table and
 * asks it on every lookup (quorum above the network size); lookups still
 * resolve the right keys from the honest nodes, garbage values that reach
 * the /pqk/ validator are counted as ERR_RECORD_MALFORMED, the rest is
 * dropped by kad-dht, and nothing is thrown out of the process.
 */

describe('a DHT node that answers every query with garbage', () => {
  let net: TestNetwork
  let target: TestNode
  let garbage: GarbageDhtNode
  const problems: unknown[] = []
  const onProblem = (err: unknown): void => { problems.push(err) }

  before(async () => {
    process.on('uncaughtException', onProblem)
    process.on('unhandledRejection', onProblem)
    net = await startNetwork(4, { paths: { direct: false } })
    target = await net.add({ paths: { direct: false }, firstContactQuorum: 100, refreshQuorum: 100, firstContactGraceMs: 10_000, reputationThreshold: -100 })
    garbage = await startGarbageDhtNode([net.anchor.node.getMultiaddrs()[0].toString(), target.node.getMultiaddrs()[0].toString()])
    for (let i = 0; i < 200 && (await target.node.status()).dhtSize < net.nodes.length; i++) {
      await new Promise(resolve => setTimeout(resolve, 50))
    }
  })

  after(async () => {
    process.off('uncaughtException', onProblem)
    process.off('unhandledRejection', onProblem)
    await garbage.stop()
    await net.stop()
  })

  it('lookups still resolve the right keys, garbage values are counted, the registry holds the right records', async () => {
    const peers = net.nodes.filter(n => n !== target)
    const own = new Map<string, KeyRecord>()
    for (const { node } of peers) own.set(node.peerId.toString(), (await node.resolve(node.peerId)).record)
    const malformedBefore = await refusals(target.node, 'dht', 'ERR_RECORD_MALFORMED')

    // Enough lookups that the garbage node sends every kind of garbage several times.
    for (let round = 0; round < 3; round++) {
      for (const { node } of peers) {
        const keys = await target.node.resolve(node.peerId, { refresh: true })
        const right = own.get(node.peerId.toString())!
        assert.deepEqual(keys.mlDsaPublicKey, right.mlDsaPublicKey)
        assert.deepEqual(keys.mlKemPublicKey, right.mlKemPublicKey)
        assert.equal(keys.source, 'dht')
      }
    }
    for (const { node } of peers) await assertHolds(target.node, node.peerId, own.get(node.peerId.toString())!.bytes)

    const answers = [...garbage.sent.values()].reduce((n, v) => n + v, 0)
    console.log(`# garbage DHT node sent ${answers} answers: ${[...garbage.sent].map(([k, v]) => `${k} ${v}`).join(', ')}`)
    assert.ok(GARBAGE_KINDS.every(kind => (garbage.sent.get(kind) ?? 0) >= 1), 'the garbage node was asked enough to send every kind')
    assert.ok(await refusals(target.node, 'dht', 'ERR_RECORD_MALFORMED') > malformedBefore, 'random values under the right key reached the validator and were counted')
    assert.deepEqual(problems, [])
  })
})
