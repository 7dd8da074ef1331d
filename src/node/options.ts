import { MAX_RECORD_LIFETIME_MS } from '../record/index.js'
import { reputationSettingsOf } from '../reputation/index.js'
import { countOption } from '../util/options.js'
import type { KeyDirectoryOptions } from './types.js'

export type CountOptionName = 'recordLifetimeMs' | 'resolveTimeoutMs' | 'refreshAfterMs' | 'maxStaleMs' | 'firstContactQuorum' | 'refreshQuorum' |
'disjointPaths' | 'firstContactGraceMs' | 'maxDhtRecords' | 'sessionHandshakeTimeoutMs'

/**
 * The range of each whole-number option. The services that take them
 * check the same least values again, but for recordLifetimeMs, which only
 * the node passes on; the config's parser, for the daemon, is stricter (a
 * record lifetime of a minute at least, upper bounds).
 */
export const COUNT_OPTION_RANGES: Record<CountOptionName, readonly [min: number, max?: number]> = {
  // A record is republished every third of its lifetime: under a second would keep the publisher busy.
  recordLifetimeMs: [1000, MAX_RECORD_LIFETIME_MS],
  resolveTimeoutMs: [1],
  refreshAfterMs: [0],
  maxStaleMs: [0],
  firstContactQuorum: [1],
  refreshQuorum: [1],
  disjointPaths: [1],
  firstContactGraceMs: [0],
  maxDhtRecords: [0],
  sessionHandshakeTimeoutMs: [1]
}

/**
 * Check a library caller's numbers before anything is written or opened:
 * the services they reach check them again for callers that build them
 * alone, but by then the node's identity is written and its databases
 * open. Throws ERR_BAD_OPTION naming the first out of range.
 */
export function checkNumericOptions (options: KeyDirectoryOptions): void {
  for (const [name, [min, max]] of Object.entries(COUNT_OPTION_RANGES) as Array<[CountOptionName, readonly [number, number?]]>) {
    // Only the check matters here; the fallback (min) is never used.
    countOption(name, options[name], min, min, max)
  }
  reputationSettingsOf({ threshold: options.reputationThreshold, halfLifeMs: options.reputationHalfLifeMs })
}
