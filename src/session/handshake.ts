import { SessionError } from '../errors.js'
import { NOISE_PROTOCOL_NAME, X25519_KEY_BYTES } from './constants.js'
import { MESSAGE1_BYTES, splitMessage1, splitMessage2 } from './messages.js'
import { CipherState, SymmetricState } from './noise.js'
import { generateX25519, x25519Dh, type X25519KeyPair } from './x25519.js'
import type { Encapsulation, MlKem768, MlKemDecapsulator } from '../crypto/types.js'
import { randomBytes } from 'node:crypto'

/**
 * The Noise NNhfs handshake (Noise HFS, revision 1), token by token:
 *
 *   -> e, e1
 *   <- e, ee, ekem1
 *
 * with the identities of both sides carried as payloads (driver.ts checks
 * them): the responder's in message 2, the initiator's in the first
 * transport frame. No I/O here, and no randomness the caller cannot fix
 * (golden vectors pass their own ephemerals and encapsulation).
 */

const EMPTY = new Uint8Array(0)

/** The two transport CipherStates of one side, and the final handshake hash. */
export interface TransportKeys {
  send: CipherState
  receive: CipherState
  handshakeHash: Uint8Array
}

export interface InitiatorEphemerals {
  x25519?: X25519KeyPair
  /** The 64-byte ML-KEM-768 seed (d || z) of e1. */
  kemSeed?: Uint8Array
}

export interface ResponderEphemerals {
  x25519?: X25519KeyPair
  /** Encapsulate to the initiator's e1; defaults to crypto.mlKem768.encapsulate (random). */
  encapsulate?: (publicKey: Uint8Array) => Encapsulation
}

export class InitiatorHandshake {
  private readonly state = new SymmetricState(NOISE_PROTOCOL_NAME)
  private readonly e: X25519KeyPair
  private readonly e1: MlKemDecapsulator
  private stage = 0

  constructor (prologue: Uint8Array, kem: MlKem768, ephemerals: InitiatorEphemerals = {}) {
    this.state.mixHash(prologue)
    this.e = ephemerals.x25519 ?? generateX25519()
    this.e1 = kem.createDecapsulator(ephemerals.kemSeed ?? randomBytes(64))
  }

  /** Message 1: e, e1, and the empty payload. */
  writeMessage1 (): Uint8Array {
    this.advance(0)
    this.state.mixHash(this.e.publicKey)
    const e1 = this.state.encryptAndHash(this.e1.publicKey)
    this.state.encryptAndHash(EMPTY)
    const out = new Uint8Array(MESSAGE1_BYTES)
    out.set(this.e.publicKey, 0)
    out.set(e1, X25519_KEY_BYTES)
    return out
  }

  /**
   * Message 2: e, ee, ekem1, then the responder's identity payload. Returns
   * the payload, the handshake hash the responder signed (the one before
   * the payload) and the transport keys.
   */
  readMessage2 (body: Uint8Array): { identity: Uint8Array, signedHash: Uint8Array, keys: TransportKeys } {
    this.advance(1)
    const message = splitMessage2(body)
    this.state.mixHash(message.ephemeral)
    this.state.mixKey(x25519Dh(this.e, message.ephemeral))
    const cipherText = this.state.decryptAndHash(message.sealedCipherText)
    this.state.mixKey(this.e1.decapsulate(cipherText))
    const signedHash = this.state.handshakeHash
    const identity = this.state.decryptAndHash(message.sealedIdentity)
    const [toResponder, toInitiator] = this.state.split()
    return { identity, signedHash, keys: { send: toResponder, receive: toInitiator, handshakeHash: this.state.handshakeHash } }
  }

  private advance (expected: number): void {
    if (this.stage !== expected) throw new SessionError('ERR_SESSION_STATE', 'handshake messages out of order')
    this.stage++
  }
}

export class ResponderHandshake {
  private readonly state = new SymmetricState(NOISE_PROTOCOL_NAME)
  private readonly e: X25519KeyPair
  private readonly encapsulate: (publicKey: Uint8Array) => Encapsulation
  private remoteEphemeral: Uint8Array | undefined
  private remoteKemKey: Uint8Array | undefined
  private stage = 0

  constructor (prologue: Uint8Array, kem: MlKem768, ephemerals: ResponderEphemerals = {}) {
    this.state.mixHash(prologue)
    this.e = ephemerals.x25519 ?? generateX25519()
    this.encapsulate = ephemerals.encapsulate ?? (publicKey => kem.encapsulate(publicKey))
  }

  readMessage1 (body: Uint8Array): void {
    this.advance(0)
    const message = splitMessage1(body)
    this.state.mixHash(message.ephemeral)
    this.remoteEphemeral = Uint8Array.from(message.ephemeral)
    this.remoteKemKey = Uint8Array.from(this.state.decryptAndHash(message.kemPublicKey))
    const payload = this.state.decryptAndHash(EMPTY)
    if (payload.byteLength !== 0) throw new SessionError('ERR_SESSION_BAD_MESSAGE', 'handshake message 1 carries no payload')
  }

  /**
   * The tokens of message 2 (e, ee, ekem1). Returns the handshake hash the
   * identity signature covers; finishMessage2 adds the signed payload.
   */
  beginMessage2 (): { prefix: Uint8Array, signedHash: Uint8Array } {
    this.advance(1)
    this.state.mixHash(this.e.publicKey)
    this.state.mixKey(x25519Dh(this.e, this.remoteEphemeral!))
    let encapsulation: Encapsulation
    try {
      encapsulation = this.encapsulate(this.remoteKemKey!)
    } catch (err) {
      throw new SessionError('ERR_SESSION_BAD_KEY', 'the initiator\'s ephemeral ML-KEM-768 key is malformed', { cause: err })
    }
    const sealed = this.state.encryptAndHash(encapsulation.cipherText)
    this.state.mixKey(encapsulation.sharedSecret)
    return { prefix: Buffer.concat([this.e.publicKey, sealed]), signedHash: this.state.handshakeHash }
  }

  finishMessage2 (prefix: Uint8Array, identity: Uint8Array): { message: Uint8Array, keys: TransportKeys } {
    this.advance(2)
    const sealed = this.state.encryptAndHash(identity)
    const [toResponder, toInitiator] = this.state.split()
    return {
      message: new Uint8Array(Buffer.concat([prefix, sealed])),
      keys: { send: toInitiator, receive: toResponder, handshakeHash: this.state.handshakeHash }
    }
  }

  private advance (expected: number): void {
    if (this.stage !== expected) throw new SessionError('ERR_SESSION_STATE', 'handshake messages out of order')
    this.stage++
  }
}
