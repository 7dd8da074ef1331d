import type { PeerId } from '@libp2p/interface'

/**
 * Typed errors. Every error keydir throws on purpose is a KeydirError with a
 * stable `code` (for programs, metrics and the HTTP API) and a `name` (for
 * tests). Messages say what went wrong and, where a user can act, what to do.
 */
export class KeydirError extends Error {
  readonly code: string

  constructor (code: string, message: string, options?: ErrorOptions) {
    super(message, options)
    this.code = code
    this.name = 'KeydirError'
  }
}

/** Bad bytes or arguments handed to a crypto primitive. */
export class CryptoError extends KeydirError {
  constructor (code: string, message: string, options?: ErrorOptions) {
    super(code, message, options)
    this.name = 'CryptoError'
  }
}

/** A key record that fails decoding or validation. `code` says which rule. */
export class InvalidRecordError extends KeydirError {
  constructor (code: string, message: string, options?: ErrorOptions) {
    super(code, message, options)
    this.name = 'InvalidRecordError'
  }
}

/**
 * A revocation certificate that fails decoding or validation, or that a
 * node which pinned the peer cannot link to the pinned key. `code` says
 * which rule.
 */
export class RevocationError extends KeydirError {
  constructor (code: string, message: string, options?: ErrorOptions) {
    super(code, message, options)
    this.name = 'RevocationError'
  }
}

/**
 * An equivocation proof (two records of one peer with one seq) that fails
 * decoding or validation, or that a node which pinned the peer cannot link
 * to the pinned key. `code` says which rule (docs/record-format.md,
 * "Equivocation proof").
 */
export class EvidenceError extends KeydirError {
  constructor (code: string, message: string, options?: ErrorOptions) {
    super(code, message, options)
    this.name = 'EvidenceError'
  }
}

/** A missing, corrupt or unsafe identity in the data directory. */
export class IdentityError extends KeydirError {
  constructor (code: string, message: string, options?: ErrorOptions) {
    super(code, message, options)
    this.name = 'IdentityError'
  }
}

/** The registry refused a record (pin conflict, rollback) or could not read its store. */
export class RegistryError extends KeydirError {
  constructor (code: string, message: string, options?: ErrorOptions) {
    super(code, message, options)
    this.name = 'RegistryError'
  }
}

/** A KeyRequest / KeyResponse that breaks the exchange protocol. */
export class ExchangeError extends KeydirError {
  constructor (code: string, message: string, options?: ErrorOptions) {
    super(code, message, options)
    this.name = 'ExchangeError'
  }
}

/** A resolution path a resolve tried, and the code it failed with (an untyped error's name when it had no code). */
export interface PathFailure {
  path: string
  code: string
}

/** A resolve that found nothing, timed out, or was given a bad PeerId. */
export class ResolveError extends KeydirError {
  /** For ERR_NOT_FOUND and ERR_RESOLVE_TIMEOUT: each path the lookup tried, in order, and how it failed; else empty. */
  readonly paths: readonly PathFailure[]
  /** For a resolve by ML-DSA PeerId that failed in the libp2p PeerId's own resolve: that PeerId (a proof about the peer is kept under it). */
  readonly peerId?: PeerId

  constructor (code: string, message: string, options?: ErrorOptions & { paths?: readonly PathFailure[], peerId?: PeerId }) {
    super(code, message, options)
    this.name = 'ResolveError'
    this.paths = options?.paths ?? []
    if (options?.peerId !== undefined) this.peerId = options.peerId
  }
}

/** A stored peer score that fails to decode, or a bad reputation option. */
export class ReputationError extends KeydirError {
  constructor (code: string, message: string, options?: ErrorOptions) {
    super(code, message, options)
    this.name = 'ReputationError'
  }
}

/**
 * A secure session (src/session, docs/session.md) that could not be opened
 * or that broke: a peer the directory does not vouch for, a handshake
 * message that fails its checks, a tampered transport frame, a timeout.
 * `code` says which (docs/session.md, "Error codes").
 */
export class SessionError extends KeydirError {
  constructor (code: string, message: string, options?: ErrorOptions) {
    super(code, message, options)
    this.name = 'SessionError'
  }
}

/** Bad configuration: names the offending key. */
export class ConfigError extends KeydirError {
  constructor (code: string, message: string, options?: ErrorOptions) {
    super(code, message, options)
    this.name = 'ConfigError'
  }
}

/** The error code of anything thrown, for counting rejections by reason. */
export function errorCode (err: unknown): string {
  return err instanceof KeydirError ? err.code : 'ERR_UNEXPECTED'
}

/**
 * A sealed envelope that cannot be made or opened: malformed, not for this
 * node, altered, sealed to a retired key, or not signed by the sender's
 * key. `code` says which rule (docs/envelope.md).
 */
export class EnvelopeError extends KeydirError {
  constructor (code: string, message: string, options?: ErrorOptions) {
    super(code, message, options)
    this.name = 'EnvelopeError'
  }
}

/**
 * A file `keydir verify` cannot check: none of the kinds it knows (a key
 * record, a revocation certificate, an equivocation proof, a sealed
 * envelope) in any form it reads (the bytes, their base64, the API's JSON).
 * Code ERR_NOT_VERIFIABLE; the message names each kind tried and why it
 * was refused.
 */
export class UnverifiableFileError extends KeydirError {
  /** Each kind's decoder that was tried, and its refusal. */
  readonly tried: readonly VerifyAttempt[]

  constructor (message: string, tried: readonly VerifyAttempt[] = [], options?: ErrorOptions) {
    super('ERR_NOT_VERIFIABLE', message, options)
    this.name = 'UnverifiableFileError'
    this.tried = tried
  }
}

/** One decoder `keydir verify` tried on a file: the kind, the form of the file it read, and the refusal's code and message. */
export interface VerifyAttempt {
  kind: string
  form: 'bytes' | 'base64' | 'json'
  code: string
  message: string
}
