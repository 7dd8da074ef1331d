import { inspect } from 'node:util'
import fc from 'fast-check'
import { KeydirError } from '../../src/errors.js'

/**
 * The fuzz harness: a target is a fast-check property over hostile input
 * whose every refusal must be a typed KeydirError with a code. `Outcomes`
 * counts what each case ended in (accepted, or refused by code), so a run
 * can show that the fuzzer reached past the decoder.
 */

const CODE = /^ERR_[A-Z0-9_]+$/

/** Counts of how cases ended: 'accepted' or the refusal's error code. */
export class Outcomes {
  readonly counts = new Map<string, number>()

  add (outcome: string): void {
    this.counts.set(outcome, (this.counts.get(outcome) ?? 0) + 1)
  }

  /** Sorted, most frequent first. */
  summary (): Array<[string, number]> {
    return [...this.counts].sort((a, b) => b[1] - a[1])
  }
}

/** Thrown when a refusal is not a typed KeydirError: the property fails with it. */
export class UntypedRefusal extends Error {
  constructor (where: string, err: unknown) {
    super(`${where}: refusal is not a typed KeydirError with a code: ${describe(err)}`, { cause: err })
    this.name = 'UntypedRefusal'
  }
}

function describe (err: unknown): string {
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code
    return `${err.name} ${code === undefined || code === null ? '' : typeof code === 'string' ? code : inspect(code)}: ${err.message}`
  }
  return String(err)
}

/** Check that `err` is a KeydirError of one of `names` (any KeydirError when empty) with a code; return the code. */
export function refusalCode (where: string, err: unknown, names: readonly string[] = []): string {
  if (!(err instanceof KeydirError) || typeof err.code !== 'string' || !CODE.test(err.code)) {
    throw new UntypedRefusal(where, err)
  }
  if (names.length > 0 && !names.includes(err.name)) {
    throw new UntypedRefusal(where, new Error(`expected ${names.join(' or ')}, got ${err.name} ${err.code}: ${err.message}`))
  }
  return err.code
}

export type Result<T> = { ok: true, value: T } | { ok: false, code: string }

/** Run `fn`: its value, or the code of its typed refusal; an untyped throw fails the case. */
export function attempt<T> (outcomes: Outcomes, where: string, fn: () => T, names: readonly string[] = []): Result<T> {
  try {
    const value = fn()
    outcomes.add(`${where}: accepted`)
    return { ok: true, value }
  } catch (err) {
    const code = refusalCode(where, err, names)
    outcomes.add(`${where}: ${code}`)
    return { ok: false, code }
  }
}

export async function attemptAsync<T> (outcomes: Outcomes, where: string, fn: () => Promise<T>, names: readonly string[] = []): Promise<Result<T>> {
  try {
    const value = await fn()
    outcomes.add(`${where}: accepted`)
    return { ok: true, value }
  } catch (err) {
    const code = refusalCode(where, err, names)
    outcomes.add(`${where}: ${code}`)
    return { ok: false, code }
  }
}

export interface PreparedTarget {
  property: fc.IRawProperty<any>
  outcomes: Outcomes
  close?: () => Promise<void>
}

export interface FuzzTarget {
  name: string
  /** What it feeds and to what. */
  description: string
  /** Cases in the CI-sized run that `npm test` makes. */
  ciRuns: number
  prepare: () => Promise<PreparedTarget>
}

export interface RunOptions {
  /** Stop after this many cases. */
  runs?: number
  /** Stop after this long (whichever comes first). */
  seconds?: number
  seed?: number
}

export interface TargetReport {
  name: string
  runs: number
  failed: boolean
  interrupted: boolean
  seed: number
  ms: number
  /** fast-check's report of the failure, with the shrunk counterexample. */
  failure?: string
  outcomes: Array<[string, number]>
}

export async function runTarget (target: FuzzTarget, options: RunOptions = {}): Promise<TargetReport> {
  const started = performance.now()
  const prepared = await target.prepare()
  const seed = options.seed ?? (Date.now() ^ (Math.random() * 0x100000000)) | 0
  try {
    const details = await fc.check(prepared.property, {
      seed,
      numRuns: options.runs ?? (options.seconds === undefined ? target.ciRuns : 2 ** 31 - 1),
      interruptAfterTimeLimit: options.seconds === undefined ? undefined : options.seconds * 1000,
      markInterruptAsFailure: false,
      // A shrunk counterexample is worth a little time, not the whole budget.
      endOnFailure: false
    })
    return {
      name: target.name,
      runs: details.numRuns,
      failed: details.failed,
      interrupted: details.interrupted,
      seed,
      ms: Math.round(performance.now() - started),
      failure: details.failed ? `${fc.defaultReportMessage(details) ?? ''}\nError: ${describe(details.errorInstance)}` : undefined,
      outcomes: prepared.outcomes.summary()
    }
  } finally {
    await prepared.close?.()
  }
}
