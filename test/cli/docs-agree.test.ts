import assert from 'node:assert/strict'
import { readFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { before, describe, test } from 'node:test'
import { runKeydir, tempDir } from '../helpers-daemon/cli.js'

const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url))
/** The pages whose command tables must agree with `--help`. */
const PAGES = ['README.md', 'docs/cli.md']

/** A command table's rows, `| \`keydir NAME ...\` | does |`: each command's flags, over all its rows. */
async function documented (page: string): Promise<Map<string, Set<string>>> {
  const text = await readFile(`${REPO_ROOT}${page}`, 'utf8')
  const commands = new Map<string, Set<string>>()
  for (const line of text.split('\n')) {
    if (!line.startsWith('| `keydir ')) continue
    const usage = line.split(/(?<!\\)\|/)[1] ?? ''
    const name = /`keydir ([a-z][a-z-]*)/.exec(usage)?.[1]
    assert.ok(name !== undefined, `${page}: a row without a command: ${line}`)
    const flags = commands.get(name) ?? new Set<string>()
    for (const flag of usage.match(/--[a-z][a-z0-9-]*/g) ?? []) flags.add(flag)
    commands.set(name, flags)
  }
  return commands
}

/** The commands `keydir --help` lists (commander's own `help` aside). */
function commandsOf (help: string): string[] {
  const section = help.split('\nCommands:\n')[1]?.split('\n\n')[0] ?? ''
  return [...section.matchAll(/^ {2}([a-z][a-z-]*)/gm)].map(m => m[1] ?? '').filter(name => name !== 'help')
}

/** The long flags a command's `--help` lists under Options (`--help` aside). */
function flagsOf (help: string): Set<string> {
  const section = help.split('\nOptions:\n')[1]?.split('\n\n')[0] ?? ''
  return new Set([...section.matchAll(/^ {2}(?:-\w, )?(--[a-z][a-z0-9-]*)/gm)].map(m => m[1] ?? '').filter(flag => flag !== '--help'))
}

describe('README, docs/cli.md and --help agree', { timeout: 120_000 }, () => {
  let commands: string[]
  const helps = new Map<string, Set<string>>()

  before(async () => {
    const env = { KEYDIR_DIR: await tempDir() }
    const top = await runKeydir(['--help'], { env })
    assert.equal(top.code, 0, top.stderr)
    commands = commandsOf(top.stdout)
    assert.ok(commands.length >= 15, `keydir --help lists its commands: ${commands.join(' ')}`)
    for (const command of commands) {
      const { code, stdout, stderr } = await runKeydir([command, '--help'], { env })
      assert.equal(code, 0, `keydir ${command} --help: ${stderr}`)
      helps.set(command, flagsOf(stdout))
    }
  })

  for (const page of PAGES) {
    test(`${page}: every command of --help has a row, and every row's command exists`, async () => {
      const docs = await documented(page)
      assert.deepEqual([...docs.keys()].sort(), [...commands].sort())
    })

    test(`${page}: every flag a row names is in that command's --help, and every flag of --help is in its rows`, async () => {
      const docs = await documented(page)
      for (const [command, flags] of docs) {
        const help = helps.get(command) ?? new Set()
        assert.deepEqual([...flags].filter(flag => !help.has(flag)), [], `${page} names flags of keydir ${command} that its --help does not have`)
        assert.deepEqual([...help].filter(flag => !flags.has(flag)), [], `keydir ${command} --help has flags that ${page} does not name`)
      }
    })
  }
})
