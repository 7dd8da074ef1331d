/**
 * A tiny formatter that turns pino's JSON lines into readable ones:
 *
 * ```
 * 12:00:01.234 INFO  key record published seq=3 peer=12D3KooW…
 * ```
 *
 * It stands in for pino-pretty, which keydir does not depend on.
 */

const LEVEL_NAMES: Record<string, string> = { 10: 'trace', 20: 'debug', 30: 'info', 40: 'warn', 50: 'error', 60: 'fatal' }
const LEVEL_COLORS: Record<string, string> = { trace: '90', debug: '36', info: '32', warn: '33', error: '31', fatal: '35' }
/** Fields every line has, shown in fixed places rather than as key=value. */
const FIXED = new Set(['level', 'time', 'msg', 'pid', 'hostname', 'component'])

export interface PrettyOptions {
  /** ANSI colours for the level. Default false. */
  color?: boolean
}

/** One pino JSON line to one readable line (with its newline). Lines that are not JSON pass through. */
export function formatLogLine (line: string, options: PrettyOptions = {}): string {
  let entry: Record<string, unknown>
  try {
    entry = JSON.parse(line) as Record<string, unknown>
  } catch {
    return line.endsWith('\n') ? line : `${line}\n`
  }
  const rawLevel = entry.level
  const level = typeof rawLevel === 'number' ? (LEVEL_NAMES[rawLevel] ?? String(rawLevel)) : typeof rawLevel === 'string' ? rawLevel : rawLevel === undefined || rawLevel === null ? 'info' : formatValue(rawLevel)
  const levelText = level.toUpperCase().padEnd(5)
  const shownLevel = options.color === true && LEVEL_COLORS[level] !== undefined ? `\x1b[${LEVEL_COLORS[level]}m${levelText}\x1b[0m` : levelText
  const time = formatTime(entry.time)
  const component = typeof entry.component === 'string' ? ` [${entry.component}]` : ''
  const parts = [`${time} ${shownLevel}${component} ${typeof entry.msg === 'string' ? entry.msg : ''}`]
  let errorStack: string | undefined
  for (const [key, value] of Object.entries(entry)) {
    if (FIXED.has(key)) continue
    if (key === 'err' && value !== null && typeof value === 'object') {
      const err = value as { message?: unknown, code?: unknown, stack?: unknown }
      parts.push(`err=${formatValue(err.code ?? err.message)}`)
      if (typeof err.message === 'string' && err.code !== undefined) parts.push(`error=${formatValue(err.message)}`)
      if (level === 'error' || level === 'fatal') errorStack = typeof err.stack === 'string' ? err.stack : undefined
      continue
    }
    parts.push(`${key}=${formatValue(value)}`)
  }
  let out = parts.join(' ') + '\n'
  if (errorStack !== undefined) out += errorStack.split('\n').map(l => `    ${l}`).join('\n') + '\n'
  return out
}

function formatTime (time: unknown): string {
  const date = typeof time === 'number' ? new Date(time) : typeof time === 'string' ? new Date(time) : new Date()
  if (Number.isNaN(date.getTime())) return String(time)
  return date.toISOString().slice(11, 23)
}

function formatValue (value: unknown): string {
  const text = typeof value === 'string'
    ? value
    : Array.isArray(value) && value.every(v => typeof v === 'string' || typeof v === 'number')
      ? value.join(',')
      : JSON.stringify(value) ?? String(value)
  return /^[^\s"=]+$/.test(text) ? text : JSON.stringify(text)
}
