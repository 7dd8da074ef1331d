import { ConfigError, EvidenceError, KeydirError, UnverifiableFileError } from '../errors.js'

/** Exit codes of every `keydir` command. */
export const EXIT_OK = 0
/** The command ran and failed: no node running, peer not found, lookup timed out, I/O error. */
export const EXIT_FAILED = 1
/** The command line or the configuration is wrong: unknown command or option, bad argument, bad config value. */
export const EXIT_USAGE = 2
/** The peer asked about is revoked (ERR_REVOKED): its keys must not be used. */
export const EXIT_REVOKED = 3
/** The peer asked about equivocated (ERR_EQUIVOCATION: it signed two records of one seq): its keys must not be used. */
export const EXIT_EQUIVOCATED = 4
/**
 * `keydir verify`: something in the file does not hold (a check marked ✗,
 * with its code), or the file is none of the kinds it checks
 * (ERR_NOT_VERIFIABLE).
 */
export const EXIT_VERIFY_FAILED = 5
/** `keydir verify-signature`: valid, but by an earlier key of the peer's rotation chain, not its current one. */
export const EXIT_SIGNATURE_EARLIER_KEY = 6
/** `keydir verify-signature`: not a signature of the data by any key the directory holds for the peer. */
export const EXIT_SIGNATURE_INVALID = 7
/**
 * `keydir open` (and seal): the envelope was refused (an ERR_ENVELOPE_* code):
 * not an envelope, not for this node, altered or forged, sealed to a key
 * retired too long ago, or not signed by its sender's key.
 */
export const EXIT_ENVELOPE_REFUSED = 8

export const EXIT_CODES_HELP = `
Exit codes:
  0  done
  1  failed (no node running, not found, timed out, I/O or permission error)
  2  usage (unknown command or option, bad argument, bad configuration)
  3  the peer is revoked (ERR_REVOKED): do not use its keys
  4  the peer equivocated (ERR_EQUIVOCATION): do not use its keys
  5  keydir verify: something in the file does not hold, or it is none of the kinds checked
  6  keydir verify-signature: valid, but by an earlier key of the peer (rotated away)
  7  keydir verify-signature: not a valid signature of that peer
  8  keydir open: the envelope is refused (ERR_ENVELOPE_*: not for this node, altered, forged, not an envelope)`

/** A bad argument that commander cannot see by itself (a malformed PeerId). Exits 2. */
export class UsageError extends KeydirError {
  constructor (message: string) {
    super('ERR_USAGE', message)
    this.name = 'UsageError'
  }
}

/** The exit code for an error thrown by a command. */
export function exitCodeFor (err: unknown): number {
  // A config file that cannot be read or others can write is an I/O or permission failure; one that says the wrong thing is usage.
  if (err instanceof ConfigError && (err.code === 'ERR_CONFIG_UNREADABLE' || err.code === 'ERR_CONFIG_UNSAFE')) return EXIT_FAILED
  if (err instanceof UsageError || err instanceof ConfigError) return EXIT_USAGE
  if (err instanceof KeydirError && err.code === 'ERR_REVOKED') return EXIT_REVOKED
  if (err instanceof KeydirError && err.code === 'ERR_EQUIVOCATION') return EXIT_EQUIVOCATED
  if (err instanceof EvidenceError || err instanceof UnverifiableFileError) return EXIT_VERIFY_FAILED
  // The API's errors reach the CLI as plain KeydirErrors with the node's code.
  // A peer that cannot take envelopes yet (no X25519 key) is a failure, not a refused envelope.
  if (err instanceof KeydirError && err.code.startsWith('ERR_ENVELOPE_') && err.code !== 'ERR_ENVELOPE_NO_HYBRID_KEY') return EXIT_ENVELOPE_REFUSED
  return EXIT_FAILED
}
