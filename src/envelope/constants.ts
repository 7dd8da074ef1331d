/**
 * Sealed envelopes (docs/envelope.md): sizes, the HPKE suite and the
 * domain strings. A second implementation needs exactly these numbers.
 */

/** The only envelope version. */
export const ENVELOPE_VERSION = 1

/** Domain of the bytes the sender's ML-DSA-65 key signs; also its FIPS 204 context string. */
export const ENVELOPE_SIGNATURE_DOMAIN = 'keydir/envelope/v1'
/** Domain that starts the HPKE `info`, which binds sender, recipient and seq into the key schedule. */
export const ENVELOPE_INFO_DOMAIN = 'keydir/envelope-info/v1'

/** HPKE suite: KEM X-Wing (0x647a), KDF HKDF-SHA256 (0x0001), AEAD AES-256-GCM (0x0002). */
export const HPKE_SUITE = { kem: 0x647a, kdf: 0x0001, aead: 0x0002 } as const

/** X-Wing's encapsulation: ML-KEM-768 ciphertext (1088) || X25519 ephemeral public key (32). */
export const X_WING_ENC_BYTES = 1120
/** AES-256-GCM's tag. */
export const AEAD_TAG_BYTES = 16

/** The largest message `seal` takes: 1 MiB. */
export const MAX_SEALED_DATA = 1024 * 1024
/**
 * The largest envelope `open` reads: the largest message with every field
 * at its limit (PeerId multihashes of up to 64 bytes, the signature and the
 * protobuf overhead), rounded up to a whole 4 KiB.
 */
export const MAX_ENVELOPE_BYTES = MAX_SEALED_DATA + 8 * 1024
/**
 * An envelope signed by a key the node does not hold for its sender, with a
 * newer sender seq, makes the node look the sender up again: at most once
 * per sender this often, since anyone can seal an envelope naming any
 * sender and seq.
 */
export const RECHECK_SENDER_MS = 60_000
/** Senders whose last re-check is remembered. */
export const MAX_RECHECKED_SENDERS = 10_000
