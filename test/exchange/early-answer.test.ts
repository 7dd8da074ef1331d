import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { pbStream } from '@libp2p/utils'
import { KeyRequest, KeyResponse } from '../../protobuf/key-exchange.js'
import { selectPqCrypto } from '../../src/crypto/index.js'
import { checkKeyResponse, createKeyRequest, KeyExchange, MAX_MESSAGE_BYTES, mayAnswerEarly, PendingKeyRequests } from '../../src/exchange/index.js'
import { createKeydirMetrics } from '../../src/metrics/index.js'
import { KeyRecordValidator } from '../../src/record/index.js'
import { libp2pOf } from '../../src/node/index.js'
import { exchangeComponents, nextNonce, signerOf } from '../helpers/exchange.js'
import { startNode } from '../helpers/network.js'
import { makeIdentity, makeRecord } from '../helpers/records.js'
import type { ExchangeSigner } from '../../src/exchange/index.js'
import type { TestNode } from '../helpers/network.js'

const crypto = selectPqCrypto()
const NOW = Date.now()

async function signerFor (): Promise<ExchangeSigner> {
  const identity = await makeIdentity(crypto)
  return { peerId: identity.peerId, record: await makeRecord(identity), mlDsaSigner: identity.mlDsaSigner }
}

describe('mayAnswerEarly: whether a responder starts signing before the carried record is checked', () => {
  it('yes for a request addressed to us, fresh, carrying the requester\'s record', async () => {
    const [requester, responder] = await Promise.all([signerFor(), signerFor()])
    const request = await createKeyRequest(requester, responder.peerId, 1n, NOW)
    assert.equal(mayAnswerEarly({ crypto, validator: new KeyRecordValidator({ crypto }), now: NOW }, request, requester.peerId, responder.peerId), true)
  })

  it('no for another responder, a stale timestamp, another peer\'s record, or a record cut short', async () => {
    const [requester, responder, other] = await Promise.all([signerFor(), signerFor(), signerFor()])
    const ctx = { crypto, validator: new KeyRecordValidator({ crypto }), now: NOW }
    const request = await createKeyRequest(requester, responder.peerId, 1n, NOW)
    const no = (changed: KeyRequest, remote = requester.peerId): void => {
      assert.equal(mayAnswerEarly(ctx, changed, remote, responder.peerId), false)
    }
    no({ ...request, responderId: other.peerId.toMultihash().bytes })
    no({ ...request, timestamp: BigInt(NOW - 6 * 60_000) })
    no({ ...request, requesterRecord: other.record.bytes as Uint8Array<ArrayBuffer> })
    no(request, other.peerId)
    const mh = requester.peerId.toMultihash().bytes
    for (const cut of [0, 1, 2, 1 + mh.byteLength]) {
      no({ ...request, requesterRecord: request.requesterRecord.slice(0, cut) })
    }
    // Field 1 with the requester's bytes but a wrong length prefix.
    const wrongLength = request.requesterRecord.slice()
    wrongLength[1] += 1
    no({ ...request, requesterRecord: wrongLength })
  })
})

describe('a responder signs its answer while it checks the request', () => {
  let a: TestNode
  let b: TestNode
  let signerA: ExchangeSigner

  before(async () => {
    a = await startNode({ paths: { dht: false } })
    b = await startNode({ paths: { dht: false }, bootstrap: [a.node.getMultiaddrs()[0].toString()] })
    signerA = await signerOf(a.node, a.dir.path)
  })

  after(async () => {
    for (const n of [a, b]) { await n.node.stop(); await n.dir.remove() }
  })

  it('starts the response signature before it decodes the carried record, and still refuses a request that fails', async () => {
    // B's exchange on a test protocol, noting what had started when its validator was first asked about the carried record.
    const protocol = '/keydir-test/early-answer/1.0.0'
    const signerB = await signerOf(b.node, b.dir.path)
    let signed = 0
    const seen: number[] = []
    const counted: ExchangeSigner = {
      ...signerB,
      mlDsaSigner: {
        ...signerB.mlDsaSigner,
        signsOffEventLoop: true,
        signAsync: async (message, context) => { signed++; return signerB.mlDsaSigner.signAsync(message, context) }
      }
    }
    const validator = new KeyRecordValidator({ crypto })
    const precheck = validator.precheck.bind(validator)
    validator.precheck = (peerId, bytes) => { seen.push(signed); return precheck(peerId, bytes) }
    const responder = new KeyExchange(exchangeComponents(libp2pOf(b.node)),
      { crypto, validator, registry: b.node.registry, requests: new PendingKeyRequests(), metrics: createKeydirMetrics(), self: () => counted, protocol, rateLimitRequests: 1000 })
    await responder.start()
    try {
      const send = async (request: KeyRequest): Promise<KeyResponse | undefined> => {
        const stream = await libp2pOf(a.node).dialProtocol(b.node.peerId, protocol, { signal: AbortSignal.timeout(10_000) })
        const pb = pbStream(stream, { maxDataLength: MAX_MESSAGE_BYTES })
        await pb.write(request, KeyRequest)
        return pb.read(KeyResponse, { signal: AbortSignal.timeout(10_000) }).catch(() => undefined)
      }
      const honest = await createKeyRequest(signerA, b.node.peerId, await nextNonce(a.node))
      const response = await send(honest)
      assert.ok(response !== undefined, 'an honest request is answered')
      assert.deepEqual(seen, [1], 'its answer was being signed when the carried record was first checked')
      const record = await checkKeyResponse({ crypto, validator: new KeyRecordValidator({ crypto }), now: Date.now() }, response, b.node.peerId, b.node.peerId, a.node.peerId, honest.nonce)
      assert.deepEqual(record.mlDsaPublicKey, signerB.record.mlDsaPublicKey)

      // Every check still runs: a carried record whose Ed25519 signature is broken is refused, its early signature never sent.
      const forged = await createKeyRequest(signerA, b.node.peerId, await nextNonce(a.node))
      const requesterRecord = forged.requesterRecord.slice()
      requesterRecord[Buffer.from(requesterRecord).indexOf(Buffer.from(signerA.record.libp2pSignature)) + 10] ^= 1
      assert.equal(await send({ ...forged, requesterRecord }), undefined, 'not answered')
    } finally {
      await responder.stop()
    }
  })
})
