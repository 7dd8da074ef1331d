import { equals as uint8ArrayEquals } from 'uint8arrays/equals'
import { errorCode, SessionError } from '../errors.js'
import { INITIATOR_CONTEXT, RESPONDER_CONTEXT } from './constants.js'
import { frameStream } from './frames.js'
import { InitiatorHandshake, ResponderHandshake, type InitiatorEphemerals, type ResponderEphemerals, type TransportKeys } from './handshake.js'
import { decodeIdentity, encodeIdentity, MESSAGE4_BYTES, sessionPrologue } from './messages.js'
import type { MlDsaSigner, PqCrypto } from '../crypto/types.js'
import type { PeerId, Stream } from '@libp2p/interface'

/**
 * Runs the handshake over a libp2p stream (docs/session.md, "Handshake"):
 *
 *   1  I -> R  e, e1                          (Noise message 1)
 *   2  R -> I  e, ee, ekem1, {id_R, sig_R}    (Noise message 2)
 *   3  I -> R  {id_I, sig_I}                  (first transport frame, I to R)
 *   4  R -> I  {}                             (first transport frame, R to I: accepted)
 *
 * Each side checks that the other's PeerId in its identity is the
 * connection's authenticated remote PeerId, and its ML-DSA-65 signature
 * over the handshake hash with the key the directory holds for it.
 */

const encoder = new TextEncoder()
const EMPTY = new Uint8Array(0)

export interface HandshakeParties {
  crypto: PqCrypto
  /** This node's ML-DSA-65 signer: the key the directory holds for it. */
  signer: MlDsaSigner
  localPeer: PeerId
  /** The connection's authenticated remote PeerId. */
  remotePeer: PeerId
  /** The user protocol (without the /keydir/secure/1.0.0 prefix). */
  protocol: string
  /** The remote's ML-DSA-65 key from the directory; started by the caller while the stream opens. */
  remoteKey: Promise<Uint8Array>
  /**
   * The initiator's one second look: the remote's key asked of the network
   * again, when its signature does not verify with the key held (the peer
   * may have rotated since). Only the side that dialled has it, so a
   * stranger's bad signature never makes this node look anyone up.
   */
  recheckKey?: () => Promise<Uint8Array>
  signal: AbortSignal
  timedOut: () => boolean
}

export interface Handshaken {
  keys: TransportKeys
  /** The stream, with bytes read past message 4 (or 3) put back. */
  stream: Stream
}

export async function initiateSession (stream: Stream, parties: HandshakeParties, ephemerals?: InitiatorEphemerals): Promise<Handshaken> {
  const frames = frameStream(stream, parties.signal, parties.timedOut)
  // Nothing is sent to a peer the directory does not vouch for (the lookup ran while the stream opened).
  await directoryKey(parties)
  const hs = new InitiatorHandshake(sessionPrologue(parties.localPeer, parties.remotePeer, parties.protocol), parties.crypto.mlKem768, ephemerals)
  await frames.write(hs.writeMessage1())
  const { identity, signedHash, keys } = hs.readMessage2(await frames.read('handshake message 2'))
  // Signed while the responder's signature is checked (both off the event loop); sent only if that check passes.
  const signing = parties.signer.signAsync(keys.handshakeHash, encoder.encode(INITIATOR_CONTEXT))
  signing.catch(() => {})
  await checkIdentity(parties, identity, signedHash, RESPONDER_CONTEXT)
  const signature = await signing
  await frames.write(keys.send.encryptWithAd(EMPTY, encodeIdentity(parties.localPeer, signature)))
  const message4 = await frames.read('the responder\'s acceptance')
  // Its length first (docs/session.md: messages 1 and 4 are checked exactly), so a wrong length is the same code whether or not it authenticates.
  if (message4.byteLength !== MESSAGE4_BYTES) throw new SessionError('ERR_SESSION_BAD_MESSAGE', `handshake message 4 is ${MESSAGE4_BYTES} bytes (the empty plaintext and its tag), not ${message4.byteLength}`)
  keys.receive.decryptWithAd(EMPTY, message4)
  return { keys, stream: frames.unwrap() }
}

export async function respondSession (stream: Stream, parties: HandshakeParties, ephemerals?: ResponderEphemerals): Promise<Handshaken> {
  const frames = frameStream(stream, parties.signal, parties.timedOut)
  const hs = new ResponderHandshake(sessionPrologue(parties.remotePeer, parties.localPeer, parties.protocol), parties.crypto.mlKem768, ephemerals)
  hs.readMessage1(await frames.read('handshake message 1'))
  // Nothing is signed for a peer the directory does not vouch for.
  await directoryKey(parties)
  const { prefix, signedHash } = hs.beginMessage2()
  const signature = await parties.signer.signAsync(signedHash, encoder.encode(RESPONDER_CONTEXT))
  const { message, keys } = hs.finishMessage2(prefix, encodeIdentity(parties.localPeer, signature))
  await frames.write(message)
  const identity = keys.receive.decryptWithAd(EMPTY, await frames.read('handshake message 3'))
  await checkIdentity(parties, identity, keys.handshakeHash, INITIATOR_CONTEXT)
  await frames.write(keys.send.encryptWithAd(EMPTY, EMPTY))
  return { keys, stream: frames.unwrap() }
}

/** The remote's identity payload: its PeerId is the connection's, its signature verifies with the directory's key. */
async function checkIdentity (parties: HandshakeParties, payload: Uint8Array, signedHash: Uint8Array, context: string): Promise<void> {
  const identity = decodeIdentity(payload)
  if (!identity.peerId.equals(parties.remotePeer)) {
    throw new SessionError('ERR_SESSION_PEER_MISMATCH', `the handshake claims ${identity.peerId.toString()}, but the connection's peer is ${parties.remotePeer.toString()}`)
  }
  const key = await directoryKey(parties)
  if (!await verifiesWith(parties, key, signedHash, identity.signature, context)) {
    throw new SessionError('ERR_SESSION_BAD_SIGNATURE', `${parties.remotePeer.toString()}'s handshake signature does not verify with the ML-DSA-65 key the directory holds for it: it holds another key, or this is not that peer`)
  }
}

/** Whether `signature` is by `key`, or (initiator only) by the key a re-check of the directory now gives. */
async function verifiesWith (parties: HandshakeParties, key: Uint8Array, signedHash: Uint8Array, signature: Uint8Array, context: string): Promise<boolean> {
  if (await parties.crypto.mlDsa65.verifyAsync(key, signedHash, signature, encoder.encode(context))) return true
  if (parties.recheckKey === undefined) return false
  let rechecked: Uint8Array
  try {
    rechecked = await parties.recheckKey()
  } catch (err) {
    throw untrustedPeer(err, parties.remotePeer, parties.timedOut())
  }
  return !uint8ArrayEquals(rechecked, key) && await parties.crypto.mlDsa65.verifyAsync(rechecked, signedHash, signature, encoder.encode(context))
}

/** The directory's answer for the remote, a refusal turned into a SessionError that names why. */
async function directoryKey (parties: HandshakeParties): Promise<Uint8Array> {
  try {
    return await parties.remoteKey
  } catch (err) {
    throw untrustedPeer(err, parties.remotePeer, parties.timedOut())
  }
}

export function untrustedPeer (err: unknown, peer: PeerId, timedOut: boolean): SessionError {
  if (err instanceof SessionError) return err
  const code = errorCode(err)
  if (code === 'ERR_REVOKED') return new SessionError('ERR_SESSION_PEER_REVOKED', `${peer.toString()} revoked its identity: no session`, { cause: err })
  if (code === 'ERR_EQUIVOCATION') return new SessionError('ERR_SESSION_PEER_EQUIVOCATED', `${peer.toString()} signed two records of one seq: no session`, { cause: err })
  if (timedOut) return new SessionError('ERR_SESSION_TIMEOUT', `${peer.toString()}'s keys were not resolved in time`, { cause: err })
  return new SessionError('ERR_SESSION_PEER_UNKNOWN', `the directory has no keys for ${peer.toString()} (${code}): no session`, { cause: err })
}
