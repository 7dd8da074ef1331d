import { multiaddr } from '@multiformats/multiaddr'
import { ConfigError } from '../errors.js'
import { parseBootstrapEntry, type BootstrapPeer } from '../node/anchors.js'
import type { AnchorEntry } from '../node/types.js'

/**
 * Parsers for configuration values. Each takes the raw value and where it
 * came from, and returns the typed value or throws a ConfigError that names
 * the key. A config file must give JSON of the right type (`10000`, not
 * `"10000"`); environment variables and flags are strings and are converted.
 */

/** Where a value came from. */
export interface ValueOrigin {
  kind: 'file' | 'env' | 'flag'
  /** The key as the user wrote it: `resolveTimeoutMs`, `bootstrap[0].peerId`, `KEYDIR_API`, `--api`. */
  key: string
  /** The config file, for values from one. */
  file?: string
}

/** How a message names the value: `"bootstrap[0].peerId" in /etc/keydir.json`, `environment variable KEYDIR_API`, `--api`. */
export function nameOf (origin: ValueOrigin): string {
  switch (origin.kind) {
    case 'file': return origin.file === undefined ? `"${origin.key}"` : `"${origin.key}" in ${origin.file}`
    case 'env': return `environment variable ${origin.key}`
    case 'flag': return origin.key
  }
}

/** The same origin, one level down: `bootstrap` -> `bootstrap[0]` -> `bootstrap[0].peerId`. */
function child (origin: ValueOrigin, suffix: string): ValueOrigin {
  return { ...origin, key: `${origin.key}${suffix}` }
}

export type ValueParser<T> = (raw: unknown, origin: ValueOrigin) => T

const MAX_STRING = 4096

export function invalid (origin: ValueOrigin, expected: string, raw: unknown): ConfigError {
  return new ConfigError('ERR_CONFIG_INVALID_VALUE', `${nameOf(origin)} must be ${expected}, got ${describe(raw)}`)
}

function describe (raw: unknown): string {
  if (typeof raw === 'string') {
    const shown = raw.length > 60 ? `${raw.slice(0, 60)}…` : raw
    return `the string ${JSON.stringify(shown)}`
  }
  if (raw === null) return 'null'
  if (Array.isArray(raw)) return 'an array'
  if (typeof raw === 'object') return 'an object'
  return typeof raw === 'number' || typeof raw === 'bigint' || typeof raw === 'boolean' ? `${typeof raw} ${String(raw)}` : typeof raw
}

export function stringValue (expected = 'a string'): ValueParser<string> {
  return (raw, origin) => {
    if (typeof raw !== 'string' || raw.length === 0 || raw.length > MAX_STRING) throw invalid(origin, expected, raw)
    return raw
  }
}

export function booleanValue (): ValueParser<boolean> {
  return (raw, origin) => {
    if (typeof raw === 'boolean') return raw
    if (origin.kind !== 'file' && typeof raw === 'string') {
      if (['true', '1', 'yes', 'on'].includes(raw.toLowerCase())) return true
      if (['false', '0', 'no', 'off'].includes(raw.toLowerCase())) return false
    }
    throw invalid(origin, origin.kind === 'file' ? 'true or false' : 'true or false (or 1/0, yes/no, on/off)', raw)
  }
}

export function integerValue (min: number, max: number, unit: string): ValueParser<number> {
  const expected = `an integer from ${min} to ${max} (${unit})`
  return (raw, origin) => {
    let value = raw
    if (origin.kind !== 'file' && typeof raw === 'string' && /^-?[0-9]+$/.test(raw.trim())) value = Number(raw.trim())
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) throw invalid(origin, expected, raw)
    return value
  }
}

export function enumValue<T extends string> (choices: readonly T[]): ValueParser<T> {
  return (raw, origin) => {
    if (typeof raw !== 'string' || !(choices as readonly string[]).includes(raw)) throw invalid(origin, `one of ${choices.join(', ')}`, raw)
    return raw as T
  }
}

/** A protocol id such as `/numi/kad/1.0.0`. */
export function protocolValue (): ValueParser<string> {
  return (raw, origin) => {
    if (typeof raw !== 'string' || !/^\/[\x21-\x7e]{1,255}$/.test(raw)) throw invalid(origin, 'a protocol id starting with "/" (such as /numi/kad/1.0.0)', raw)
    return raw
  }
}

/** A list: a JSON array in a file, comma-separated in an environment variable, a repeated flag. */
function listOf<T> (item: (raw: unknown, origin: ValueOrigin) => T, maxItems: number): ValueParser<T[]> {
  return (raw, origin) => {
    let items: unknown[]
    if (Array.isArray(raw)) items = raw
    else if (origin.kind === 'env' && typeof raw === 'string') items = raw.split(',').map(s => s.trim()).filter(s => s !== '')
    else throw invalid(origin, origin.kind === 'file' ? 'an array' : 'a comma-separated list', raw)
    if (items.length > maxItems) throw invalid(origin, `a list of at most ${maxItems} entries`, raw)
    return items.map((value, i) => item(value, child(origin, `[${i}]`)))
  }
}

function parseMultiaddr (raw: unknown, origin: ValueOrigin): string {
  if (typeof raw !== 'string' || raw.length > MAX_STRING) throw invalid(origin, 'a multiaddr string', raw)
  try {
    return multiaddr(raw).toString()
  } catch (err) {
    throw new ConfigError('ERR_CONFIG_INVALID_VALUE', `${nameOf(origin)} is not a valid multiaddr (${JSON.stringify(raw.slice(0, 100))}): ${(err as Error).message}`)
  }
}

const ANCHOR_KEYS = new Set(['multiaddr', 'peerId', 'mlDsaPublicKey', 'mlDsaFingerprint'])

/**
 * A bootstrap entry: a multiaddr, or an anchor entry object (in a flag or
 * an environment variable, its JSON). The file format's own rules are
 * checked here (types, sizes, unknown keys); the entry itself is parsed by
 * the node's one bootstrap parser, and kept in its normalised form.
 */
function bootstrapEntryValue (raw: unknown, origin: ValueOrigin): string | AnchorEntry {
  if (typeof raw === 'string' && raw.trimStart().startsWith('{')) {
    try {
      raw = JSON.parse(raw)
    } catch {
      throw invalid(origin, 'a multiaddr or the JSON of an anchor entry', raw)
    }
  }
  if (raw !== null && typeof raw === 'object' && !Array.isArray(raw)) {
    const fields = raw as Record<string, unknown>
    for (const key of Object.keys(fields)) {
      if (!ANCHOR_KEYS.has(key)) {
        throw new ConfigError('ERR_CONFIG_UNKNOWN_KEY', `${nameOf(origin)} has unknown key "${key}": an anchor entry has multiaddr, peerId and mlDsaPublicKey (or mlDsaFingerprint)`)
      }
      if (typeof fields[key] !== 'string' || (fields[key]).length > MAX_STRING) throw invalid(child(origin, `.${key}`), 'a string', fields[key])
    }
    const entry = fields as unknown as AnchorEntry
    const peer = nodeParsed(entry, origin)
    const normalised: AnchorEntry = { multiaddr: peer.multiaddr.toString(), peerId: peer.peerId.toString() }
    if (entry.mlDsaPublicKey !== undefined) normalised.mlDsaPublicKey = entry.mlDsaPublicKey
    else normalised.mlDsaFingerprint = entry.mlDsaFingerprint
    return normalised
  }
  if (typeof raw !== 'string' || raw.length > MAX_STRING) throw invalid(origin, 'a multiaddr string', raw)
  return nodeParsed(raw, origin).multiaddr.toString()
}

/** The node's parser decides; its error is rethrown naming the key as the user wrote it. */
function nodeParsed (entry: string | AnchorEntry, origin: ValueOrigin): BootstrapPeer {
  try {
    return parseBootstrapEntry(entry, field => nameOf(child(origin, field)))
  } catch (err) {
    throw new ConfigError('ERR_CONFIG_INVALID_VALUE', (err as Error).message)
  }
}

export function multiaddrList (): ValueParser<string[]> {
  return listOf(parseMultiaddr, 64)
}

/**
 * Bootstrap peers: multiaddrs ending in /p2p/<PeerId>, or anchor entries. In
 * an environment variable, a JSON array (for anchors) or comma-separated
 * multiaddrs; as a flag, a multiaddr or the JSON of one anchor entry.
 */
export function bootstrapList (): ValueParser<Array<string | AnchorEntry>> {
  const list = listOf(bootstrapEntryValue, 256)
  return (raw, origin) => {
    if (origin.kind === 'env' && typeof raw === 'string' && raw.trimStart().startsWith('[')) {
      try {
        raw = JSON.parse(raw)
      } catch {
        throw invalid(origin, 'a JSON array or comma-separated multiaddrs', raw)
      }
    }
    return list(raw, origin)
  }
}

export interface ApiAddress {
  host: string
  port: number
}

/** `HOST:PORT`, `[IPv6]:PORT`; port 0 picks a free one. */
export function apiAddressValue (): ValueParser<ApiAddress> {
  const expected = 'HOST:PORT (such as 127.0.0.1:7357, [::1]:7357; port 0 picks a free port)'
  return (raw, origin) => {
    if (typeof raw !== 'string') throw invalid(origin, expected, raw)
    const match = /^(?:\[([0-9a-fA-F:.]+)\]|([A-Za-z0-9.-]+)):([0-9]{1,5})$/.exec(raw)
    if (match == null) throw invalid(origin, expected, raw)
    const port = Number(match[3])
    if (port > 65535) throw invalid(origin, expected, raw)
    return { host: match[1] ?? match[2] ?? '', port }
  }
}

export function formatApiAddress (address: ApiAddress): string {
  return address.host.includes(':') ? `[${address.host}]:${address.port}` : `${address.host}:${address.port}`
}
