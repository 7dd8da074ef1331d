import fc from 'fast-check'
import { equals as uint8ArrayEquals } from 'uint8arrays/equals'
import { nativeCrypto } from '../../../src/crypto/index.js'
import { CipherState, decodeIdentity, encodeIdentity, InitiatorHandshake, MESSAGE1_BYTES, ResponderHandshake, sessionPrologue } from '../../../src/session/index.js'
import { initiatorEphemerals, responderEphemerals, sessionParties, sessionTranscript, type SessionTranscript } from '../../vectors/session-transcript.js'
import { attempt, Outcomes } from '../harness.js'
import { hostileCase } from '../mutate.js'
import type { FuzzTarget } from '../harness.js'

/**
 * The four secure-session handshake messages (docs/session.md), each fed
 * mutated and noise bytes where the receiving side takes them: every
 * refusal a SessionError with a code; message 1 is taken only at its exact
 * length; messages 2, 3 and 4 (authenticated) only byte for byte as sent;
 * a taken identity is canonical.
 */

const SESSION_ERRORS = ['SessionError']
const EMPTY = new Uint8Array(0)
const keyOf = (state: CipherState): Uint8Array => (state as unknown as { k: Uint8Array }).k

interface SessionFixture {
  t: SessionTranscript
  prologue: Uint8Array
  responderIdentity: Uint8Array
  initiatorIdentity: Uint8Array
}

let fixture: Promise<SessionFixture> | undefined
async function sessionFixture (): Promise<SessionFixture> {
  fixture ??= (async () => {
    const t = await sessionTranscript(nativeCrypto)
    const { initiator, responder } = await sessionParties()
    return {
      t,
      prologue: sessionPrologue(initiator.peerId, responder.peerId, '/echo/1.0.0'),
      responderIdentity: encodeIdentity(responder.peerId, t.responderSignature),
      initiatorIdentity: encodeIdentity(initiator.peerId, t.initiatorSignature)
    }
  })()
  return fixture
}

export const sessionMessage1Target: FuzzTarget = {
  name: 'session-message1',
  description: 'ResponderHandshake.readMessage1 + beginMessage2 on mutated message 1 (e, e1) and noise',
  ciRuns: 300,
  async prepare () {
    const f = await sessionFixture()
    const outcomes = new Outcomes()
    const property = fc.property(hostileCase([f.t.message1], { maxNoise: 2048 }), ({ bytes }) => {
      const responder = new ResponderHandshake(f.prologue, nativeCrypto.mlKem768, { x25519: responderEphemerals().x25519 })
      const read = attempt(outcomes, 'readMessage1', () => { responder.readMessage1(bytes) }, SESSION_ERRORS)
      if (read.ok && bytes.byteLength !== MESSAGE1_BYTES) throw new Error(`took a message 1 of ${bytes.byteLength} bytes`)
      if (read.ok) attempt(outcomes, 'beginMessage2', () => responder.beginMessage2(), SESSION_ERRORS)
    })
    return { property, outcomes }
  }
}

export const sessionMessage2Target: FuzzTarget = {
  name: 'session-message2',
  description: 'InitiatorHandshake.readMessage2 + decodeIdentity on mutated message 2 (e, ee, ekem1, identity) and noise',
  ciRuns: 300,
  async prepare () {
    const f = await sessionFixture()
    const outcomes = new Outcomes()
    const property = fc.property(hostileCase([f.t.message2], { maxNoise: 8192 }), ({ bytes }) => {
      const input = bytes.slice()
      const initiator = new InitiatorHandshake(f.prologue, nativeCrypto.mlKem768, initiatorEphemerals(nativeCrypto))
      initiator.writeMessage1()
      const read = attempt(outcomes, 'readMessage2', () => initiator.readMessage2(bytes), SESSION_ERRORS)
      if (read.ok) {
        if (!uint8ArrayEquals(bytes, f.t.message2)) throw new Error('took a message 2 that is not the one sent')
        attempt(outcomes, 'identity', () => decodeIdentity(read.value.identity), SESSION_ERRORS)
      }
      if (!uint8ArrayEquals(input, bytes)) throw new Error('the input was modified')
    })
    return { property, outcomes }
  }
}

export const sessionMessage3Target: FuzzTarget = {
  name: 'session-message3',
  description: 'the responder\'s first transport decryption + decodeIdentity on mutated message 3 (the initiator\'s identity) and noise',
  ciRuns: 400,
  async prepare () {
    const f = await sessionFixture()
    const outcomes = new Outcomes()
    const key = keyOf(f.t.responderKeys.receive)
    const property = fc.property(hostileCase([f.t.message3], { maxNoise: 4096 }), ({ bytes }) => {
      const opened = attempt(outcomes, 'decrypt', () => new CipherState(key).decryptWithAd(EMPTY, bytes), SESSION_ERRORS)
      if (opened.ok) {
        if (!uint8ArrayEquals(bytes, f.t.message3)) throw new Error('took a message 3 that is not the one sent')
        attempt(outcomes, 'identity', () => decodeIdentity(opened.value), SESSION_ERRORS)
      }
    })
    return { property, outcomes }
  }
}

export const sessionMessage4Target: FuzzTarget = {
  name: 'session-message4',
  description: 'the initiator\'s first transport decryption on mutated message 4 (the empty acceptance) and noise',
  ciRuns: 300,
  async prepare () {
    const f = await sessionFixture()
    const outcomes = new Outcomes()
    const key = keyOf(f.t.initiatorKeys.receive)
    const property = fc.property(hostileCase([f.t.message4], { maxNoise: 64 }), ({ bytes }) => {
      const opened = attempt(outcomes, 'decrypt', () => new CipherState(key).decryptWithAd(EMPTY, bytes), SESSION_ERRORS)
      if (opened.ok && (!uint8ArrayEquals(bytes, f.t.message4) || opened.value.byteLength !== 0)) throw new Error('took a message 4 that is not the one sent')
    })
    return { property, outcomes }
  }
}

export const sessionIdentityTarget: FuzzTarget = {
  name: 'session-identity',
  description: 'decodeIdentity on mutated SessionIdentity payloads and noise',
  ciRuns: 500,
  async prepare () {
    const f = await sessionFixture()
    const outcomes = new Outcomes()
    const property = fc.property(hostileCase([f.responderIdentity, f.initiatorIdentity], { maxNoise: 4096 }), ({ bytes }) => {
      const decoded = attempt(outcomes, 'decodeIdentity', () => decodeIdentity(bytes), SESSION_ERRORS)
      if (decoded.ok && !uint8ArrayEquals(encodeIdentity(decoded.value.peerId, decoded.value.signature), bytes)) throw new Error('took an identity that is not canonical')
    })
    return { property, outcomes }
  }
}
