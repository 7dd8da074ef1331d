import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import { marshalEnvelope, unmarshalEnvelope } from '../../src/envelope/index.js'
import { libp2pOf } from '../../src/node/index.js'
import { hasCode } from '../helpers/attacks.js'
import { counterValue, startNetwork, waitUntil } from '../helpers/network.js'
import type { TestNetwork, TestNode } from '../helpers/network.js'

/**
 * Sealed envelopes between keydir nodes over real TCP on loopback
 * (issue 22, item 1): only the recipient opens, it sees the sender, and
 * every change of the bytes, every revoked or rotated party is refused by
 * its typed error. Outcomes only, never timings.
 */
describe('sealed envelopes between nodes', () => {
  let net: TestNetwork
  let a: TestNode
  let b: TestNode
  let c: TestNode

  before(async () => {
    net = await startNetwork(3)
    ;[a, b, c] = net.nodes
    // Each knows the others (what a resolve through the directory gives).
    for (const x of net.nodes) for (const y of net.nodes) if (x !== y) await x.node.resolve(y.node.peerId)
  })

  after(async () => { await net.stop() })

  it('A seals to B, B opens it and sees A; C cannot open it', async () => {
    const data = new Uint8Array(randomBytes(5000))
    data[0] = 0
    data[1] = 0xff
    const envelope = await a.node.seal(b.node.peerId, data)
    const opened = await b.node.open(envelope)
    assert.ok(opened.from.equals(a.node.peerId))
    assert.deepEqual(opened.data, data)
    await assert.rejects(c.node.open(envelope), hasCode('ERR_ENVELOPE_NOT_FOR_US', 'EnvelopeError'))
    // C names itself and its own record as the recipient: the key schedule and the key are B's, so nothing opens.
    const readdressed = marshalEnvelope({ ...unmarshalEnvelope(envelope), recipient: c.node.peerId, recipientSeq: (await c.node.resolve(c.node.peerId)).seq })
    await assert.rejects(c.node.open(readdressed), hasCode('ERR_ENVELOPE_DECRYPT', 'EnvelopeError'))
    assert.ok(await counterValue(b.node, 'keydir_envelopes_total', { op: 'open', result: 'ok' }) >= 1)
    assert.ok(await counterValue(c.node, 'keydir_envelopes_total', { op: 'open', result: 'ERR_ENVELOPE_DECRYPT' }) >= 1)
  })

  it('an empty message and one of the full 1 MiB seal and open; one byte more is refused', async () => {
    const empty = await b.node.open(await a.node.seal(b.node.peerId, new Uint8Array(0)))
    assert.equal(empty.data.length, 0)
    const full = new Uint8Array(randomBytes(1024 * 1024))
    assert.deepEqual((await b.node.open(await a.node.seal(b.node.peerId, full))).data, full)
    await assert.rejects(a.node.seal(b.node.peerId, new Uint8Array(1024 * 1024 + 1)), hasCode('ERR_ENVELOPE_TOO_LARGE', 'EnvelopeError'))
  })

  it('every single-byte flip of an envelope is refused with a typed error, and nothing opens', async () => {
    const envelope = await a.node.seal(b.node.peerId, Uint8Array.from([1, 2, 3, 4]))
    const codes = new Map<string, number>()
    for (let i = 0; i < envelope.length; i++) {
      const flipped = Uint8Array.from(envelope)
      flipped[i] ^= 0xff
      const code = await b.node.open(flipped).then(() => 'opened', (err: any) => `${String(err.name)} ${String(err.code)}`)
      codes.set(code, (codes.get(code) ?? 0) + 1)
    }
    assert.ok(!codes.has('opened'), `a flipped envelope opened: ${JSON.stringify([...codes])}`)
    for (const code of codes.keys()) assert.match(code, /^(EnvelopeError ERR_ENVELOPE_|KeydirError ERR_)/)
    assert.ok(codes.has('EnvelopeError ERR_ENVELOPE_DECRYPT'))
  })

  it('a truncated envelope is refused', async () => {
    const envelope = await a.node.seal(b.node.peerId, Uint8Array.from([9]))
    for (const length of [0, 1, 40, envelope.length - 1]) {
      await assert.rejects(b.node.open(envelope.subarray(0, length)), (err: any) => err.name === 'EnvelopeError')
    }
  })

  it('A signs, B verifies against the directory; another peer, other data or a flipped signature are not valid', async () => {
    const data = Uint8Array.from([0, 1, 2, 0xff])
    const signature = await a.node.sign(data)
    assert.equal(signature.length, 3309)
    const seq = (await b.node.resolve(a.node.peerId)).seq
    assert.deepEqual(await b.node.verify(a.node.peerId, data, signature), { valid: true, current: true, seq })
    assert.equal((await b.node.verify(c.node.peerId, data, signature)).valid, false)
    assert.equal((await b.node.verify(a.node.peerId, Uint8Array.from([0, 1, 2]), signature)).valid, false)
    const flipped = Uint8Array.from(signature, (v, i) => i === 7 ? v ^ 1 : v)
    assert.deepEqual(await b.node.verify(a.node.peerId, data, flipped), { valid: false, current: false, seq })
  })
})

describe('envelopes and signatures across a rotation', () => {
  let net: TestNetwork
  let a: TestNode
  let b: TestNode

  before(async () => {
    net = await startNetwork(2)
    ;[a, b] = net.nodes
    await a.node.resolve(b.node.peerId)
    await b.node.resolve(a.node.peerId)
  })

  after(async () => { await net.stop() })

  it('a seal after B rotates uses the new key; one sealed before still opens within the grace time', async () => {
    const before = await a.node.seal(b.node.peerId, Uint8Array.from([1]))
    const oldSeq = unmarshalEnvelope(before).recipientSeq
    const rotated = await b.node.rotate()
    // The push reaches A, or A's next resolve finds the new record.
    await waitUntil(async () => (await a.node.resolve(b.node.peerId)).seq === rotated.seq, 'A holds B\'s rotated record')
    const afterRotation = await a.node.seal(b.node.peerId, Uint8Array.from([2]))
    assert.equal(unmarshalEnvelope(afterRotation).recipientSeq, rotated.seq)
    assert.ok(rotated.seq > oldSeq)
    assert.deepEqual([...(await b.node.open(afterRotation)).data], [2])
    assert.deepEqual([...(await b.node.open(before)).data], [1])
  })

  it('after A rotates, its old signatures are valid by an earlier key with the old seq; its old envelopes are a stale sender key', async () => {
    const data = Uint8Array.from([42])
    const oldSignature = await a.node.sign(data)
    const oldEnvelope = await a.node.seal(b.node.peerId, data)
    const oldSeq = (await b.node.resolve(a.node.peerId)).seq
    const rotated = await a.node.rotate()
    await waitUntil(async () => (await b.node.resolve(a.node.peerId)).seq === rotated.seq, 'B holds A\'s rotated record')
    assert.deepEqual(await b.node.verify(a.node.peerId, data, oldSignature), { valid: true, current: false, seq: oldSeq })
    assert.deepEqual(await b.node.verify(a.node.peerId, data, await a.node.sign(data)), { valid: true, current: true, seq: rotated.seq })
    await assert.rejects(b.node.open(oldEnvelope), hasCode('ERR_ENVELOPE_STALE_SENDER_KEY', 'EnvelopeError'))
  })
})

describe('an envelope to a key retired past the grace time', () => {
  let net: TestNetwork | undefined

  after(async () => { await net?.stop() })

  it('is refused as retired, not tried with the new key', async () => {
    net = await startNetwork(2)
    const a = net.nodes[1]
    const b = await net.add({ envelopeGraceMs: 0 })
    await a.node.resolve(b.node.peerId)
    const sealed = await a.node.seal(b.node.peerId, Uint8Array.from([1]))
    await b.node.rotate()
    await assert.rejects(b.node.open(sealed), hasCode('ERR_ENVELOPE_KEY_RETIRED', 'EnvelopeError'))
    assert.equal(await counterValue(b.node, 'keydir_envelopes_total', { op: 'open', result: 'ERR_ENVELOPE_KEY_RETIRED' }), 1)
  })
})

describe('envelopes and a revoked peer', () => {
  let net: TestNetwork
  let a: TestNode
  let b: TestNode
  let r: TestNode

  before(async () => {
    net = await startNetwork(3)
    ;[a, b, r] = net.nodes
    for (const x of net.nodes) for (const y of net.nodes) if (x !== y) await x.node.resolve(y.node.peerId)
  })

  after(async () => { await net.stop() })

  it('nothing is sealed to a revoked peer, its envelopes and signatures are refused, and it seals and signs nothing', async () => {
    const fromR = await r.node.seal(b.node.peerId, Uint8Array.from([7]))
    const signed = await r.node.sign(Uint8Array.from([7]))
    await r.node.revoke({ reason: 'retired' })
    for (const x of [a, b]) {
      await waitUntil(async () => x.node.resolve(r.node.peerId).then(() => false, (err: any) => err.code === 'ERR_REVOKED'), 'the revocation reached the peer')
    }
    await assert.rejects(a.node.seal(r.node.peerId, Uint8Array.from([1])), hasCode('ERR_REVOKED'))
    await assert.rejects(b.node.open(fromR), hasCode('ERR_REVOKED'))
    await assert.rejects(b.node.verify(r.node.peerId, Uint8Array.from([7]), signed), hasCode('ERR_REVOKED'))
    await assert.rejects(r.node.seal(a.node.peerId, Uint8Array.from([1])), hasCode('ERR_REVOKED'))
    await assert.rejects(r.node.sign(Uint8Array.from([1])), hasCode('ERR_REVOKED'))
    assert.ok(libp2pOf(r.node).services.publisher.revoked)
  })
})
