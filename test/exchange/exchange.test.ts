import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { selectPqCrypto } from '../../src/crypto/index.js'
import { checkKeyResponse, createKeyRequest } from '../../src/exchange/index.js'
import { KeyRecordValidator } from '../../src/record/index.js'
import { nextNonce, signerOf, sendKeyRequest } from '../helpers/exchange.js'
import { counterValue, startNode } from '../helpers/network.js'
import { libp2pOf } from '../../src/node/index.js'
import type { TestNode } from '../helpers/network.js'
import type { ExchangeSigner } from '../../src/exchange/index.js'

const minute = 60_000
const refusals = async (node: TestNode, reason: string): Promise<number> =>
  counterValue(node.node, 'keydir_verification_failures_total', { source: 'exchange', reason })

describe('direct key exchange between two nodes', () => {
  let a: TestNode
  let b: TestNode
  let signerA: ExchangeSigner

  before(async () => {
    a = await startNode({ paths: { dht: false } })
    b = await startNode({ paths: { dht: false }, bootstrap: [a.node.getMultiaddrs()[0].toString()] })
    signerA = await signerOf(a.node, a.dir.path)
  })

  after(async () => {
    for (const n of [a, b]) {
      await n.node.stop()
      await n.dir.remove()
    }
  })

  it('resolves a connected peer through the direct path, and the responder learns the requester', async () => {
    const verifiedBefore = await counterValue(b.node, 'keydir_verified_peers')
    const keys = await b.node.resolve(a.node.peerId)
    const own = await a.node.resolve(a.node.peerId)
    assert.equal(keys.source, 'direct')
    assert.equal(keys.trust, 'direct')
    assert.deepEqual(keys.mlDsaPublicKey, own.mlDsaPublicKey)
    assert.deepEqual(keys.mlKemPublicKey, own.mlKemPublicKey)
    const learned = await a.node.registry.get(b.node.peerId)
    assert.equal(learned?.trust, 'direct')
    assert.equal(learned?.verified, true)
    // The gauge counts at scrape time: no timer has to run first.
    assert.equal(await counterValue(b.node, 'keydir_verified_peers'), verifiedBefore + 1)
  })

  it('refuses a captured request sent again, and a lower nonce', async () => {
    const nonce = await nextNonce(a.node)
    const request = await createKeyRequest(signerA, b.node.peerId, nonce)
    const response = await sendKeyRequest(libp2pOf(a.node), b.node.peerId, request)
    assert.equal(response.nonce, nonce)

    const before = await refusals(b, 'ERR_REPLAYED_NONCE')
    await assert.rejects(sendKeyRequest(libp2pOf(a.node), b.node.peerId, request))
    await assert.rejects(sendKeyRequest(libp2pOf(a.node), b.node.peerId, await createKeyRequest(signerA, b.node.peerId, nonce - 1n)))
    assert.equal(await refusals(b, 'ERR_REPLAYED_NONCE'), before + 2)
  })

  it('refuses a stale timestamp and one too far ahead', async () => {
    const before = await refusals(b, 'ERR_STALE_TIMESTAMP')
    const stale = await createKeyRequest(signerA, b.node.peerId, await nextNonce(a.node), Date.now() - 6 * minute)
    await assert.rejects(sendKeyRequest(libp2pOf(a.node), b.node.peerId, stale))
    const ahead = await createKeyRequest(signerA, b.node.peerId, await nextNonce(a.node), Date.now() + 6 * minute)
    await assert.rejects(sendKeyRequest(libp2pOf(a.node), b.node.peerId, ahead))
    assert.equal(await refusals(b, 'ERR_STALE_TIMESTAMP'), before + 2)
  })

  it('refuses a request whose signature does not verify, or addressed to someone else', async () => {
    const forged = await createKeyRequest(signerA, b.node.peerId, await nextNonce(a.node))
    forged.signature[5] ^= 1
    const beforeSig = await refusals(b, 'ERR_BAD_REQUEST_SIGNATURE')
    await assert.rejects(sendKeyRequest(libp2pOf(a.node), b.node.peerId, forged))
    assert.equal(await refusals(b, 'ERR_BAD_REQUEST_SIGNATURE'), beforeSig + 1)

    const misaddressed = await createKeyRequest(signerA, a.node.peerId, await nextNonce(a.node))
    const beforeAddr = await refusals(b, 'ERR_WRONG_RESPONDER')
    await assert.rejects(sendKeyRequest(libp2pOf(a.node), b.node.peerId, misaddressed))
    assert.equal(await refusals(b, 'ERR_WRONG_RESPONDER'), beforeAddr + 1)
  })

  it('refuses a captured response replayed to another request, or from another peer', async () => {
    const nonce = await nextNonce(a.node)
    const response = await sendKeyRequest(libp2pOf(a.node), b.node.peerId, await createKeyRequest(signerA, b.node.peerId, nonce))
    const crypto = selectPqCrypto()
    const ctx = { crypto, validator: new KeyRecordValidator({ crypto }), now: Date.now() }
    const record = await checkKeyResponse(ctx, response, b.node.peerId, b.node.peerId, a.node.peerId, nonce)
    assert.ok(record.peerId.equals(b.node.peerId))
    await assert.rejects(checkKeyResponse(ctx, response, b.node.peerId, b.node.peerId, a.node.peerId, nonce + 1n),
      (err: any) => err.code === 'ERR_NONCE_MISMATCH')
    await assert.rejects(checkKeyResponse(ctx, response, b.node.peerId, a.node.peerId, a.node.peerId, nonce),
      (err: any) => err.code === 'ERR_WRONG_RESPONDER')
    await assert.rejects(checkKeyResponse({ ...ctx, now: Date.now() + 6 * minute }, response, b.node.peerId, b.node.peerId, a.node.peerId, nonce),
      (err: any) => err.code === 'ERR_STALE_TIMESTAMP')
  })
})
