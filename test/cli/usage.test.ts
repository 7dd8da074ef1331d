import assert from 'node:assert/strict'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, test } from 'node:test'
import { runKeydir, tempDir } from '../helpers-daemon/cli.js'

/** Usage errors exit 2 and say what is wrong on stderr, with nothing on stdout. */
describe('usage errors exit 2', () => {
  const cases: Array<[string, string[], RegExp]> = [
    ['no command', [], /Usage: keydir/],
    ['an unknown command', ['serve'], /^keydir: unknown command 'serve'/],
    ['a misspelt command', ['stauts'], /Did you mean status\?/],
    ['an unknown option', ['status', '--verbose'], /^keydir: unknown option '--verbose'/],
    ['an unknown option, misspelt', ['resolve', '--dri', 'x'], /^keydir: unknown option '--dri'/],
    ['a missing argument', ['resolve'], /^keydir: missing required argument 'PEER_ID'/],
    ['a malformed PeerId', ['resolve', 'not-a-peer-id'], /"not-a-peer-id" is not a valid PeerId/],
    ['an overlong PeerId', ['resolve', 'Q'.repeat(5000)], /too long/],
    ['seal to a malformed PeerId', ['seal', 'not-a-peer-id'], /"not-a-peer-id" is not a valid PeerId/],
    ['verify-signature without --signature', ['verify-signature', '12D3KooWEh4qcjrGcspMxQLZ5P3GGDM6tBPnNLN7ivvpAoDryiyf'], /required option '--signature <file>' not specified/],
    ['a bad trust level', ['peers', '--trust', 'friend'], /Allowed choices are self, anchor, direct, dht/],
    ['a bad --api', ['start', '--api', 'nowhere'], /--api must be HOST:PORT/],
    ['a bad --listen', ['start', '--listen', 'garbage'], /--listen\[0\] is not a valid multiaddr/],
    ['a bootstrap without /p2p/', ['start', '--bootstrap', '/ip4/127.0.0.1/tcp/1'], /--bootstrap\[0\] must end in \/p2p\/<PeerId>/],
    ['a bad --log-level', ['start', '--log-level', 'loud'], /--log-level must be one of trace, debug/],
    ['too few demo nodes', ['demo', '--nodes', '1'], /--nodes must be a whole number from 2 to 100/],
    ['a demo node count that is not a number', ['demo', '--nodes', 'ten'], /--nodes must be a whole number/]
  ]
  for (const [name, args, message] of cases) {
    test(name, async () => {
      const dir = await tempDir()
      const { code, stdout, stderr } = await runKeydir(args, { env: { KEYDIR_DIR: join(dir, 'data') } })
      assert.equal(code, 2, `exit ${code}\n${stderr}`)
      assert.match(stderr, message)
      if (args.length > 0) assert.equal(stdout, '')
    })
  }

  test('a config file value of the wrong type is named', async () => {
    const dir = await tempDir()
    await writeFile(join(dir, 'config.json'), JSON.stringify({ resolveTimeoutMs: '10s' }))
    const { code, stderr } = await runKeydir(['start', '--dir', dir])
    assert.equal(code, 2, stderr)
    assert.match(stderr, /"resolveTimeoutMs" in .*config\.json must be an integer/)
  })

  test('an unknown config file key is named', async () => {
    const dir = await tempDir()
    await writeFile(join(dir, 'config.json'), JSON.stringify({ apiPort: 7357 }))
    const { code, stderr } = await runKeydir(['start', '--dir', dir])
    assert.equal(code, 2, stderr)
    assert.match(stderr, /unknown key "apiPort"/)
  })

  test('a bad environment variable is named', async () => {
    const dir = await tempDir()
    const { code, stderr } = await runKeydir(['start', '--dir', dir], { env: { KEYDIR_LOG_FORMAT: 'xml' } })
    assert.equal(code, 2, stderr)
    assert.match(stderr, /environment variable KEYDIR_LOG_FORMAT must be one of pretty, json/)
  })
})
