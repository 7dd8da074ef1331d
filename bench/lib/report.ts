import { mkdir, writeFile } from 'node:fs/promises'
import { cpus } from 'node:os'
import { fileURLToPath } from 'node:url'

/** One table row: column name to cell. Columns come from the first row's keys. */
export type TableRow = Record<string, string | number>

// Benches run from dist/bench/; results go to bench/results/ in the source tree.
const RESULTS_DIR = new URL('../../../bench/results/', import.meta.url)

/** A markdown table, padded so it also reads in a terminal. */
export function formatTable (rows: TableRow[]): string {
  const columns = Object.keys(rows[0] ?? {})
  const cells = [columns, ...rows.map((row) => columns.map((column) => String(row[column] ?? '')))]
  const widths = columns.map((_, i) => Math.max(3, ...cells.map((line) => line[i]!.length)))
  const line = (values: string[]): string => `| ${values.map((value, i) => value.padEnd(widths[i]!)).join(' | ')} |`
  const [header, ...body] = cells
  return [line(header!), line(widths.map((width) => '-'.repeat(width))), ...body.map(line)].join('\n')
}

export function printTable (rows: TableRow[]): void {
  console.log(formatTable(rows))
}

/** Writes `data` to bench/results/<name>.json and returns the file's path. */
export async function writeJson (name: string, data: unknown): Promise<string> {
  await mkdir(RESULTS_DIR, { recursive: true })
  const path = fileURLToPath(new URL(`${name}.json`, RESULTS_DIR))
  await writeFile(path, JSON.stringify(data, null, 2) + '\n')
  return path
}

/** What the numbers depend on, to store beside them. */
export function benchEnvironment (): Record<string, string | number> {
  return {
    date: new Date().toISOString(),
    node: process.version,
    openssl: process.versions.openssl ?? 'none',
    platform: `${process.platform}-${process.arch}`,
    cpu: cpus()[0]?.model ?? 'unknown',
    cpuCount: cpus().length
  }
}
