import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { libp2pOf } from '../../src/node/index.js'
import { SessionError } from '../../src/errors.js'
import { nativeCrypto, type MlDsaSigner } from '../../src/crypto/index.js'
import { wireProtocol, type SecureStream } from '../../src/session/index.js'
import { counterValue, startNetwork, waitUntil } from '../helpers/network.js'
import { sendRaw } from '../helpers/raw-stream.js'
import { echo, readAll, sendAll } from './helpers.js'
import type { TestNetwork, TestNode } from '../helpers/network.js'
import type { Stream } from '@libp2p/interface'

const PROTOCOL = '/echo/1.0.0'
const WIRE = wireProtocol(PROTOCOL)

const sessionCode = (code: string) => (err: any): boolean => {
  assert.ok(err instanceof SessionError, `expected a SessionError ${code}, got ${String(err?.name)} ${String(err?.code)}: ${String(err?.message)}`)
  assert.equal(err.code, code)
  return true
}
const isSessionError = (err: any): boolean => {
  assert.ok(err instanceof SessionError, `expected a SessionError, got ${String(err?.name)} ${String(err?.code)}: ${String(err?.message)}`)
  return true
}

/** Relay every byte of `a` to `b` and back: a man in the middle that speaks under its own identity on both connections. */
function splice (a: Stream, b: Stream): void {
  for (const [from, to] of [[a, b], [b, a]]) {
    from.addEventListener('message', evt => { to.send(evt.data) })
    from.addEventListener('close', evt => { if (evt.error != null) to.abort(evt.error); else to.close().catch(() => {}) })
    from.addEventListener('remoteCloseWrite', () => { to.close().catch(() => {}) })
  }
}

describe('secure sessions under attack, over TCP', () => {
  let net: TestNetwork
  let a: TestNode
  let b: TestNode
  let m: TestNode
  const accepted = new Map<string, number>()

  before(async () => {
    net = await startNetwork(4, { sessionHandshakeTimeoutMs: 1_500 })
    ;[, a, b, m] = net.nodes
    for (const n of [a, b]) {
      await n.node.handleSecure(PROTOCOL, async (stream, peer) => {
        accepted.set(n.node.peerId.toString(), (accepted.get(n.node.peerId.toString()) ?? 0) + 1)
        void peer
        await echo(stream)
      })
    }
  })

  after(async () => { await net.stop() })

  it('M relaying A\'s handshake to B over its own connection: refused, B never opens it (both directions)', async () => {
    const mitm = libp2pOf(m.node)
    let target = b
    await mitm.handle(WIRE, async (inbound) => {
      const outbound = await mitm.dialProtocol(target.node.peerId, WIRE)
      splice(inbound, outbound)
    })
    for (const [victim, other] of [[a, b], [b, a]]) {
      target = other
      const acceptedBefore = accepted.get(other.node.peerId.toString()) ?? 0
      const refusedBefore = await counterValue(other.node, 'keydir_sessions_total', { role: 'responder' }) - await counterValue(other.node, 'keydir_sessions_total', { role: 'responder', outcome: 'opened' })
      await assert.rejects(victim.node.dialSecure(m.node.peerId, PROTOCOL), sessionCode('ERR_SESSION_DECRYPT'))
      await waitUntil(async () => await counterValue(other.node, 'keydir_sessions_total', { role: 'responder' }) - await counterValue(other.node, 'keydir_sessions_total', { role: 'responder', outcome: 'opened' }) > refusedBefore, 'the relayed side counts a refused session')
      assert.equal(accepted.get(other.node.peerId.toString()) ?? 0, acceptedBefore, 'the handler never ran')
    }
    await mitm.unhandle(WIRE)
  })

  it('a silent responder and a silent initiator are cut off by the handshake timeout', { timeout: 60_000 }, async () => {
    const mitm = libp2pOf(m.node)
    await mitm.handle(WIRE, () => {})
    await assert.rejects(a.node.dialSecure(m.node.peerId, PROTOCOL), sessionCode('ERR_SESSION_TIMEOUT'))
    await mitm.unhandle(WIRE)
    const silent = await sendRaw(mitm, b.node.peerId, WIRE, new Uint8Array(0), { keepOpen: true, timeoutMs: 5_000 })
    assert.equal(silent.reset, true, 'B resets a stream that sends no handshake')
    assert.ok(await counterValue(b.node, 'keydir_sessions_total', { role: 'responder', outcome: 'ERR_SESSION_TIMEOUT' }) >= 1)
  })

  it('garbage instead of message 1 is refused and counted', async () => {
    const reply = await sendRaw(libp2pOf(m.node), b.node.peerId, WIRE, Uint8Array.of(0x00, 0x05, 1, 2, 3, 4, 5), { timeoutMs: 5_000 })
    assert.equal(reply.reply.byteLength, 0)
    await waitUntil(async () => await counterValue(b.node, 'keydir_sessions_total', { role: 'responder', outcome: 'ERR_SESSION_BAD_MESSAGE' }) >= 1, 'B counts the bad message')
  })

  it('a forged transport frame injected into the stream aborts the session with ERR_SESSION_DECRYPT', async () => {
    const before = await counterValue(b.node, 'keydir_sessions_total', { outcome: 'ERR_SESSION_DECRYPT' })
    const stream = await a.node.dialSecure(b.node.peerId, PROTOCOL)
    // Well-framed bytes that were never encrypted under the session's key, straight onto the stream below.
    const inner = (stream as unknown as { inner: Stream }).inner
    inner.send(Uint8Array.from([0x00, 0x20, ...new Uint8Array(32).fill(7)]))
    await waitUntil(async () => await counterValue(b.node, 'keydir_sessions_total', { outcome: 'ERR_SESSION_DECRYPT' }) > before, 'B counts the broken session')
    await readAll(stream).catch(() => {})
    assert.notEqual(stream.status, 'open', 'A\'s end is over too')
  })

  it('a SecureStream frame altered in flight: the reader\'s stream ends with the SessionError', async () => {
    let got: (stream: SecureStream) => void = () => {}
    const handledLater = new Promise<SecureStream>(resolve => { got = resolve })
    await b.node.handleSecure('/tamper/1.0.0', stream => { got(stream) })
    const dialed = await a.node.dialSecure(b.node.peerId, '/tamper/1.0.0')
    const handled = await handledLater
    // The next frame A would send, sealed under the session's key, then one bit altered on its way.
    const sealed = (dialed as unknown as { keys: { send: { encryptWithAd: (ad: Uint8Array, p: Uint8Array) => Uint8Array } } }).keys.send.encryptWithAd(new Uint8Array(0), new TextEncoder().encode('hello'))
    sealed[3] ^= 0x01
    ;(dialed as unknown as { inner: Stream }).inner.send(Uint8Array.from([sealed.byteLength >> 8, sealed.byteLength & 0xff, ...sealed]))
    await assert.rejects(readAll(handled), isSessionError)
  })

  it('still works for honest peers after all that', async () => {
    const stream = await a.node.dialSecure(b.node.peerId, PROTOCOL)
    const data = new Uint8Array(70_000).fill(3)
    const [, echoed] = await Promise.all([sendAll(stream, data), readAll(stream)])
    assert.equal(echoed.byteLength, data.byteLength)
  })
})

describe('secure sessions and the directory\'s trust rules, over TCP', () => {
  let net: TestNetwork
  let a: TestNode
  let b: TestNode
  let d: TestNode

  before(async () => {
    net = await startNetwork(3)
    ;[, a, b] = net.nodes
    // D learns keys from the DHT only: the peers it resolves never learn that D holds their keys, so no push reaches it.
    d = await net.add({ paths: { direct: false } })
    for (const n of [a, b, d]) await n.node.handleSecure(PROTOCOL, async stream => { await echo(stream) })
    await b.node.resolve(a.node.peerId, { refresh: true })
    await d.node.resolve(a.node.peerId)
  })

  after(async () => { await net.stop() })

  it('a peer whose ML-DSA-65 key is not the directory\'s (its libp2p key alone, e.g. stolen) is refused both ways', async () => {
    // A's PeerId and libp2p key, but signing with a key the directory never held for A.
    const service = libp2pOf(a.node).services.secureSessions as unknown as { init: { signer: () => MlDsaSigner } }
    const real = service.init.signer
    service.init.signer = () => nativeCrypto.mlDsa65.createSigner(new Uint8Array(32).fill(9))
    try {
      const refused = await counterValue(b.node, 'keydir_sessions_total', { role: 'responder', outcome: 'ERR_SESSION_BAD_SIGNATURE' })
      await assert.rejects(a.node.dialSecure(b.node.peerId, PROTOCOL), sessionCode('ERR_SESSION_CLOSED'))
      await waitUntil(async () => await counterValue(b.node, 'keydir_sessions_total', { role: 'responder', outcome: 'ERR_SESSION_BAD_SIGNATURE' }) === refused + 1, 'B counts the refusal')
      await assert.rejects(b.node.dialSecure(a.node.peerId, PROTOCOL), sessionCode('ERR_SESSION_BAD_SIGNATURE'))
    } finally {
      service.init.signer = real
    }
    const stream = await b.node.dialSecure(a.node.peerId, PROTOCOL)
    await stream.close()
  })

  it('a revoked peer cannot open a session either way', async () => {
    await a.node.revoke()
    await waitUntil(() => b.node.registry.getRevocation(a.node.peerId) !== undefined, 'B holds the pushed revocation')
    // A itself opens and accepts nothing.
    await assert.rejects(a.node.dialSecure(b.node.peerId, PROTOCOL), sessionCode('ERR_SESSION_SELF_REVOKED'))
    // B knows: it refuses to dial A.
    await assert.rejects(b.node.dialSecure(a.node.peerId, PROTOCOL), sessionCode('ERR_SESSION_PEER_REVOKED'))
    // D learns it from the DHT (it stores /pqk/ records too), or is refused by A itself.
    await assert.rejects(d.node.dialSecure(a.node.peerId, PROTOCOL), isSessionError)
    // A, as responder, answers no handshake even from a peer that never heard of the revocation.
    const raw = await sendRaw(libp2pOf(d.node), a.node.peerId, WIRE, Uint8Array.from([0x04, 0xc0, ...new Uint8Array(1216).fill(1)]), { timeoutMs: 5_000 })
      .catch(err => ({ reply: new Uint8Array(0), reset: (err as Error).name === 'StreamStateError' }))
    assert.deepEqual(raw, { reply: new Uint8Array(0), reset: true })
    assert.ok(await counterValue(a.node, 'keydir_sessions_total', { role: 'responder', outcome: 'ERR_SESSION_SELF_REVOKED' }) >= 1)
    assert.ok(await counterValue(b.node, 'keydir_sessions_total', { role: 'initiator', outcome: 'ERR_SESSION_PEER_REVOKED' }) >= 1)
  })
})
