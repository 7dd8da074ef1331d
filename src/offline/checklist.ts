import { errorCode } from '../errors.js'

/**
 * What an offline check says about a file: each thing checked, whether it
 * holds, and what could not be checked. Checks never throw for a file
 * that fails them: a failure is a check with `ok: false` and the code the
 * node itself would refuse it with.
 */

/** One thing checked. */
export interface Check {
  /** Stable, for programs: `ed25519-signature`, `times`, `decrypts`, ... */
  name: string
  ok: boolean
  /** What was checked and what came out, for people. */
  text: string
  /** The error code the node refuses the file with, for a failing check. */
  code?: string
}

/** Something this check could not establish, and what would let it. */
export interface Unchecked {
  name: string
  text: string
  /**
   * The flags that would check it too, all of them. Absent when nothing
   * the caller can pass would (a hand-over from a key known only by its
   * fingerprint): then the file still holds without it.
   */
  needs?: string[]
}

export interface Checklist {
  checks: Check[]
  unchecked: Unchecked[]
  /** What the file proves when every check holds, in a sentence or two. */
  proves: string
  /** What it does not prove, even then. */
  doesNotProve: string
}

/** Every check holds. */
export function holds (list: Pick<Checklist, 'checks'>): boolean {
  return list.checks.every(check => check.ok)
}

/** Nothing is left unchecked that the caller could have let this check. */
export function complete (list: Pick<Checklist, 'unchecked'>): boolean {
  return list.unchecked.every(item => item.needs === undefined)
}

/** The first check that does not hold. */
export function firstFailure (list: Pick<Checklist, 'checks'>): Check | undefined {
  return list.checks.find(check => !check.ok)
}

export function passed (name: string, text: string): Check {
  return { name, ok: true, text }
}

export function failed (name: string, code: string, text: string): Check {
  return { name, ok: false, text, code }
}

/** A check whose outcome is a boolean: `text` when it holds, `failure` and `code` when not. */
export function checkThat (name: string, holds: boolean, text: string, code: string, failure: string): Check {
  return holds ? passed(name, text) : failed(name, code, failure)
}

/**
 * The outcome of a project validator that throws a typed error: a failing
 * check with the error's code and message, or undefined when it held.
 */
export function refusalOf (run: () => unknown): { code: string, message: string } | undefined {
  try {
    run()
    return undefined
  } catch (err) {
    return { code: errorCode(err), message: err instanceof Error ? err.message : String(err) }
  }
}

/**
 * The project's own validator has the last word: when it refuses the file
 * for a reason no check here failed on, that refusal becomes a failing
 * check, so the list never says "holds" where the node would refuse.
 */
export function validatorCheck (checks: Check[], refusal: { code: string, message: string } | undefined, name: string): Check[] {
  if (refusal === undefined || checks.some(check => !check.ok && check.code === refusal.code)) return checks
  return [...checks, failed(name, refusal.code, refusal.message)]
}

/** An ISO time where Date can hold it (up to 8.64e15 ms); times on the wire may go to 2^53 - 1. */
export function isoTime (ms: number): string {
  const date = new Date(ms)
  return Number.isNaN(date.getTime()) ? `${ms} Unix ms` : date.toISOString()
}

/** The short form of a key fingerprint people compare: its first 8 hex digits. */
export function shortHex (bytes: Uint8Array): string {
  return `${Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex').slice(0, 8)}…`
}
