import { execFileSync } from 'node:child_process'
import { mkdir, writeFile } from 'node:fs/promises'
import { cpus, totalmem } from 'node:os'
import { fileURLToPath } from 'node:url'
import cliProgress from 'cli-progress'

/** One table row: column name to cell. Columns come from the first row's keys. */
export type TableRow = Record<string, string | number>

// Benches run from dist/bench/; results go to bench/results/ in the source tree: the quick (CI-sized)
// run's at the top, the full run's under full/.
export const RESULTS_DIR = new URL('../../../bench/results/', import.meta.url)
export const FULL_RESULTS_DIR = new URL('full/', RESULTS_DIR)

function resultsDir (quick: boolean): URL {
  return quick ? RESULTS_DIR : FULL_RESULTS_DIR
}

/** A markdown table, padded so it also reads in a terminal. */
export function formatTable (rows: TableRow[]): string {
  const columns = Object.keys(rows[0] ?? {})
  const cells = [columns, ...rows.map((row) => columns.map((column) => String(row[column] ?? '')))]
  const widths = columns.map((_, i) => Math.max(3, ...cells.map((line) => line[i].length)))
  const line = (values: string[]): string => `| ${values.map((value, i) => value.padEnd(widths[i])).join(' | ')} |`
  const [header, ...body] = cells
  return [line(header), line(widths.map((width) => '-'.repeat(width))), ...body.map(line)].join('\n')
}

export function printTable (rows: TableRow[]): void {
  console.log(formatTable(rows))
}

/** Writes `data` to bench/results/<name>.json (quick) or bench/results/full/<name>.json and returns the file's path. */
export async function writeJson (name: string, data: unknown, quick = true): Promise<string> {
  return writeResult(resultsDir(quick), `${name}.json`, JSON.stringify(data, null, 2) + '\n')
}

/** Writes an SVG chart beside the JSON and returns the file's path. */
export async function writeSvg (name: string, svg: string, quick = true): Promise<string> {
  return writeResult(resultsDir(quick), `${name}.svg`, svg)
}

async function writeResult (dir: URL, file: string, text: string): Promise<string> {
  await mkdir(dir, { recursive: true })
  const path = fileURLToPath(new URL(file, dir))
  await writeFile(path, text)
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
    cpuCount: cpus().length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    commit: gitCommit()
  }
}

/** The commit the numbers were measured on, with `+dirty` when src/ had uncommitted changes. */
function gitCommit (): string {
  const cwd = fileURLToPath(new URL('../../../', import.meta.url))
  try {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim()
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'src', 'protobuf'], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim() !== ''
    return dirty ? `${head}+dirty` : head
  } catch {
    return 'unknown'
  }
}

/** A goal of issue 5 with the figure measured for it. */
export interface Goal {
  goal: string
  target: string
  measured: string
  met: boolean
}

export interface ReportTable {
  title: string
  rows: TableRow[]
  /** Lines printed under the table (how it was measured, caveats). */
  notes?: string[]
}

/** What every bench writes: bench/results/<name>.json, read back to build docs/benchmarks.md. */
export interface BenchReport {
  name: string
  title: string
  /** The command that made these numbers. */
  command: string
  quick: boolean
  environment: Record<string, string | number>
  tables: ReportTable[]
  goals: Goal[]
  /** The raw measurements. */
  data: unknown
}

/** The command line a bench was started with, as `npm run bench` spells it. */
export function benchCommand (name: string, quick: boolean): string {
  return `npm run bench -- ${name}${quick ? ' --quick' : ''}`
}

/** Print a report's tables and goals, write its JSON and its chart. */
export async function publishReport (report: BenchReport, svg?: string): Promise<void> {
  for (const table of report.tables) {
    console.log(`\n${table.title}\n`)
    printTable(table.rows)
    for (const note of table.notes ?? []) console.log(`  ${note}`)
  }
  if (report.goals.length > 0) {
    console.log('\ngoals\n')
    printTable(goalRows(report.goals))
  }
  const written = [await writeJson(report.name, report, report.quick)]
  if (svg !== undefined) written.push(await writeSvg(report.name, svg, report.quick))
  console.log(`\nwrote ${written.join(', ')}`)
}

export function goalRows (goals: Goal[]): TableRow[] {
  return goals.map(({ goal, target, measured, met }) => ({ goal, target, measured, met: met ? 'yes' : 'NO' }))
}

/**
 * A progress bar on stderr when it is a terminal; otherwise a line at most
 * once a minute (a long run into a log shows it is moving, and CI logs stay
 * short).
 */
export interface Progress {
  increment (by?: number): void
  setTotal (total: number): void
  /** A line that stays in the output (a phase's end), so that a run stopped part-way still says how far it got. */
  note (line: string): void
  stop (): void
}

const PROGRESS_LINE_MS = 60_000

export function progressBar (label: string, total: number): Progress {
  if (process.stderr.isTTY !== true) return progressLines(label, total)
  // A MultiBar of one bar: its log() writes lines above the bar, which a SingleBar's stop() would clear or overwrite.
  const bars = new cliProgress.MultiBar({
    format: `${label.padEnd(28).slice(0, 28)} [{bar}] {value}/{total} {duration_formatted}`,
    stream: process.stderr,
    clearOnComplete: true,
    hideCursor: true
  }, cliProgress.Presets.shades_classic)
  const bar = bars.create(total, 0)
  return {
    increment: (by = 1) => { bar.increment(by) },
    setTotal: (value) => { bar.setTotal(value) },
    note: (line) => { bars.log(`${line}\n`) },
    stop: () => {
      // Lines logged since the last redraw are written by update(); stop() alone would drop them.
      bars.update()
      bars.stop()
    }
  }
}

function progressLines (label: string, total: number): Progress {
  const started = performance.now()
  let value = 0
  let printed = started
  return {
    increment: (by = 1) => {
      value += by
      const now = performance.now()
      if (now - printed < PROGRESS_LINE_MS) return
      printed = now
      process.stderr.write(`${label}: ${value}/${total}, ${Math.round((now - started) / 60_000)} min\n`)
    },
    setTotal: (next) => { total = next },
    note: (line) => { process.stderr.write(`${label}: ${line}\n`) },
    stop: () => {}
  }
}

/** Numbers for tables. */
export const fmt = {
  int: (value: number): string => Number.isFinite(value) ? new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 }).format(value) : '-',
  dec: (value: number, digits = 1): string => Number.isFinite(value) ? new Intl.NumberFormat('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits }).format(value) : '-',
  /** Milliseconds, with fitting precision. */
  ms: (value: number): string => !Number.isFinite(value) ? '-' : value < 10 ? value.toFixed(2) : value < 100 ? value.toFixed(1) : value.toFixed(0),
  ratio: (value: number): string => Number.isFinite(value) ? `${value.toFixed(2)}x` : '-',
  pct: (value: number): string => Number.isFinite(value) ? `${(value * 100).toFixed(value === 1 ? 0 : 1)}%` : '-',
  kib: (bytes: number): string => Number.isFinite(bytes) ? `${(bytes / 1024).toFixed(1)}` : '-',
  mib: (bytes: number): string => Number.isFinite(bytes) ? `${(bytes / 2 ** 20).toFixed(1)}` : '-'
}

export interface ChartBar { series: string, value: number, label?: string }
export interface ChartGroup { label: string, bars: ChartBar[] }
export interface BarChart {
  title: string
  /** Axis label, with the unit. */
  unit: string
  groups: ChartGroup[]
  /** A dashed line at this value (a goal or a limit), with its label. */
  marker?: { value: number, label: string }
}

const PALETTE = ['#3b6fb6', '#e07b39', '#4a9d5b', '#b8474b', '#7d5ba6', '#8c6d31', '#4aa3a2', '#777777']

function escapeXml (text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')
}

/** A horizontal grouped bar chart as standalone SVG: one group per label, one colour per series. */
export function barChartSvg (chart: BarChart): string {
  const series = [...new Set(chart.groups.flatMap(g => g.bars.map(b => b.series)))]
  const colour = (name: string): string => PALETTE[series.indexOf(name) % PALETTE.length]
  const width = 760
  const left = 190
  const right = 180
  const barHeight = 16
  const groupGap = 12
  const top = 48 + Math.ceil(series.length / 3) * 18
  const plotWidth = width - left - right
  const max = Math.max(chart.marker?.value ?? 0, ...chart.groups.flatMap(g => g.bars.map(b => b.value)).filter(Number.isFinite), 1e-9)
  const x = (value: number): number => left + (Math.max(0, value) / max) * plotWidth

  const parts: string[] = []
  let y = top
  for (const group of chart.groups) {
    const groupTop = y
    for (const bar of group.bars) {
      const value = Number.isFinite(bar.value) ? bar.value : 0
      parts.push(`<rect x="${left}" y="${y}" width="${(x(value) - left).toFixed(1)}" height="${barHeight - 2}" fill="${colour(bar.series)}"><title>${escapeXml(`${group.label} ${bar.series}: ${bar.label ?? value}`)}</title></rect>`)
      parts.push(`<text x="${(x(value) + 4).toFixed(1)}" y="${y + barHeight - 5}" font-size="11">${escapeXml(bar.label ?? formatValue(value))}</text>`)
      y += barHeight
    }
    parts.push(`<text x="${left - 8}" y="${(groupTop + y) / 2 + 4}" font-size="12" text-anchor="end">${escapeXml(group.label)}</text>`)
    y += groupGap
  }
  const bottom = y
  if (chart.marker !== undefined) {
    const mx = x(chart.marker.value).toFixed(1)
    parts.push(`<line x1="${mx}" y1="${top - 6}" x2="${mx}" y2="${bottom - groupGap + 4}" stroke="#b8474b" stroke-dasharray="4 3"/>`)
    parts.push(`<text x="${mx}" y="${bottom + 8}" font-size="11" fill="#b8474b" text-anchor="middle">${escapeXml(chart.marker.label)}</text>`)
  }
  const legend = series.map((name, i) => {
    const lx = left + (i % 3) * 180
    const ly = 36 + Math.floor(i / 3) * 18
    return `<rect x="${lx}" y="${ly - 10}" width="12" height="12" fill="${colour(name)}"/><text x="${lx + 16}" y="${ly}" font-size="12">${escapeXml(name)}</text>`
  })
  const height = bottom + 34
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif">`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="${width / 2}" y="20" font-size="15" font-weight="bold" text-anchor="middle">${escapeXml(chart.title)}</text>`,
    ...legend,
    `<line x1="${left}" y1="${top - 6}" x2="${left}" y2="${bottom - groupGap + 4}" stroke="#333"/>`,
    ...parts,
    `<text x="${left + plotWidth / 2}" y="${height - 8}" font-size="12" text-anchor="middle">${escapeXml(chart.unit)}</text>`,
    '</svg>',
    ''
  ].join('\n')
}

function formatValue (value: number): string {
  if (value >= 1000) return fmt.int(value)
  if (value >= 10) return value.toFixed(1)
  return value.toPrecision(3)
}
