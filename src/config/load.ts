import { constants } from 'node:fs'
import { access, readFile, stat } from 'node:fs/promises'
import { homedir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { ConfigError } from '../errors.js'
import { didYouMean } from './did-you-mean.js'
import { CONFIG_ENV, CONFIG_KEYS, CONFIG_SCHEMA, DEBUG_ENV, DIR_ENV, type ConfigKey, type DaemonSettings } from './schema.js'
import type { ValueOrigin } from './values.js'

/** The config file read from the data dir when `--config` is not given. */
export const CONFIG_FILE_NAME = 'config.json'
/** Largest config file read; a real one is a few KB. */
export const MAX_CONFIG_FILE_BYTES = 1024 * 1024

export type ConfigSource = 'flag' | 'env' | 'file' | 'default'

export interface LoadConfigInput {
  /** `--dir` */
  dir?: string
  /** `--config` */
  config?: string
  /** Flag values by config key, as the CLI parsed them (undefined: not given). */
  flags?: Partial<Record<ConfigKey, unknown>>
  /** Default `process.env`. */
  env?: NodeJS.ProcessEnv
}

export interface DaemonConfig extends DaemonSettings {
  dataDir: string
  /** The config file that was read, if any. */
  configFile?: string
  /** Where each key's value came from. */
  sources: Record<ConfigKey, ConfigSource>
  /** Things worth telling the operator that are not errors (an unknown KEYDIR_* variable). */
  warnings: string[]
}

/**
 * The data dir: `--dir`, else `$KEYDIR_DIR`, else `~/.keydir` (one per user).
 * Always an absolute path.
 */
export function resolveDataDir (dir?: string, env: NodeJS.ProcessEnv = process.env): string {
  const chosen = nonEmpty(dir) ?? nonEmpty(env[DIR_ENV]) ?? join(homedir(), '.keydir')
  return resolve(chosen)
}

function nonEmpty (value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value
}

/**
 * Load the daemon's settings. Precedence, highest first: flags, `KEYDIR_*`
 * environment variables, the config file (`--config F`, else `$KEYDIR_CONFIG`,
 * else `<dataDir>/config.json` if it exists), defaults. A list given at a
 * higher level replaces the lower one; it is not merged. An unknown key or a
 * bad value is a ConfigError naming the key.
 */
export async function loadConfig (input: LoadConfigInput = {}): Promise<DaemonConfig> {
  const env = input.env ?? process.env
  const dataDir = resolveDataDir(input.dir, env)
  const explicit = nonEmpty(input.config) ?? nonEmpty(env[CONFIG_ENV])
  const configFile = explicit !== undefined ? resolve(explicit) : join(dataDir, CONFIG_FILE_NAME)
  const file = await readConfigFile(configFile, explicit !== undefined)

  const settings: Record<string, unknown> = {}
  const sources = {} as Record<ConfigKey, ConfigSource>
  const warnings: string[] = []

  if (file !== undefined) {
    for (const key of Object.keys(file)) {
      if (!(CONFIG_KEYS as string[]).includes(key)) {
        const meant = didYouMean(key, CONFIG_KEYS)
        throw new ConfigError('ERR_CONFIG_UNKNOWN_KEY',
          `unknown key "${key}" in ${configFile}${meant === undefined ? '' : `: did you mean "${meant}"?`} (the keys are ${CONFIG_KEYS.join(', ')})`)
      }
    }
  }

  const knownEnv = new Set<string>([DIR_ENV, CONFIG_ENV, DEBUG_ENV, ...CONFIG_KEYS.map(key => CONFIG_SCHEMA[key].env)])
  for (const name of Object.keys(env)) {
    if (name.startsWith('KEYDIR_') && !knownEnv.has(name)) {
      const meant = didYouMean(name, knownEnv)
      warnings.push(`ignoring unknown environment variable ${name}${meant === undefined ? '' : `: did you mean ${meant}?`} (the configuration variables are ${[...knownEnv].join(', ')})`)
    }
  }

  for (const key of CONFIG_KEYS) {
    const definition = CONFIG_SCHEMA[key]
    const flagValue = input.flags?.[key]
    const envValue = nonEmpty(env[definition.env])
    let origin: ValueOrigin | undefined
    let raw: unknown
    if (flagValue !== undefined) {
      origin = { kind: 'flag', key: definition.flag ?? key }
      raw = flagValue
      sources[key] = 'flag'
    } else if (envValue !== undefined) {
      origin = { kind: 'env', key: definition.env }
      raw = envValue
      sources[key] = 'env'
    } else if (file !== undefined && Object.hasOwn(file, key)) {
      origin = { kind: 'file', key, file: configFile }
      raw = file[key]
      sources[key] = 'file'
    } else {
      sources[key] = 'default'
      if (definition.default !== undefined) {
        settings[key] = definition.parse(definition.default, { kind: 'file', key })
      }
      continue
    }
    settings[key] = definition.parse(raw, origin)
  }

  return {
    ...(settings as unknown as DaemonSettings),
    dataDir,
    ...(file !== undefined ? { configFile } : {}),
    sources,
    warnings
  }
}

async function readConfigFile (path: string, required: boolean): Promise<Record<string, unknown> | undefined> {
  let text: string
  try {
    const info = await stat(path)
    if (!info.isFile()) throw new ConfigError('ERR_CONFIG_FILE', `config file ${path} is not a regular file`)
    if (process.platform !== 'win32' && (info.mode & 0o022) !== 0) {
      throw new ConfigError('ERR_CONFIG_UNSAFE',
        `config file ${path} can be written by other users (mode ${(info.mode & 0o777).toString(8).padStart(3, '0')}), ` +
        `who could change this node's anchors and so the keys it pins: run \`chmod go-w ${path}\``)
    }
    if (info.size > MAX_CONFIG_FILE_BYTES) throw new ConfigError('ERR_CONFIG_FILE', `config file ${path} is ${info.size} bytes, more than the ${MAX_CONFIG_FILE_BYTES} a config file may be`)
    text = await readFile(path, 'utf8')
  } catch (err) {
    if (err instanceof ConfigError) throw err
    const code = (err as NodeJS.ErrnoException).code
    if (code === 'ENOENT' && !required) return undefined
    // <dataDir>/config.json in a data dir that is missing, a file, or closed to
    // us: no config file here, and the command reports the data dir itself.
    if (!required && (code === 'ENOTDIR' || (code === 'EACCES' && !await canEnter(dirname(path))))) return undefined
    if (code === 'ENOENT') throw new ConfigError('ERR_CONFIG_FILE', `config file ${path} does not exist`, { cause: err })
    throw new ConfigError('ERR_CONFIG_UNREADABLE', `cannot read config file ${path} (${code ?? String(err)}): check its permissions`, { cause: err })
  }
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch (err) {
    throw new ConfigError('ERR_CONFIG_FILE', `config file ${path} is not valid JSON: ${(err as Error).message}`, { cause: err })
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new ConfigError('ERR_CONFIG_FILE', `config file ${path} must hold a JSON object of settings`)
  }
  return parsed as Record<string, unknown>
}

async function canEnter (dir: string): Promise<boolean> {
  try {
    await access(dir, constants.X_OK)
    return true
  } catch {
    return false
  }
}
