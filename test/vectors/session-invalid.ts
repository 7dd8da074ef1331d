/**
 * The invalid secure-session handshakes of test/vectors/session.json: for
 * each rule of docs/session.md a receiver checks, the peer's messages that
 * break it (the ones not given are the valid transcript's) and the
 * receiver's state, with the code the receiver answers. Every byte comes
 * from the fixed seeds of session-transcript.ts, so the file is the same on
 * every run. test/session/vectors.test.ts runs each through keydir's
 * handshake driver over a stream.
 */
import { generateKeyPairFromSeed } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import {
  encodeIdentity, INITIATOR_CONTEXT, InitiatorHandshake, RESPONDER_CONTEXT, ResponderHandshake, sessionPrologue, type TransportKeys
} from '../../src/session/index.js'
import { SessionIdentity } from '../../protobuf/session.js'
import { MESSAGE2_FIXED_BYTES, MIN_SEALED_IDENTITY_BYTES } from '../../src/session/messages.js'
import { deterministicSigner, initiatorEphemerals, responderEphemerals, SESSION_SEEDS, sessionParties, type SessionTranscript } from './session-transcript.js'
import type { MlDsaSigner, PqCrypto } from '../../src/crypto/index.js'
import type { PeerId } from '@libp2p/interface'

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex')
const encoder = new TextEncoder()
const EMPTY = new Uint8Array(0)

/** A third peer (the relay, or the identity a message claims), and an ML-DSA-65 key the directory holds for nobody. */
export const SESSION_OTHERS = {
  thirdEd25519: new Uint8Array(32).fill(0x99),
  strangerMlDsa: new Uint8Array(32).fill(0xaa)
}

/**
 * What the receiver knows besides the messages: the connection's
 * authenticated remote PeerId (which its prologue uses), and the directory's
 * answer for that peer, a key or a refusal's code. Absent: the other party
 * of the valid handshake, and its ML-DSA-65 key.
 */
export interface SessionReceiver {
  remotePeer?: string
  directory?: { mlDsaPublicKeyHex: string } | { error: 'ERR_REVOKED' | 'ERR_EQUIVOCATION' | 'ERR_NOT_FOUND' | 'ERR_RESOLVE_TIMEOUT' }
}

export interface InvalidSession {
  name: string
  rule: string
  /** The side that refuses: the initiator reads messages 2 and 4, the responder 1 and 3. */
  side: 'initiator' | 'responder'
  /** The peer's messages that differ from the valid transcript's (the Noise messages, without their 2-byte length). */
  messages: { message1Hex?: string, message2Hex?: string, message3Hex?: string, message4Hex?: string }
  receiver?: SessionReceiver
  error: string
}

/** Message 2 as the responder makes it from the valid message 1, with its own prologue and identity payload. */
function message2With (crypto: PqCrypto, t: SessionTranscript, prologue: Uint8Array, identity: (signedHash: Uint8Array) => Uint8Array): { message2: Uint8Array, keys: TransportKeys } {
  const r = new ResponderHandshake(prologue, crypto.mlKem768, responderEphemerals())
  r.readMessage1(t.message1)
  const { prefix, signedHash } = r.beginMessage2()
  const { message, keys } = r.finishMessage2(prefix, identity(signedHash))
  return { message2: message, keys }
}

/** The initiator's transport keys after the valid message 2, unused: message 3 variants are encrypted with them at nonce 0. */
function initiatorKeys (crypto: PqCrypto, t: SessionTranscript): TransportKeys {
  const i = new InitiatorHandshake(t.prologue, crypto.mlKem768, initiatorEphemerals(crypto))
  i.writeMessage1()
  return i.readMessage2(t.message2).keys
}

function flipped (bytes: Uint8Array, at: number): Uint8Array {
  const out = Uint8Array.from(bytes)
  out[at] ^= 0x01
  return out
}

export async function invalidSessions (crypto: PqCrypto, t: SessionTranscript): Promise<InvalidSession[]> {
  const { initiator, responder } = await sessionParties()
  const third: PeerId = peerIdFromPrivateKey(await generateKeyPairFromSeed('Ed25519', SESSION_OTHERS.thirdEd25519))
  const stranger: MlDsaSigner = deterministicSigner(SESSION_OTHERS.strangerMlDsa)
  const protocol = SESSION_SEEDS.protocol
  const responderIdentity = (peer: PeerId, signer: MlDsaSigner, context: string) => (hash: Uint8Array): Uint8Array =>
    encodeIdentity(peer, signer.sign(hash, encoder.encode(context)))
  const message2 = (identity: (hash: Uint8Array) => Uint8Array, prologue = t.prologue): string => hex(message2With(crypto, t, prologue, identity).message2)
  const message3 = (payload: Uint8Array): string => hex(initiatorKeys(crypto, t).send.encryptWithAd(EMPTY, payload))
  const initiatorIdentity = (peer: PeerId, signer: MlDsaSigner, context: string): Uint8Array =>
    encodeIdentity(peer, signer.sign(t.handshakeHash, encoder.encode(context)))
  // An identity whose peer_id is the given multihash bytes, signed as the valid one is.
  const identityWithPeerId = (peerId: Uint8Array): Uint8Array =>
    SessionIdentity.encode({ peerId: peerId as Uint8Array<ArrayBuffer>, signature: initiator.signer.sign(t.handshakeHash, encoder.encode(INITIATOR_CONTEXT)) as Uint8Array<ArrayBuffer> })
  const sha256PeerId = Uint8Array.from([0x12, 0x20, ...new Uint8Array(32).fill(0x11)])
  // secp256k1's generator point, compressed, in a libp2p PublicKey (Type 2) in an identity multihash.
  const secp256k1PeerId = Uint8Array.from([0x00, 0x25, 0x08, 0x02, 0x12, 0x21, ...Buffer.from('0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798', 'hex')])
  const urlPeerId = Uint8Array.from([0x00, 0x08, ...encoder.encode('http://x')])
  const lowOrder = new Uint8Array(32) // u = 0: a point of small order, its DH secret all zero
  const badMlKemKey = new Uint8Array(1184).fill(0xff) // fails FIPS 203's encapsulation-key check

  return [
    // The initiator, reading message 2, then message 4.
    { name: 'directory holds a revocation of the responder', rule: 'the initiator sends nothing to a peer the directory does not vouch for', side: 'initiator', messages: {}, receiver: { directory: { error: 'ERR_REVOKED' } }, error: 'ERR_SESSION_PEER_REVOKED' },
    { name: 'message 2 one byte short of its least length', rule: 'message 2 is 32 + 1104 + 3,329 … 3,516 bytes', side: 'initiator', messages: { message2Hex: hex(t.message2.subarray(0, MESSAGE2_FIXED_BYTES + MIN_SEALED_IDENTITY_BYTES - 1)) }, error: 'ERR_SESSION_BAD_MESSAGE' },
    { name: 'message 2: the responder\'s X25519 key u = 0', rule: 'an ephemeral X25519 key that gives an all-zero secret is refused', side: 'initiator', messages: { message2Hex: hex(Uint8Array.from([...lowOrder, ...t.message2.subarray(32)])) }, error: 'ERR_SESSION_BAD_KEY' },
    { name: 'message 2: a byte of the sealed ML-KEM ciphertext flipped', rule: 'ChaChaPoly authenticates the handshake', side: 'initiator', messages: { message2Hex: hex(flipped(t.message2, 40)) }, error: 'ERR_SESSION_DECRYPT' },
    { name: 'message 2 made by a responder whose connection came from a third peer (a relay)', rule: 'both PeerIds, as each side sees its connection, are in the prologue', side: 'initiator', messages: { message2Hex: message2(responderIdentity(responder.peerId, responder.signer, RESPONDER_CONTEXT), sessionPrologue(third, responder.peerId, protocol)) }, error: 'ERR_SESSION_DECRYPT' },
    { name: 'message 2: an identity with an unknown field appended', rule: 'SessionIdentity is canonical', side: 'initiator', messages: { message2Hex: message2(hash => Uint8Array.from([...responderIdentity(responder.peerId, responder.signer, RESPONDER_CONTEXT)(hash), 0x18, 0x01])) }, error: 'ERR_SESSION_BAD_MESSAGE' },
    { name: 'message 2: an identity naming a third peer', rule: 'the identity\'s PeerId is the connection\'s remote PeerId', side: 'initiator', messages: { message2Hex: message2(responderIdentity(third, responder.signer, RESPONDER_CONTEXT)) }, error: 'ERR_SESSION_PEER_MISMATCH' },
    { name: 'message 2 signed by a key the directory does not hold for the responder', rule: 'sig_R verifies with the directory\'s key', side: 'initiator', messages: { message2Hex: message2(responderIdentity(responder.peerId, stranger, RESPONDER_CONTEXT)) }, error: 'ERR_SESSION_BAD_SIGNATURE' },
    { name: 'message 2 signed with the initiator\'s context', rule: 'sig_R has context keydir-session/1/responder', side: 'initiator', messages: { message2Hex: message2(responderIdentity(responder.peerId, responder.signer, INITIATOR_CONTEXT)) }, error: 'ERR_SESSION_BAD_SIGNATURE' },
    { name: 'the valid message 2, the directory holding another key for the responder', rule: 'sig_R verifies with the directory\'s key (a re-check finds the same)', side: 'initiator', messages: {}, receiver: { directory: { mlDsaPublicKeyHex: hex(stranger.publicKey) } }, error: 'ERR_SESSION_BAD_SIGNATURE' },
    // Message 4's length is checked before it is decrypted: whether 17 bytes authenticate does not change the code.
    { name: 'message 4 of 17 bytes that authenticate (one byte of plaintext)', rule: 'message 4 is exactly 16 bytes', side: 'initiator', messages: { message4Hex: hex(message2With(crypto, t, t.prologue, responderIdentity(responder.peerId, responder.signer, RESPONDER_CONTEXT)).keys.send.encryptWithAd(EMPTY, Uint8Array.from([0]))) }, error: 'ERR_SESSION_BAD_MESSAGE' },
    { name: 'message 4 of 17 bytes that do not authenticate (a zero byte appended)', rule: 'message 4 is exactly 16 bytes', side: 'initiator', messages: { message4Hex: hex(Uint8Array.from([...t.message4, 0])) }, error: 'ERR_SESSION_BAD_MESSAGE' },
    { name: 'message 4 of 15 bytes', rule: 'message 4 is exactly 16 bytes', side: 'initiator', messages: { message4Hex: hex(t.message4.subarray(0, 15)) }, error: 'ERR_SESSION_BAD_MESSAGE' },
    { name: 'message 4 of 0 bytes', rule: 'message 4 is exactly 16 bytes', side: 'initiator', messages: { message4Hex: '' }, error: 'ERR_SESSION_BAD_MESSAGE' },
    { name: 'message 4 with its tag flipped', rule: 'ChaChaPoly authenticates the transport', side: 'initiator', messages: { message4Hex: hex(flipped(t.message4, 15)) }, error: 'ERR_SESSION_DECRYPT' },

    // The responder, reading message 1, then message 3.
    { name: 'message 1 of 1215 bytes', rule: 'message 1 is 1,216 bytes', side: 'responder', messages: { message1Hex: hex(t.message1.subarray(1)) }, error: 'ERR_SESSION_BAD_MESSAGE' },
    { name: 'directory holds a revocation of the initiator', rule: 'the responder signs nothing for a peer the directory does not vouch for', side: 'responder', messages: {}, receiver: { directory: { error: 'ERR_REVOKED' } }, error: 'ERR_SESSION_PEER_REVOKED' },
    { name: 'directory holds an equivocation proof of the initiator', rule: 'the responder signs nothing for a peer the directory does not vouch for', side: 'responder', messages: {}, receiver: { directory: { error: 'ERR_EQUIVOCATION' } }, error: 'ERR_SESSION_PEER_EQUIVOCATED' },
    { name: 'directory finds no keys of the initiator', rule: 'the responder signs nothing for a peer the directory does not vouch for', side: 'responder', messages: {}, receiver: { directory: { error: 'ERR_NOT_FOUND' } }, error: 'ERR_SESSION_PEER_UNKNOWN' },
    { name: 'directory lookup of the initiator ran out of its own time (the handshake\'s had not)', rule: 'any other refusal of resolve is ERR_SESSION_PEER_UNKNOWN, or ERR_SESSION_TIMEOUT if the handshake\'s own time ran out', side: 'responder', messages: {}, receiver: { directory: { error: 'ERR_RESOLVE_TIMEOUT' } }, error: 'ERR_SESSION_PEER_UNKNOWN' },
    { name: 'message 1: the initiator\'s X25519 key u = 0', rule: 'an ephemeral X25519 key that gives an all-zero secret is refused', side: 'responder', messages: { message1Hex: hex(Uint8Array.from([...lowOrder, ...t.message1.subarray(32)])) }, error: 'ERR_SESSION_BAD_KEY' },
    { name: 'message 1: an ML-KEM-768 key of all 0xff', rule: 'an ephemeral ML-KEM-768 key that fails FIPS 203\'s key check is refused', side: 'responder', messages: { message1Hex: hex(Uint8Array.from([...t.message1.subarray(0, 32), ...badMlKemKey])) }, error: 'ERR_SESSION_BAD_KEY' },
    { name: 'message 3 with a byte flipped', rule: 'ChaChaPoly authenticates the transport', side: 'responder', messages: { message3Hex: hex(flipped(t.message3, 100)) }, error: 'ERR_SESSION_DECRYPT' },
    // The transport keys come from the chaining key alone, not from h: with the same ephemerals message 3 still decrypts here, and the identity check refuses it.
    { name: 'the valid message 3 over a connection from a third peer (a relay)', rule: 'the identity\'s PeerId is the connection\'s remote PeerId', side: 'responder', messages: {}, receiver: { remotePeer: third.toString(), directory: { mlDsaPublicKeyHex: hex(initiator.signer.publicKey) } }, error: 'ERR_SESSION_PEER_MISMATCH' },
    { name: 'message 3: an identity naming a third peer', rule: 'the identity\'s PeerId is the connection\'s remote PeerId', side: 'responder', messages: { message3Hex: message3(initiatorIdentity(third, initiator.signer, INITIATOR_CONTEXT)) }, error: 'ERR_SESSION_PEER_MISMATCH' },
    { name: 'message 3: an identity whose peer_id is a SHA-256 multihash of another peer', rule: 'peer_id is any libp2p PeerId multihash; one that parses but is not the connection\'s remote PeerId is a mismatch', side: 'responder', messages: { message3Hex: message3(identityWithPeerId(sha256PeerId)) }, error: 'ERR_SESSION_PEER_MISMATCH' },
    { name: 'message 3: an identity whose peer_id is a secp256k1 PeerId', rule: 'peer_id is any libp2p PeerId multihash; one that parses but is not the connection\'s remote PeerId is a mismatch', side: 'responder', messages: { message3Hex: message3(identityWithPeerId(secp256k1PeerId)) }, error: 'ERR_SESSION_PEER_MISMATCH' },
    { name: 'message 3: an identity whose peer_id is a SHA-256 multihash of 31 bytes', rule: 'a SHA-256 PeerId multihash has a 32-byte digest; a peer_id that does not parse is refused', side: 'responder', messages: { message3Hex: message3(identityWithPeerId(sha256PeerId.subarray(0, 33).map((b, i) => i === 1 ? 31 : b))) }, error: 'ERR_SESSION_BAD_MESSAGE' },
    { name: 'message 3: an identity whose peer_id is an identity multihash of the text http://x', rule: 'an identity multihash holds a libp2p PublicKey of an Ed25519 or secp256k1 key; a peer_id that does not parse is refused', side: 'responder', messages: { message3Hex: message3(identityWithPeerId(urlPeerId)) }, error: 'ERR_SESSION_BAD_MESSAGE' },
    { name: 'message 3: a signature of 3308 bytes', rule: 'SessionIdentity\'s signature is 3309 bytes', side: 'responder', messages: { message3Hex: message3(encodeIdentity(initiator.peerId, initiator.signer.sign(t.handshakeHash, encoder.encode(INITIATOR_CONTEXT)).subarray(1))) }, error: 'ERR_SESSION_BAD_MESSAGE' },
    { name: 'message 3 signed by a key the directory does not hold for the initiator', rule: 'sig_I verifies with the directory\'s key', side: 'responder', messages: { message3Hex: message3(initiatorIdentity(initiator.peerId, stranger, INITIATOR_CONTEXT)) }, error: 'ERR_SESSION_BAD_SIGNATURE' },
    { name: 'message 3 signed with the responder\'s context', rule: 'sig_I has context keydir-session/1/initiator', side: 'responder', messages: { message3Hex: message3(initiatorIdentity(initiator.peerId, initiator.signer, RESPONDER_CONTEXT)) }, error: 'ERR_SESSION_BAD_SIGNATURE' }
  ]
}
