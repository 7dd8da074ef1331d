import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { keydirVersion } from '../../src/util/version.js'
import { runKeydir } from '../helpers-daemon/cli.js'

describe('keydir version', () => {
  test('--json: keydir\'s version, the Node.js that runs it, the platform', async () => {
    const { code, stdout, stderr } = await runKeydir(['version', '--json'])
    assert.equal(code, 0, stderr)
    const info = JSON.parse(stdout)
    assert.deepEqual(Object.keys(info), ['version', 'node', 'nodePath', 'openssl', 'platform', 'arch'])
    assert.equal(info.version, keydirVersion())
    assert.match(info.version, /^\d+\.\d+\.\d+/)
    // The tests run keydir with this process's Node.
    assert.equal(info.node, process.version)
    assert.equal(info.nodePath, process.execPath)
    assert.equal(info.platform, process.platform)
    assert.equal(info.arch, process.arch)
  })

  test('as text', async () => {
    const { code, stdout } = await runKeydir(['version'])
    assert.equal(code, 0)
    assert.match(stdout, new RegExp(`^keydir +${keydirVersion().replace(/\./g, '\\.')}\n`))
    assert.match(stdout, new RegExp(`^Node\\.js +${process.version.replace(/\./g, '\\.')} \\(`, 'm'))
    assert.match(stdout, new RegExp(`^platform +${process.platform} ${process.arch}$`, 'm'))
  })
})
