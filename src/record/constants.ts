import { ML_DSA_65 } from '../crypto/types.js'

const second = 1000
const minute = 60 * second
const hour = 60 * minute

/** The DHT namespace: a record lives under `/pqk/` + the PeerId's multihash bytes. */
export const NAMESPACE = 'pqk'
export const ROUTING_KEY_PREFIX = new TextEncoder().encode('/pqk/')

/** Domain prefixes of the signed byte strings; also the ML-DSA-65 contexts. */
export const RECORD_DOMAIN = 'keydir/key-record/v1'
/** A version-2 record's (one with an X25519 key) domain prefix and ML-DSA-65 context. */
export const RECORD_V2_DOMAIN = 'keydir/key-record/v2'
export const ROTATION_DOMAIN = 'keydir/rotation/v1'

export const ED25519_SIGNATURE_LENGTH = 64
export const FINGERPRINT_LENGTH = 32
export const ML_DSA_SIGNATURE_LENGTH = ML_DSA_65.signature
/** The record version that carries an X25519 key (field 12); a version-1 record omits the field. */
export const RECORD_VERSION_2 = 2
export const X25519_PUBLIC_KEY_LENGTH = 32

/**
 * Hand-overs a record carries besides its `rotation` proof: with the proof, a
 * holder pinned up to MAX_HISTORY_LINKS + 1 keys back follows the record
 * alone. Each link is 5,304 bytes on the wire (a 1952-byte key and a
 * 3309-byte signature), so the bound is what keeps records small.
 */
export const MAX_HISTORY_LINKS = 2

/**
 * Largest encoded record accepted. The largest record keydir makes (version
 * 2: a rotation proof, MAX_HISTORY_LINKS links, the previous record's hash
 * and the X25519 key) is 20,608 bytes (version 1: 20,572; plain: 6,581, or
 * 6,617 at version 2; with a rotation proof: 9,930; seq and times clock
 * readings); anything much bigger is not ours.
 */
export const MAX_RECORD_BYTES = 24 * 1024
/** SHA-256, the hash that names a record's predecessor. */
export const RECORD_HASH_LENGTH = 32
/** A PeerId multihash: Ed25519 identity multihash is 38 bytes. */
export const MAX_PEER_ID_BYTES = 64

/** How far in the future an issue time may be (clock skew), as the seed's replay window. */
export const MAX_CLOCK_SKEW_MS = 5 * minute
/** Longest lifetime a record may claim: bounds how long a leaked record can be replayed. */
export const MAX_RECORD_LIFETIME_MS = 7 * 24 * hour
export const DEFAULT_RECORD_LIFETIME_MS = 24 * hour

/** Domain prefix of a revocation certificate's signed bytes; also its ML-DSA-65 context. */
export const REVOCATION_DOMAIN = 'keydir/revocation/v1'
/**
 * Largest encoded revocation certificate accepted. The largest valid one
 * (with a rotation proof, issued_at at 2^53 - 1) is 8,740 bytes.
 */
export const MAX_REVOCATION_BYTES = 10 * 1024

/**
 * Largest encoded equivocation proof accepted: two records at their cap,
 * each behind a 2-byte tag and a 3-byte length (49,162 bytes). Exact: the
 * bytes of any two valid records fit, and nothing else does.
 */
export const MAX_EVIDENCE_BYTES = 2 * MAX_RECORD_BYTES + 2 * (2 + 3)
