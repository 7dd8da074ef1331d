import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { runKeydir, tempDir } from '../helpers-daemon/cli.js'

const COMMANDS = ['init', 'start', 'stop', 'resolve', 'peers', 'status', 'anchor', 'rotate', 'revoke', 'verify', 'seal', 'open', 'sign', 'verify-signature', 'watch', 'demo', 'version', 'completion']
const DATA_COMMANDS = ['init', 'stop', 'resolve', 'peers', 'status', 'anchor', 'rotate', 'revoke', 'verify', 'open', 'sign', 'verify-signature', 'watch', 'demo', 'version']
/** Commands that use no data dir. */
const NO_DIR = ['version', 'completion']

describe('keydir --help', () => {
  test('lists every command and the exit codes', async () => {
    const { code, stdout } = await runKeydir(['--help'])
    assert.equal(code, 0)
    for (const command of COMMANDS) assert.match(stdout, new RegExp(`^  ${command}\\b`, 'm'), command)
    assert.match(stdout, /Exit codes:\n {2}0 {2}done\n {2}1 {2}failed.*\n {2}2 {2}usage/)
  })

  for (const command of COMMANDS) {
    test(`keydir ${command} --help`, async () => {
      const { code, stdout, stderr } = await runKeydir([command, '--help'], { env: { KEYDIR_DIR: await tempDir() } })
      assert.equal(code, 0, stderr)
      assert.match(stdout, new RegExp(`^Usage: keydir ${command}\\b`))
      assert.match(stdout, /Exit codes:/)
      // Every command but these takes --dir, as `keydir --help` says (demo: where its nodes' data dirs go).
      if (!NO_DIR.includes(command)) assert.match(stdout, /--dir <path>/)
      if (DATA_COMMANDS.includes(command)) assert.match(stdout, /--json/)
      if (['verify', 'seal', 'open', 'sign', 'verify-signature', 'stop', 'completion'].includes(command)) assert.match(stdout, /Examples:\n {2}(source <\()?keydir /)
    })
  }

  test('keydir help <command> is the same help', async () => {
    const { code, stdout } = await runKeydir(['help', 'resolve'])
    assert.equal(code, 0)
    assert.match(stdout, /^Usage: keydir resolve/)
  })

  test('--version prints the package version', async () => {
    const { code, stdout } = await runKeydir(['--version'])
    assert.equal(code, 0)
    assert.match(stdout.trim(), /^\d+\.\d+\.\d+/)
  })
})
