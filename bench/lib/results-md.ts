import { readFile, writeFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { formatTable, FULL_RESULTS_DIR, goalRows, RESULTS_DIR, type BenchReport } from './report.js'

const MARKDOWN = new URL('../RESULTS.md', RESULTS_DIR)
const BEGIN = '<!-- results:begin (written by bench/lib/results-md.ts from bench/results/*.json; edit outside these markers) -->'
const END = '<!-- results:end -->'
const ORDER = ['crypto', 'record', 'registry', 'api', 'network', 'memory']

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

/** One run's part of bench/RESULTS.md: every bench's tables, goals and chart, from its JSON. */
function runSection (heading: string, reports: BenchReport[], chartDir: string): string[] {
  const lines: string[] = [`## ${heading}`, '']
  const machines = [...new Set(reports.map(r => `${r.environment.cpuCount} cores (${r.environment.cpu}), ${r.environment.memoryGiB} GiB, Node ${r.environment.node}`))]
  lines.push(`Machine: ${machines.join('; ')}. Every figure is a median or a percentile over many operations or rounds, never a single run.`, '')
  const goals = reports.flatMap(r => r.goals)
  if (goals.length > 0) {
    lines.push('### Goals (issue 5)', '', formatTable(goalRows(goals)), '')
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

/** The generated part of bench/RESULTS.md: the quick run, then the full run where there is one. */
export function resultsSection (quick: BenchReport[], full: BenchReport[]): string {
  const lines: string[] = [BEGIN, '']
  if (quick.length > 0) lines.push(...runSection('Quick run (`npm run bench -- --quick`, CI size)', quick, 'results/'))
  if (full.length > 0) lines.push(...runSection('Full run (`npm run bench`)', full, 'results/full/'))
  lines.push(END)
  return lines.join('\n')
}

/** Rebuild the generated part of bench/RESULTS.md; what is written around the markers stays. */
export async function writeResultsMarkdown (): Promise<string> {
  const read = async (dir: URL, quick: boolean): Promise<BenchReport[]> =>
    (await Promise.all(ORDER.map(async name => readReport(dir, name)))).filter((r): r is BenchReport => r !== undefined && r.quick === quick)
  const section = resultsSection(await read(RESULTS_DIR, true), await read(FULL_RESULTS_DIR, false))
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
