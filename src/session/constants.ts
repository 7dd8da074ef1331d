/** Wire constants of the secure session (docs/session.md). */

const second = 1000

/** The libp2p protocol of a session is this prefix followed by the user's protocol (which starts with `/`). */
export const SECURE_PROTOCOL_PREFIX = '/keydir/secure/1.0.0'

/**
 * The Noise protocol name: NN with the HFS modifier (Noise HFS, revision 1),
 * X25519 beside ML-KEM-768 as the KEM, ChaChaPoly, SHA-256. Spelled as
 * libp2p/specs#727 spells ML-KEM-768 (`MLKEM768`: Noise §8.2 allows only
 * alphanumerics and `/` in algorithm names).
 */
export const NOISE_PROTOCOL_NAME = 'Noise_NNhfs_25519+MLKEM768_ChaChaPoly_SHA256'

/** The prologue starts with this, then the two PeerIds and the user's protocol, each length-prefixed. */
export const PROLOGUE_DOMAIN = 'keydir-session/1'

/** ML-DSA-65 contexts of the two identity signatures: one per role, so neither can be reflected as the other. */
export const RESPONDER_CONTEXT = 'keydir-session/1/responder'
export const INITIATOR_CONTEXT = 'keydir-session/1/initiator'

export const X25519_KEY_BYTES = 32
export const HASH_BYTES = 32
export const AEAD_TAG_BYTES = 16

/** A Noise message is at most 65535 bytes, its length a 2-byte big-endian prefix. */
export const MAX_NOISE_MESSAGE_BYTES = 65535
/** Plaintext per transport frame. */
export const MAX_FRAME_PLAINTEXT_BYTES = MAX_NOISE_MESSAGE_BYTES - AEAD_TAG_BYTES

/** A SessionIdentity payload is at most this long (a PeerId of up to 128 bytes and a 3309-byte signature, with their tags). */
export const MAX_IDENTITY_BYTES = 3500
/** A user protocol is at most this many bytes of printable ASCII, starting with `/`. */
export const MAX_USER_PROTOCOL_BYTES = 256

/**
 * Messages each direction may send under one key before the session stops
 * (ERR_SESSION_NONCE_EXHAUSTED): far below Noise's 2^64 - 1, and a whole
 * number in JavaScript. At 64 KiB a frame that is 2^62 bytes.
 */
export const MAX_NONCE = 2 ** 48

/** The whole handshake (stream open to the last message) takes at most this long. */
export const HANDSHAKE_TIMEOUT_MS = 10 * second
/** Inbound handshakes of one handleSecure protocol at once, per connection. */
export const MAX_INBOUND_STREAMS = 32
/** Outbound secure streams per connection and protocol. */
export const MAX_OUTBOUND_STREAMS = 64
/**
 * A secure stream hands the frame decoder what the inner stream delivers in
 * slices of at most this many bytes: a muxer delivers its whole receive
 * window at once when the reader falls behind (yamux's grows to 16 MiB).
 */
export const RECEIVE_SLICE_BYTES = 1024 * 1024
/** Undecrypted bytes the frame decoder holds at most: one slice and the frame not yet complete before it. */
export const MAX_BUFFERED_BYTES = RECEIVE_SLICE_BYTES + 2 + 65_535
