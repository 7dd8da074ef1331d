import { readFile, writeFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { formatTable, FULL_RESULTS_DIR, goalRows, RESULTS_DIR, type BenchReport } from './report.js'

/** The generated part of docs/benchmarks.md sits between BEGIN and END; the rest of the page is written by hand. */
const MARKDOWN = new URL('../../docs/benchmarks.md', RESULTS_DIR)
const BEGIN = '<!-- results:begin (written by bench/lib/results-md.ts from bench/results/full/*.json at the end of npm run bench; edit outside these markers) -->'
const END = '<!-- results:end -->'
const ORDER = ['crypto', 'record', 'registry', 'large-registry', 'lifecycle', 'api', 'use-keys', 'network', 'memory', 'hostile', 'hosts']

async function readReport (dir: URL, name: string): Promise<BenchReport | undefined> {
  try {
    const report = JSON.parse(await readFile(new URL(`${name}.json`, dir), 'utf8')) as Partial<BenchReport>
    return Array.isArray(report.tables) ? report as BenchReport : undefined
  } catch {
    return undefined
  }
}

function environmentLine (env: Record<string, string | number>): string {
  return `${env.cpuCount} cores (${env.cpu}), ${env.memoryGiB} GiB, Node ${env.node} (OpenSSL ${env.openssl}), ${env.platform}, commit ${env.commit ?? 'unknown'}, ${String(env.date).slice(0, 16).replace('T', ' ')} UTC`
}

/** The full run's part of docs/benchmarks.md: the goals, then every bench's tables and chart, from its JSON. */
function runSection (reports: BenchReport[], chartDir: string): string[] {
  const lines: string[] = []
  const goals = reports.flatMap(r => r.goals)
  if (goals.length > 0) {
    lines.push('### Goals', '', formatTable(goalRows(goals)), '')
  }
  for (const report of reports) {
    lines.push(`### ${report.title}`, '')
    lines.push(`\`${report.command}\` — ${environmentLine(report.environment)}${report.quick ? ' (quick mode: fewer rounds and operations)' : ''}`, '')
    for (const table of report.tables) {
      lines.push(`${table.title}:`, '', formatTable(table.rows), '')
      for (const note of table.notes ?? []) lines.push(`- ${note}`)
      if ((table.notes ?? []).length > 0) lines.push('')
    }
    lines.push(`![${report.name}](${chartDir}${report.name}.svg)`, '')
  }
  return lines
}

/** The generated part of docs/benchmarks.md: the latest full run of each bench (quick runs print, and stay in bench/results/). */
export function resultsSection (full: BenchReport[]): string {
  return [BEGIN, '', ...runSection(full, '../bench/results/full/'), END].join('\n')
}

/** Rebuild the generated part of docs/benchmarks.md; what is written around the markers stays. */
export async function writeResultsMarkdown (): Promise<string> {
  const full = (await Promise.all(ORDER.map(async name => readReport(FULL_RESULTS_DIR, name)))).filter((r): r is BenchReport => r !== undefined && !r.quick)
  const section = resultsSection(full)
  let existing: string
  try {
    existing = await readFile(MARKDOWN, 'utf8')
  } catch {
    existing = `# keydir benchmarks\n\nRun \`npm run bench\` (all, full size), \`npm run bench -- --quick\` (CI size, under two minutes) or \`npm run bench -- <name>\`.\n\n${BEGIN}\n${END}\n`
  }
  const begin = existing.indexOf(BEGIN)
  const end = existing.indexOf(END)
  const text = begin >= 0 && end > begin
    ? existing.slice(0, begin) + section + existing.slice(end + END.length)
    : `${existing.trimEnd()}\n\n${section}\n`
  const path = fileURLToPath(MARKDOWN)
  await writeFile(path, text)
  return path
}
