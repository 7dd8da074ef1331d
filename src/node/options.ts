import { countOption } from '../util/options.js'
import type { KeyDirectoryOptions } from './types.js'

type CountName = 'recordLifetimeMs' | 'resolveTimeoutMs' | 'refreshAfterMs' | 'maxStaleMs' | 'firstContactQuorum' | 'refreshQuorum' |
'disjointPaths' | 'firstContactGraceMs' | 'maxDhtRecords' | 'sessionHandshakeTimeoutMs'

/** Each whole-number option and the least it may be (the config's parser takes the same from a file or flag). */
const COUNT_MINIMUMS: Record<CountName, number> = {
  recordLifetimeMs: 1,
  resolveTimeoutMs: 1,
  refreshAfterMs: 0,
  maxStaleMs: 0,
  firstContactQuorum: 1,
  refreshQuorum: 1,
  disjointPaths: 1,
  firstContactGraceMs: 0,
  maxDhtRecords: 0,
  sessionHandshakeTimeoutMs: 1
}

/**
 * Check a library caller's numbers before anything is opened: the services
 * they reach check them again for callers that build them alone, but by
 * then the node's databases are open. A KeydirError ERR_BAD_OPTION names
 * the first that is not a whole number in range.
 */
export function checkCountOptions (options: KeyDirectoryOptions): void {
  for (const [name, min] of Object.entries(COUNT_MINIMUMS) as Array<[CountName, number]>) {
    countOption(name, options[name], 0, min)
  }
}
