/**
 * Detached signatures with a node's ML-DSA-65 key (docs/signatures.md).
 * The message is signed as it is, with this FIPS 204 context string, so any
 * ML-DSA-65 implementation that takes a context can check it.
 */
export const MESSAGE_SIGNATURE_CONTEXT = 'keydir/signed-message/v1'

/** The registry side rows that keep peers' retired keys. */
export const RETIRED_KEY_ROWS = 'retired-signing-keys'

/** Retired ML-DSA-65 keys a node remembers per peer (with the last seq each was carried in), newest first. */
export const MAX_RETIRED_KEYS_PER_PEER = 4
/**
 * Peers whose retired keys a node remembers at most; the least recently
 * rotated go first. All are read at start and held: at most 1,000 x 4 x
 * 1,960 bytes, about 8 MB, however many identities rotate at it.
 */
export const MAX_RETIRED_KEY_PEERS = 1_000
