/**
 * A whole secure-session handshake made from fixed seeds (ephemerals,
 * identities, encapsulation randomness, deterministic ML-DSA-65 signing):
 * generate-session.ts writes it into test/vectors/session.json and
 * test/session/vectors.test.ts recomputes it. It runs the same state
 * machines as src/session/driver.ts, message by message, without I/O.
 */
import { generateKeyPairFromSeed } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { ml_dsa65 } from '@noble/post-quantum/ml-dsa.js'
import { ml_kem768 } from '@noble/post-quantum/ml-kem.js'
import {
  encodeIdentity, INITIATOR_CONTEXT, InitiatorHandshake, RESPONDER_CONTEXT, ResponderHandshake, sessionPrologue, x25519FromPrivate
} from '../../src/session/index.js'
import type { MlDsaSigner, PqCrypto } from '../../src/crypto/index.js'
import type { TransportKeys } from '../../src/session/index.js'
import type { PeerId } from '@libp2p/interface'

const EMPTY = new Uint8Array(0)
const encoder = new TextEncoder()

export const SESSION_SEEDS = {
  initiatorEd25519: new Uint8Array(32).fill(0x11),
  responderEd25519: new Uint8Array(32).fill(0x22),
  initiatorMlDsa: new Uint8Array(32).fill(0x33),
  responderMlDsa: new Uint8Array(32).fill(0x44),
  initiatorX25519: new Uint8Array(32).fill(0x55),
  responderX25519: new Uint8Array(32).fill(0x66),
  /** d || z of the initiator's ephemeral ML-KEM-768 key e1. */
  initiatorMlKem: new Uint8Array(64).fill(0x77),
  /** The 32-byte message FIPS 203 encapsulation takes (noble's `msg`). */
  encapsulation: new Uint8Array(32).fill(0x88),
  protocol: '/echo/1.0.0',
  /** Transport samples after the handshake, one each way. */
  initiatorSample: encoder.encode('hello from the initiator'),
  responderSample: encoder.encode('hello from the responder')
}

/** ML-DSA-65 signing without randomness (FIPS 204's deterministic variant): the same bytes on every run. */
export function deterministicSigner (seed: Uint8Array): MlDsaSigner & { secretKey: Uint8Array } {
  const { publicKey, secretKey } = ml_dsa65.keygen(seed)
  const sign = (message: Uint8Array, context: Uint8Array): Uint8Array => ml_dsa65.sign(message, secretKey, { context, extraEntropy: false })
  return { publicKey, secretKey, signsOffEventLoop: false, sign, signAsync: async (message, context) => sign(message, context) }
}

export interface SessionParty {
  peerId: PeerId
  signer: MlDsaSigner
}

export async function sessionParties (): Promise<{ initiator: SessionParty, responder: SessionParty }> {
  const party = async (ed: Uint8Array, dsa: Uint8Array): Promise<SessionParty> => ({
    peerId: peerIdFromPrivateKey(await generateKeyPairFromSeed('Ed25519', ed)),
    signer: deterministicSigner(dsa)
  })
  return {
    initiator: await party(SESSION_SEEDS.initiatorEd25519, SESSION_SEEDS.initiatorMlDsa),
    responder: await party(SESSION_SEEDS.responderEd25519, SESSION_SEEDS.responderMlDsa)
  }
}

export interface SessionTranscript {
  prologue: Uint8Array
  message1: Uint8Array
  message2: Uint8Array
  message3: Uint8Array
  message4: Uint8Array
  /** The hash the responder signs (before its payload) and the final one the initiator signs. */
  responderSignedHash: Uint8Array
  handshakeHash: Uint8Array
  responderSignature: Uint8Array
  initiatorSignature: Uint8Array
  /** The first data frames after message 4: initiator to responder (nonce 1), responder to initiator (nonce 1). */
  initiatorSampleFrame: Uint8Array
  responderSampleFrame: Uint8Array
  initiatorKeys: TransportKeys
  responderKeys: TransportKeys
}

export function initiatorEphemerals (crypto: PqCrypto): { x25519: ReturnType<typeof x25519FromPrivate>, kemSeed: Uint8Array } {
  void crypto
  return { x25519: x25519FromPrivate(SESSION_SEEDS.initiatorX25519), kemSeed: SESSION_SEEDS.initiatorMlKem }
}

export function responderEphemerals (): { x25519: ReturnType<typeof x25519FromPrivate>, encapsulate: (publicKey: Uint8Array) => { cipherText: Uint8Array, sharedSecret: Uint8Array } } {
  return { x25519: x25519FromPrivate(SESSION_SEEDS.responderX25519), encapsulate: publicKey => ml_kem768.encapsulate(publicKey, SESSION_SEEDS.encapsulation) }
}

/** The handshake and two sample frames, from the fixed seeds. */
export async function sessionTranscript (crypto: PqCrypto): Promise<SessionTranscript> {
  const { initiator, responder } = await sessionParties()
  const prologue = sessionPrologue(initiator.peerId, responder.peerId, SESSION_SEEDS.protocol)
  const i = new InitiatorHandshake(prologue, crypto.mlKem768, initiatorEphemerals(crypto))
  const r = new ResponderHandshake(prologue, crypto.mlKem768, responderEphemerals())
  const message1 = i.writeMessage1()
  r.readMessage1(message1)
  const { prefix, signedHash: responderSignedHash } = r.beginMessage2()
  const responderSignature = responder.signer.sign(responderSignedHash, encoder.encode(RESPONDER_CONTEXT))
  const { message: message2, keys: responderKeys } = r.finishMessage2(prefix, encodeIdentity(responder.peerId, responderSignature))
  const { keys: initiatorKeys } = i.readMessage2(message2)
  const initiatorSignature = initiator.signer.sign(initiatorKeys.handshakeHash, encoder.encode(INITIATOR_CONTEXT))
  const message3 = initiatorKeys.send.encryptWithAd(EMPTY, encodeIdentity(initiator.peerId, initiatorSignature))
  responderKeys.receive.decryptWithAd(EMPTY, message3)
  const message4 = responderKeys.send.encryptWithAd(EMPTY, EMPTY)
  initiatorKeys.receive.decryptWithAd(EMPTY, message4)
  const initiatorSampleFrame = initiatorKeys.send.encryptWithAd(EMPTY, SESSION_SEEDS.initiatorSample)
  const responderSampleFrame = responderKeys.send.encryptWithAd(EMPTY, SESSION_SEEDS.responderSample)
  return {
    prologue,
    message1,
    message2,
    message3,
    message4,
    responderSignedHash,
    handshakeHash: initiatorKeys.handshakeHash,
    responderSignature,
    initiatorSignature,
    initiatorSampleFrame,
    responderSampleFrame,
    initiatorKeys,
    responderKeys
  }
}
