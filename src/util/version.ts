import { readFileSync } from 'node:fs'

let cached: string | undefined

/**
 * keydir's version, from its package.json (two levels above dist/src/util/).
 * Read once: `keydir version`, `/v1/status`, the status page and the
 * `keydir_build_info` metric all show the same string.
 */
export function keydirVersion (): string {
  if (cached !== undefined) return cached
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version?: unknown }
    cached = typeof pkg.version === 'string' ? pkg.version : '0.0.0'
  } catch {
    cached = '0.0.0'
  }
  return cached
}
