import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { describe, it } from 'node:test'
import { streamPair } from '@libp2p/utils'
import { nativeCrypto } from '../../src/crypto/index.js'
import { ResolveError, SessionError } from '../../src/errors.js'
import {
  CipherState, encodeIdentity, initiateSession, InitiatorHandshake, RESPONDER_CONTEXT, ResponderHandshake, respondSession, sessionPrologue
} from '../../src/session/index.js'
import { codeOf, nameOf, runPair } from './pair.js'
import { deterministicSigner, initiatorEphemerals, responderEphemerals, sessionParties, sessionTranscript } from '../vectors/session-transcript.js'

const EMPTY = new Uint8Array(0)
const encoder = new TextEncoder()
const keyOf = (state: CipherState): Uint8Array => (state as unknown as { k: Uint8Array }).k

function isSessionError (err: unknown): boolean {
  return err instanceof SessionError && typeof err.code === 'string' && err.code.startsWith('ERR_SESSION_')
}

describe('session handshake', () => {
  it('two parties agree on keys and the handshake hash', async () => {
    const { initiator, responder } = await runPair()
    assert.equal(initiator.status, 'fulfilled')
    assert.equal(responder.status, 'fulfilled')
    if (initiator.status !== 'fulfilled' || responder.status !== 'fulfilled') return
    assert.deepEqual(initiator.value.keys.handshakeHash, responder.value.keys.handshakeHash)
    const frame = initiator.value.keys.send.encryptWithAd(EMPTY, encoder.encode('hi'))
    assert.equal(new TextDecoder().decode(responder.value.keys.receive.decryptWithAd(EMPTY, frame)), 'hi')
  })

  it('a responder whose directory key differs is refused by the initiator (ERR_SESSION_BAD_SIGNATURE)', async () => {
    const { initiator, responder } = await runPair({ responderKey: Promise.resolve(deterministicSigner(new Uint8Array(32).fill(1)).publicKey) })
    assert.equal(codeOf(initiator), 'ERR_SESSION_BAD_SIGNATURE')
    assert.equal(nameOf(initiator), 'SessionError')
    assert.ok(responder.status === 'rejected' && isSessionError(responder.reason))
  })

  it('an initiator whose directory key differs is refused by the responder (ERR_SESSION_BAD_SIGNATURE)', async () => {
    const { initiator, responder } = await runPair({ initiatorKey: Promise.resolve(deterministicSigner(new Uint8Array(32).fill(1)).publicKey) })
    assert.equal(codeOf(responder), 'ERR_SESSION_BAD_SIGNATURE')
    assert.ok(initiator.status === 'rejected' && isSessionError(initiator.reason), 'the initiator learns the session was refused')
  })

  it('revoked, equivocated and unknown peers are refused before anything is signed for them', async () => {
    for (const [code, expected] of [['ERR_REVOKED', 'ERR_SESSION_PEER_REVOKED'], ['ERR_EQUIVOCATION', 'ERR_SESSION_PEER_EQUIVOCATED'], ['ERR_NOT_FOUND', 'ERR_SESSION_PEER_UNKNOWN']]) {
      const refused = Promise.reject(new ResolveError(code, 'no'))
      const asResponder = await runPair({ initiatorKey: refused })
      assert.equal(codeOf(asResponder.responder), expected)
      assert.equal(codeOf(asResponder.initiator), 'ERR_SESSION_CLOSED')
      const asInitiator = await runPair({ responderKey: refused })
      assert.equal(codeOf(asInitiator.initiator), expected)
    }
  })

  it('a responder that proves another identity, with a valid signature, is refused (ERR_SESSION_PEER_MISMATCH)', async () => {
    const { initiator, responder } = await sessionParties()
    const mallory = { peerId: (await sessionParties()).initiator.peerId, signer: deterministicSigner(new Uint8Array(32).fill(2)) }
    const [iStream, rStream] = await streamPair()
    // Mallory answers on the responder's connection, with the right prologue, but shows her own PeerId and key.
    const evil = (async () => {
      const { lpStream } = await import('@libp2p/utils')
      const { decodeLength, encodeLength } = await import('../../src/session/frames.js')
      const lp = lpStream(rStream, { lengthDecoder: decodeLength, lengthEncoder: encodeLength, maxLengthLength: 2 })
      const hs = new ResponderHandshake(sessionPrologue(initiator.peerId, responder.peerId, '/echo/1.0.0'), nativeCrypto.mlKem768)
      hs.readMessage1((await lp.read()).subarray())
      const { prefix, signedHash } = hs.beginMessage2()
      const signature = mallory.signer.sign(signedHash, encoder.encode(RESPONDER_CONTEXT))
      await lp.write(hs.finishMessage2(prefix, encodeIdentity(mallory.peerId, signature)).message)
    })()
    const signal = AbortSignal.timeout(5_000)
    await assert.rejects(initiateSession(iStream, {
      crypto: nativeCrypto, protocol: '/echo/1.0.0', signal, timedOut: () => signal.aborted, signer: initiator.signer, localPeer: initiator.peerId, remotePeer: responder.peerId, remoteKey: Promise.resolve(mallory.signer.publicKey)
    }), (err: any) => err.code === 'ERR_SESSION_PEER_MISMATCH')
    await evil
  })

  it('a silent peer is bounded by the handshake timeout (ERR_SESSION_TIMEOUT), on both sides', { timeout: 30_000 }, async () => {
    const { initiator, responder } = await sessionParties()
    for (const role of ['initiator', 'responder'] as const) {
      const [mine] = await streamPair()
      const timeout = AbortSignal.timeout(200)
      const parties = {
        crypto: nativeCrypto, protocol: '/echo/1.0.0', signal: timeout, timedOut: () => timeout.aborted, signer: initiator.signer, localPeer: initiator.peerId, remotePeer: responder.peerId, remoteKey: Promise.resolve(responder.signer.publicKey)
      }
      await assert.rejects(role === 'initiator' ? initiateSession(mine, parties) : respondSession(mine, parties), (err: any) => err.code === 'ERR_SESSION_TIMEOUT')
    }
  })

  it('every single-byte flip of each handshake message fails with a SessionError', async () => {
    const t = await sessionTranscript(nativeCrypto)
    const { initiator, responder } = await sessionParties()
    const prologue = sessionPrologue(initiator.peerId, responder.peerId, '/echo/1.0.0')
    const responderIdentity = encodeIdentity(responder.peerId, t.responderSignature)
    const flips = (message: Uint8Array, check: (flipped: Uint8Array) => void): number => {
      let failed = 0
      for (let i = 0; i < message.byteLength; i++) {
        const flipped = Uint8Array.from(message)
        flipped[i] ^= 1 << (i % 8)
        try {
          check(flipped)
        } catch (err) {
          assert.ok(isSessionError(err), `byte ${i}: ${(err as Error).name} ${(err as Error).message}`)
          failed++
        }
      }
      return failed
    }
    // Message 1 carries no tag: a flip shows when the initiator reads message 2, built on the flipped message 1.
    assert.equal(flips(t.message1, flipped => {
      const r = new ResponderHandshake(prologue, nativeCrypto.mlKem768, { x25519: responderEphemerals().x25519 })
      r.readMessage1(flipped)
      const { prefix } = r.beginMessage2()
      const { message } = r.finishMessage2(prefix, responderIdentity)
      const i = new InitiatorHandshake(prologue, nativeCrypto.mlKem768, initiatorEphemerals(nativeCrypto))
      i.writeMessage1()
      i.readMessage2(message)
    }), t.message1.byteLength)
    assert.equal(flips(t.message2, flipped => {
      const i = new InitiatorHandshake(prologue, nativeCrypto.mlKem768, initiatorEphemerals(nativeCrypto))
      i.writeMessage1()
      i.readMessage2(flipped)
    }), t.message2.byteLength)
    const toResponder = keyOf(t.responderKeys.receive)
    const toInitiator = keyOf(t.initiatorKeys.receive)
    assert.equal(flips(t.message3, flipped => { new CipherState(toResponder).decryptWithAd(EMPTY, flipped) }), t.message3.byteLength)
    assert.equal(flips(t.message4, flipped => { new CipherState(toInitiator).decryptWithAd(EMPTY, flipped) }), t.message4.byteLength)
  })

  it('flips on the wire, through the driver: both sides end with SessionErrors', async () => {
    const t = await sessionTranscript(nativeCrypto)
    // Offsets in each direction's bytes: frame lengths are 2 bytes.
    const m1 = [2, 2 + 600, 2 + t.message1.byteLength - 1]
    const m3 = [4 + t.message1.byteLength, 4 + t.message1.byteLength + 1700, 4 + t.message1.byteLength + t.message3.byteLength - 1]
    const m2 = [2, 2 + 1100, 2 + t.message2.byteLength - 1]
    const m4 = [4 + t.message2.byteLength, 4 + t.message2.byteLength + 15]
    const cases: Array<['i->r' | 'r->i', number]> = [...m1.map(o => ['i->r', o] as ['i->r', number]), ...m3.map(o => ['i->r', o] as ['i->r', number]), ...m2.map(o => ['r->i', o] as ['r->i', number]), ...m4.map(o => ['r->i', o] as ['r->i', number])]
    for (const [direction, offset] of cases) {
      const { initiator, responder } = await runPair({ tamper: (d, o, byte) => d === direction && o === offset ? byte ^ 0x40 : byte })
      assert.ok(initiator.status === 'rejected' && isSessionError(initiator.reason), `${direction} ${offset}: initiator ${String(codeOf(initiator))}`)
      // A flip of message 4 reaches only the initiator: the responder has finished by then.
      if (!(direction === 'r->i' && offset >= m4[0])) assert.ok(responder.status === 'rejected' && isSessionError(responder.reason), `${direction} ${offset}: responder ${String(codeOf(responder))}`)
    }
  })

  it('a random handshake never opens with a random key', () => {
    assert.throws(() => new CipherState(randomBytes(32)).decryptWithAd(EMPTY, randomBytes(40)), (err: any) => err.code === 'ERR_SESSION_DECRYPT')
  })
})

describe('session replay', () => {
  it('recorded messages 2, 3 and 4 do not decrypt in a new session (fresh ephemerals on both sides)', async () => {
    const t = await sessionTranscript(nativeCrypto)
    const { initiator, responder } = await sessionParties()
    const prologue = sessionPrologue(initiator.peerId, responder.peerId, '/echo/1.0.0')
    const i = new InitiatorHandshake(prologue, nativeCrypto.mlKem768)
    i.writeMessage1()
    assert.throws(() => i.readMessage2(t.message2), (err: any) => err.code === 'ERR_SESSION_DECRYPT')
    // A new responder answering a replayed message 1 derives keys the recorder cannot know: the recorded message 3 fails there.
    const r = new ResponderHandshake(prologue, nativeCrypto.mlKem768)
    r.readMessage1(t.message1)
    const { prefix } = r.beginMessage2()
    const { keys } = r.finishMessage2(prefix, encodeIdentity(responder.peerId, t.responderSignature))
    assert.throws(() => keys.receive.decryptWithAd(EMPTY, t.message3), (err: any) => err.code === 'ERR_SESSION_DECRYPT')
    assert.notDeepEqual(keys.handshakeHash, t.handshakeHash)
  })
})
