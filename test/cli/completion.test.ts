import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { describe, test } from 'node:test'
import { createProgram } from '../../src/cli/program.js'
import { runKeydir, tempDir } from '../helpers-daemon/cli.js'

const run = promisify(execFile)

/** Whether a program is on PATH. */
async function has (program: string): Promise<boolean> {
  try {
    await run('sh', ['-c', `command -v ${program}`])
    return true
  } catch {
    return false
  }
}

/** Save `keydir completion SHELL` to a file and return its path. */
async function script (shell: string): Promise<string> {
  const { code, stdout, stderr } = await runKeydir(['completion', shell])
  assert.equal(code, 0, stderr)
  const path = join(await tempDir('keydir-completion-'), `keydir.${shell}`)
  await writeFile(path, stdout)
  return path
}

/** What bash completes for a command line (a trailing space starts a new word), with the script loaded. */
async function bashComplete (path: string, line: string): Promise<string[]> {
  const { stdout } = await run('bash', ['--norc', '--noprofile', '-c', `
source "$1"
read -ra COMP_WORDS <<< "$2"
[[ "$2" == *" " ]] && COMP_WORDS+=("")
COMP_CWORD=$((\${#COMP_WORDS[@]} - 1))
_keydir
printf '%s\\n' "\${COMPREPLY[@]}"`, 'bash', path, line])
  return stdout.split('\n').filter(word => word !== '').sort()
}

describe('keydir completion', () => {
  test('bash: commands, flags, and the values of flags with a list', async () => {
    const path = await script('bash')
    assert.deepEqual(await bashComplete(path, 'keydir r'), ['resolve', 'revoke', 'rotate'])
    assert.deepEqual(await bashComplete(path, 'keydir re'), ['resolve', 'revoke'])
    assert.deepEqual(await bashComplete(path, 'keydir st'), ['start', 'status', 'stop'])
    assert.deepEqual(await bashComplete(path, 'keydir start --d'), ['--dht-protocol', '--dir', '--disjoint-paths'])
    assert.deepEqual(await bashComplete(path, 'keydir completion '), ['bash', 'fish', 'zsh'])
    assert.deepEqual(await bashComplete(path, 'keydir peers --trust '), ['anchor', 'dht', 'direct', 'self'])
    assert.deepEqual(await bashComplete(path, 'keydir help ver'), ['verify', 'verify-signature', 'version'])
  })

  test('bash: --dir completes directories', async () => {
    const path = await script('bash')
    const root = await tempDir('keydir-completion-dirs-')
    await run('mkdir', [join(root, 'node-a'), join(root, 'node-b')])
    await writeFile(join(root, 'node-file'), '')
    assert.deepEqual(await bashComplete(path, `keydir status --dir ${root}/node`), [`${root}/node-a`, `${root}/node-b`])
  })

  test('bash: verify FILE completes files, and a name with a space stays one word', async () => {
    const path = await script('bash')
    const root = await tempDir('keydir-completion-files-')
    await writeFile(join(root, 'peer.record'), '')
    await run('mkdir', [join(root, 'a dir')])
    assert.deepEqual(await bashComplete(path, `keydir verify ${root}/peer`), [`${root}/peer.record`])
    assert.deepEqual(await bashComplete(path, `keydir status --dir ${root}/a`), [`${root}/a dir`])
  })

  test('every command of the program is in every script, so none goes stale', async () => {
    const names = createProgram().commands.map(command => command.name())
    assert.ok(names.includes('completion') && names.includes('version') && names.includes('stop'))
    for (const shell of ['bash', 'zsh', 'fish']) {
      const { stdout } = await runKeydir(['completion', shell])
      for (const name of names) assert.match(stdout, new RegExp(`\\b${name}\\b`), `${shell} completes ${name}`)
    }
  })

  test('zsh: the script parses and registers _keydir', async t => {
    if (!await has('zsh')) {
      t.skip('zsh is not installed here')
      return
    }
    const path = await script('zsh')
    await run('zsh', ['-n', path])
    const { stdout } = await run('zsh', ['-f', '-c', `autoload -U compinit; compinit -u -d "${path}.dump"; source "${path}"; print -- $_comps[keydir]`])
    assert.equal(stdout.trim(), '_keydir')
  })

  test('fish: commands and flags', async t => {
    if (!await has('fish')) {
      t.skip('fish is not installed here')
      return
    }
    const path = await script('fish')
    await run('fish', ['-n', path])
    const complete = async (line: string): Promise<string[]> => {
      const { stdout } = await run('fish', ['--no-config', '-c', `source ${path}; complete -C '${line}'`])
      return stdout.split('\n').filter(l => l !== '').map(l => l.split('\t')[0] ?? '').sort()
    }
    assert.deepEqual(await complete('keydir r'), ['resolve', 'revoke', 'rotate'])
    assert.deepEqual(await complete('keydir start --d'), ['--dht-protocol', '--dir', '--disjoint-paths'])
    assert.deepEqual(await complete('keydir completion '), ['bash', 'fish', 'zsh'])
  })

  test('an unknown shell is a usage error', async () => {
    const { code, stderr } = await runKeydir(['completion', 'powershell'])
    assert.equal(code, 2)
    assert.match(stderr, /^keydir: .*powershell.*bash, zsh, fish/m)
  })
})
