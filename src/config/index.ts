/**
 * The daemon's configuration: one schema read from a JSON file, `KEYDIR_*`
 * environment variables and flags, highest first: flags, environment, file,
 * defaults.
 *
 * @example
 * ```ts
 * import { loadConfig, toKeyDirectoryOptions } from './config/index.js'
 *
 * const config = await loadConfig({ dir: '/var/lib/keydir', flags: { api: '127.0.0.1:0' } })
 * config.api                  // { host: '127.0.0.1', port: 0 }
 * config.sources.api          // 'flag'
 * const options = toKeyDirectoryOptions(config) // for createKeyDirectory
 * ```
 */
import { CONFIG_KEYS } from './schema.js'
import type { DaemonConfig } from './load.js'
import type { KeyDirectoryOptions } from '../node/types.js'

export * from './schema.js'
export { loadConfig, resolveDataDir, CONFIG_FILE_NAME, MAX_CONFIG_FILE_BYTES, type DaemonConfig, type ConfigSource, type LoadConfigInput } from './load.js'
export { formatApiAddress, type ApiAddress } from './values.js'

const NODE_KEYS = [
  'listen', 'bootstrap', 'dhtProtocol', 'exchangeProtocol', 'recordLifetimeMs', 'localNetwork', 'maxConnections',
  'crypto', 'resolveTimeoutMs', 'refreshAfterMs', 'maxStaleMs', 'firstContactQuorum', 'disjointPaths', 'firstContactGraceMs',
  'discoverOnConnect', 'removeKeysOnDisconnect', 'reputationThreshold', 'reputationHalfLifeMs', 'envelopeGraceMs'
] as const satisfies ReadonlyArray<typeof CONFIG_KEYS[number] & keyof KeyDirectoryOptions>

/** The node's options from the daemon's config; unset keys are left to the node's defaults. */
export function toKeyDirectoryOptions (config: DaemonConfig): KeyDirectoryOptions {
  const options: Record<string, unknown> = { dataDir: config.dataDir }
  for (const key of NODE_KEYS) {
    if (config[key] !== undefined) options[key] = config[key]
  }
  return options as unknown as KeyDirectoryOptions
}
