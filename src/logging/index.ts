/**
 * The daemon's logger: pino, which has the shape of KeydirLogger, writing
 * readable lines (default) or JSON lines to stderr.
 *
 * @example
 * ```ts
 * import { createDaemonLogger } from './logging/index.js'
 *
 * const logger = createDaemonLogger({ level: 'info', format: 'json' })
 * logger.info({ peer: '12D3KooW…' }, 'key record published')
 * // {"level":"info","time":"…","peer":"12D3KooW…","msg":"key record published"}
 * ```
 */
import { pino, stdTimeFunctions, type DestinationStream, type Logger } from 'pino'
import type { PeerId } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'
import { formatLogLine } from './pretty.js'
import type { LogFormat, LogLevel } from '../config/schema.js'

export { formatLogLine } from './pretty.js'

export interface DaemonLoggerOptions {
  level?: LogLevel
  format?: LogFormat
  /** Where lines go. Default stderr. */
  destination?: { write (line: string): unknown }
  /** Colour the level in pretty lines. Default: when the destination is stderr and it is a terminal, unless NO_COLOR is set. */
  color?: boolean
}

/** Values pino would print badly: bytes as base64, PeerIds and multiaddrs as strings. */
function plain (value: unknown): unknown {
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64')
  if (isPeerIdOrMultiaddr(value)) return value.toString()
  return value
}

function isPeerIdOrMultiaddr (value: unknown): value is PeerId | Multiaddr {
  return value !== null && typeof value === 'object' && !(value instanceof Error) &&
    (typeof (value as { toCID?: unknown }).toCID === 'function' || typeof (value as { getComponents?: unknown }).getComponents === 'function')
}

export function createDaemonLogger (options: DaemonLoggerOptions = {}): Logger {
  const format = options.format ?? 'pretty'
  const target = options.destination ?? process.stderr
  const color = options.color ?? (options.destination === undefined && process.stderr.isTTY && process.env.NO_COLOR === undefined)
  const destination: DestinationStream = format === 'json'
    ? { write: (line: string) => { target.write(line) } }
    : { write: (line: string) => { target.write(formatLogLine(line, { color })) } }

  return pino({
    level: options.level ?? 'info',
    base: { pid: process.pid },
    timestamp: stdTimeFunctions.isoTime,
    formatters: {
      level: (label) => ({ level: label }),
      log: (fields) => {
        const out: Record<string, unknown> = {}
        for (const [key, value] of Object.entries(fields)) out[key] = plain(value)
        return out
      }
    }
  }, destination)
}
