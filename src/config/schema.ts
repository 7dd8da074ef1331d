import {
  apiAddressValue,
  booleanValue,
  bootstrapList,
  enumValue,
  integerValue,
  multiaddrList,
  protocolValue,
  type ApiAddress,
  type ValueParser
} from './values.js'
import { MAX_RECORD_LIFETIME_MS } from '../record/constants.js'
import type { PqCryptoChoice } from '../crypto/index.js'
import type { KeyDirectoryOptions } from '../node/types.js'

export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const
export type LogLevel = typeof LOG_LEVELS[number]
export const LOG_FORMATS = ['pretty', 'json'] as const
export type LogFormat = typeof LOG_FORMATS[number]
export const CRYPTO_CHOICES: readonly PqCryptoChoice[] = ['auto', 'native', 'noble']

/** The daemon's default API address. */
export const DEFAULT_API = '127.0.0.1:7357'
/** The daemon's default libp2p listen address: loopback with a fixed port, so the anchor entry stays valid across restarts. */
export const DEFAULT_LISTEN = '/ip4/127.0.0.1/tcp/7358'

const second = 1000
const day = 24 * 60 * 60 * second

/**
 * Every setting of the daemon. Keys without a default here take the node's
 * own default (see KeyDirectoryOptions).
 */
export interface DaemonSettings extends Pick<KeyDirectoryOptions,
'dhtProtocol' | 'exchangeProtocol' | 'recordLifetimeMs' | 'localNetwork' | 'maxConnections' | 'crypto' | 'resolveTimeoutMs' | 'refreshAfterMs' | 'maxStaleMs' |
'firstContactQuorum' | 'disjointPaths' | 'firstContactGraceMs' | 'discoverOnConnect' | 'removeKeysOnDisconnect' | 'reputationThreshold' | 'reputationHalfLifeMs' |
'envelopeGraceMs'> {
  listen: string[]
  bootstrap: NonNullable<KeyDirectoryOptions['bootstrap']>
  api: ApiAddress
  logLevel: LogLevel
  logFormat: LogFormat
}

export type ConfigKey = keyof DaemonSettings

export interface ConfigKeyDefinition<T> {
  /** `KEYDIR_…` */
  env: string
  /** The flag of `keydir start` that sets it, if there is one. */
  flag?: string
  parse: ValueParser<T>
  /** The default as a config file would write it; undefined: the node's default. */
  default?: unknown
  /** What the default is when the node decides, for the docs. */
  nodeDefault?: string
  description: string
}

type Schema = { [K in ConfigKey]-?: ConfigKeyDefinition<NonNullable<DaemonSettings[K]>> }

/** The one config schema: JSON file keys, their environment variables and flags. */
export const CONFIG_SCHEMA: Schema = {
  listen: {
    env: 'KEYDIR_LISTEN',
    flag: '--listen',
    parse: multiaddrList(),
    default: [DEFAULT_LISTEN],
    description: 'libp2p listen multiaddrs'
  },
  bootstrap: {
    env: 'KEYDIR_BOOTSTRAP',
    flag: '--bootstrap',
    parse: bootstrapList(),
    default: [],
    description: 'bootstrap peers: multiaddrs ending in /p2p/<PeerId>, or anchor entries { multiaddr, peerId, mlDsaPublicKey | mlDsaFingerprint } trusted at once'
  },
  dhtProtocol: {
    env: 'KEYDIR_DHT_PROTOCOL',
    flag: '--dht-protocol',
    parse: protocolValue(),
    nodeDefault: '/numi/kad/1.0.0',
    description: 'Kademlia protocol id; every node of one network must use the same'
  },
  exchangeProtocol: {
    env: 'KEYDIR_EXCHANGE_PROTOCOL',
    parse: protocolValue(),
    nodeDefault: '/numi/keyx/1.0.0',
    description: 'direct key exchange protocol id'
  },
  recordLifetimeMs: {
    env: 'KEYDIR_RECORD_LIFETIME_MS',
    // A record lives 7 days at most (MAX_RECORD_LIFETIME_MS): a longer setting failed only when the node signed its record.
    parse: integerValue(60 * second, MAX_RECORD_LIFETIME_MS, 'milliseconds'),
    nodeDefault: '86400000 (24 hours)',
    description: 'lifetime of the records this node publishes'
  },
  envelopeGraceMs: {
    env: 'KEYDIR_ENVELOPE_GRACE_MS',
    flag: '--envelope-grace-ms',
    parse: integerValue(0, 365 * day, 'milliseconds'),
    nodeDefault: '604800000 (7 days)',
    description: 'after a rotation, the replaced KEM key is kept this long, so messages sealed to it still open (at most 8 kept)'
  },
  localNetwork: {
    env: 'KEYDIR_LOCAL_NETWORK',
    parse: booleanValue(),
    nodeDefault: 'true when every listen address is loopback or private',
    description: 'keep loopback and private addresses in the DHT, allow many connections from one host, send yamux keep-alive pings every 60 s (not 30) and no connection-monitor pings'
  },
  maxConnections: {
    env: 'KEYDIR_MAX_CONNECTIONS',
    flag: '--max-connections',
    parse: integerValue(1, 100_000, 'connections'),
    nodeDefault: '300',
    description: 'connections kept open at most; at the limit every inbound connection is refused, so a bootstrap peer needs more than the nodes that join through it'
  },
  crypto: {
    env: 'KEYDIR_CRYPTO',
    flag: '--crypto',
    parse: enumValue(CRYPTO_CHOICES),
    nodeDefault: 'auto',
    description: 'post-quantum implementation: native (node:crypto), noble (@noble/post-quantum) or auto'
  },
  resolveTimeoutMs: {
    env: 'KEYDIR_RESOLVE_TIMEOUT_MS',
    parse: integerValue(1, 10 * 60 * second, 'milliseconds'),
    nodeDefault: '10000',
    description: 'how long a resolve may take before it fails with ERR_RESOLVE_TIMEOUT (HTTP 504)'
  },
  refreshAfterMs: {
    env: 'KEYDIR_REFRESH_AFTER_MS',
    parse: integerValue(0, 7 * day, 'milliseconds'),
    nodeDefault: '300000',
    description: 'after this long since the network last confirmed a registry entry, a resolve answers from it and re-checks in the background'
  },
  maxStaleMs: {
    env: 'KEYDIR_MAX_STALE_MS',
    parse: integerValue(0, 7 * day, 'milliseconds'),
    nodeDefault: '3600000',
    description: 'after this long, a resolve re-checks before answering, and answers from the registry (stale: true) only when the network cannot be reached; never below refreshAfterMs'
  },
  firstContactQuorum: {
    env: 'KEYDIR_FIRST_CONTACT_QUORUM',
    flag: '--first-contact-quorum',
    parse: integerValue(1, 20, 'answers'),
    nodeDefault: '3',
    description: 'a peer never seen before is taken from the DHT only after valid answers from this many peers, over as many disjoint paths (or when its walk has found no more, or 3 s after the first), the highest seq winning'
  },
  disjointPaths: {
    env: 'KEYDIR_DISJOINT_PATHS',
    flag: '--disjoint-paths',
    parse: integerValue(1, 20, 'paths'),
    nodeDefault: '3',
    description: 'disjoint paths a DHT lookup walks; no peer is asked on two'
  },
  firstContactGraceMs: {
    env: 'KEYDIR_FIRST_CONTACT_GRACE_MS',
    flag: '--first-contact-grace-ms',
    parse: integerValue(0, 60 * second, 'milliseconds'),
    nodeDefault: '150',
    description: 'a first contact that has its quorum still takes the answers in flight until this long after its first valid DHT answer (or as long again as that answer took, if longer; or this long after the quorum, if that came later)'
  },
  reputationThreshold: {
    env: 'KEYDIR_REPUTATION_THRESHOLD',
    parse: integerValue(-100, 0, 'a peer score'),
    nodeDefault: '-10',
    description: 'lookups skip peers whose score is below this (-100 skips no one); a skipped peer is still asked when it is the only source'
  },
  reputationHalfLifeMs: {
    env: 'KEYDIR_REPUTATION_HALF_LIFE_MS',
    parse: integerValue(60 * second, 30 * day, 'milliseconds'),
    nodeDefault: '3600000',
    description: 'peer scores halve towards 0 this often: how long good or bad behaviour is remembered'
  },
  discoverOnConnect: {
    env: 'KEYDIR_DISCOVER_ON_CONNECT',
    parse: booleanValue(),
    nodeDefault: 'true',
    description: 'request the keys of every newly connected unknown peer'
  },
  removeKeysOnDisconnect: {
    env: 'KEYDIR_REMOVE_KEYS_ON_DISCONNECT',
    parse: booleanValue(),
    nodeDefault: 'false',
    description: 'forget a peer\'s keys when it disconnects'
  },
  api: {
    env: 'KEYDIR_API',
    flag: '--api',
    parse: apiAddressValue(),
    default: DEFAULT_API,
    description: 'HTTP API address HOST:PORT; port 0 picks a free port'
  },
  logLevel: {
    env: 'KEYDIR_LOG_LEVEL',
    flag: '--log-level',
    parse: enumValue(LOG_LEVELS),
    default: 'info',
    description: `log level: ${LOG_LEVELS.join(', ')}`
  },
  logFormat: {
    env: 'KEYDIR_LOG_FORMAT',
    flag: '--log-format',
    parse: enumValue(LOG_FORMATS),
    default: 'pretty',
    description: 'log format: pretty (readable lines) or json (one JSON object a line)'
  }
}

export const CONFIG_KEYS = Object.keys(CONFIG_SCHEMA) as ConfigKey[]

/** Environment variables that are not config keys but that keydir reads. */
export const DIR_ENV = 'KEYDIR_DIR'
export const CONFIG_ENV = 'KEYDIR_CONFIG'
/** `KEYDIR_DEBUG=1`: print stack traces of failed commands. */
export const DEBUG_ENV = 'KEYDIR_DEBUG'
