import { KeydirError } from '../errors.js'

/**
 * A library caller's whole-number option (a count, a size, a span of
 * milliseconds), or `fallback` when not given. One that is not a whole
 * number from `min` to `max` throws ERR_BAD_OPTION here, naming it,
 * instead of a dependency's TypeError later or a bound that never holds.
 */
export function countOption (name: string, value: number | undefined, fallback: number, min = 1, max = Number.MAX_SAFE_INTEGER): number {
  if (value === undefined) return fallback
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `${min} or more` : `from ${min} to ${max}`
    throw new KeydirError('ERR_BAD_OPTION', `${name} must be a whole number, ${range}, got ${value}`)
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
