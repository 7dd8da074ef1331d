import { ConfigError, EvidenceError, KeydirError } from '../errors.js'

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
/** `keydir verify`: the file is not a valid proof (an EvidenceError; the message says which check failed). */
export const EXIT_INVALID_EVIDENCE = 5

export const EXIT_CODES_HELP = `
Exit codes:
  0  done
  1  failed (no node running, not found, timed out, I/O or permission error)
  2  usage (unknown command or option, bad argument, bad configuration)
  3  the peer is revoked (ERR_REVOKED): do not use its keys
  4  the peer equivocated (ERR_EQUIVOCATION): do not use its keys
  5  keydir verify: the file is not a valid proof`

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
  if (err instanceof EvidenceError) return EXIT_INVALID_EVIDENCE
  return EXIT_FAILED
}
