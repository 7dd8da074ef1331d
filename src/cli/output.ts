/** Small helpers for what commands print. Data goes to stdout, everything else to stderr. */

export function printJson (value: unknown): void {
  process.stdout.write(JSON.stringify(value, null, 2) + '\n')
}

export function println (line = ''): void {
  process.stdout.write(line + '\n')
}

export function note (line: string): void {
  process.stderr.write(line + '\n')
}

/** `2025-01-02 03:04:05Z` */
export function formatTime (ms: number): string {
  return new Date(ms).toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z')
}

/** `in 23h 59m`, `5m ago` */
export function formatRelative (ms: number, now = Date.now()): string {
  const delta = ms - now
  const text = formatDuration(Math.abs(delta))
  return delta >= 0 ? `in ${text}` : `${text} ago`
}

/** A span of time as people read it: `42s`, `17m`, `5h 3m`. */
export function formatDuration (ms: number): string {
  const minutes = Math.round(ms / 60_000)
  return minutes < 1 ? `${Math.round(ms / 1000)}s` : minutes < 60 ? `${minutes}m` : `${Math.floor(minutes / 60)}h ${minutes % 60}m`
}

/** Aligned `key  value` lines. */
export function printFields (fields: Array<[string, string]>): void {
  const width = Math.max(...fields.map(([key]) => key.length))
  for (const [key, value] of fields) println(`${key.padEnd(width)}  ${value}`)
}

/** A plain text table with a header row. */
export function formatTable (header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map(r => (r[i] ?? '').length)))
  const line = (cells: string[]): string => cells.map((c, i) => i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)).join('  ').trimEnd()
  return [line(header), ...rows.map(line)].join('\n') + '\n'
}
