import { ApiError } from './errors.js'

/** Longest query string accepted (after `?`); the real ones are a few bytes. */
export const MAX_QUERY_LENGTH = 256

/**
 * Check a parsed query against the parameters a route takes: an unknown
 * parameter, a repeated one or a non-string value is a 400, so a typo such
 * as `?refesh=true` is an error rather than silently ignored.
 */
export function checkQuery (query: unknown, allowed: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {}
  if (query === null || typeof query !== 'object') return out
  for (const [name, value] of Object.entries(query)) {
    if (!allowed.includes(name)) {
      const known = allowed.length === 0 ? 'this endpoint takes no query parameters' : `known: ${allowed.join(', ')}`
      throw new ApiError(400, 'ERR_UNKNOWN_PARAM', `unknown query parameter ${JSON.stringify(name.slice(0, 64))} (${known})`)
    }
    if (typeof value !== 'string') {
      throw new ApiError(400, 'ERR_BAD_PARAM', `query parameter ${name} is given more than once`)
    }
    out[name] = value
  }
  return out
}

/** `true` or `false`; absent is `fallback`. */
export function booleanParam (query: Record<string, string>, name: string, fallback: boolean): boolean {
  const value = query[name]
  if (value === undefined) return fallback
  if (value === 'true') return true
  if (value === 'false') return false
  throw new ApiError(400, 'ERR_BAD_PARAM', `query parameter ${name} must be true or false, got ${JSON.stringify(value.slice(0, 64))}`)
}
