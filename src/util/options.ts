import { KeydirError } from '../errors.js'

/**
 * A library caller's count option (a cache size, a limit), or `fallback`
 * when not given. One that is not a whole number from `min` up throws
 * ERR_BAD_OPTION here, naming it, instead of a dependency's TypeError later
 * or a bound that never holds.
 */
export function countOption (name: string, value: number | undefined, fallback: number, min = 1): number {
  if (value === undefined) return fallback
  if (!Number.isSafeInteger(value) || value < min) {
    throw new KeydirError('ERR_BAD_OPTION', `${name} must be a whole number, ${min} or more, got ${value}`)
  }
  return value
}

/**
 * A library caller's span of time in milliseconds, or `fallback` when not
 * given: a number, 0 or more (Infinity turns a bound off on purpose). NaN
 * would turn it off by accident, since every comparison with it is false,
 * so it throws ERR_BAD_OPTION, as a negative span does.
 */
export function msOption (name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !(value >= 0)) {
    throw new KeydirError('ERR_BAD_OPTION', `${name} must be a number of milliseconds, 0 or more, got ${value}`)
  }
  return value
}
