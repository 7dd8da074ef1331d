import assert from 'node:assert/strict'
import { spawn, spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { readFile, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { createApiServer, writeApiAddress, type ApiServer } from '../../src/api/index.js'
import { checkBinaryOutput } from '../../src/cli/io.js'
import { exitCodeFor } from '../../src/cli/exit.js'
import { MAX_SEALED_DATA } from '../../src/envelope/constants.js'
import { KeydirError, ResolveError } from '../../src/errors.js'
import { cleanEnv, KEYDIR_MAIN, runKeydirBinary, tempDir } from '../helpers-daemon/cli.js'
import { createFakeNode, makeFakePeer, type FakeKeyDirectory, type FakePeer } from '../helpers-daemon/fake-node.js'
import type { SignatureCheck } from '../../src/node/types.js'

const token = 'test-token-0123456789abcdefghijklmnop'
/** Every byte value, 0x00 and 0xff included, twice. */
const allBytes = Buffer.from([...Array(512).keys()].map(i => i % 256))

/**
 * The commands against a fake node (no cryptography: its envelope is 0xfe
 * then the data) behind a real API server in this process, found through
 * the data dir's api.json as a running node is.
 */
describe('keydir seal, open, sign, verify-signature', () => {
  let node: FakeKeyDirectory
  let api: ApiServer
  let dir: string
  let self: string
  let peer: FakePeer

  before(async () => {
    node = await createFakeNode()
    peer = await makeFakePeer()
    node.addPeer(peer)
    api = createApiServer({ node, token })
    const url = await api.listen({ host: '127.0.0.1', port: 0 })
    dir = await tempDir()
    await writeApiAddress(dir, { url, pid: process.pid, peerId: node.peerId.toString(), startedAt: Date.now() })
    await writeFile(join(dir, 'api.token'), `${token}\n`, { mode: 0o600 })
    self = node.peerId.toString()
  })
  after(async () => { await api.close() })

  test('seal then open through stdin and stdout: byte-exact, 0x00 and 0xff included; `from` on stderr', async () => {
    const sealed = await runKeydirBinary(['seal', self, '--dir', dir], allBytes)
    assert.equal(sealed.code, 0, sealed.stderr)
    assert.deepEqual(sealed.stdout, Buffer.concat([Buffer.from([0xfe]), allBytes]), 'the fake\'s envelope, untouched')
    const opened = await runKeydirBinary(['open', '--dir', dir], sealed.stdout)
    assert.equal(opened.code, 0, opened.stderr)
    assert.deepEqual(opened.stdout, allBytes)
    assert.equal(opened.stderr, `from ${self}\n`)
  })

  test('1 MiB through --in and --out; the opened file is the owner\'s only; --json gives { from, data }', async () => {
    const work = await tempDir()
    const message = randomBytes(MAX_SEALED_DATA)
    message[0] = 0x00
    message[MAX_SEALED_DATA - 1] = 0xff
    await writeFile(join(work, 'message'), message)
    const sealed = await runKeydirBinary(['seal', self, '--dir', dir, '--in', join(work, 'message'), '--out', join(work, 'sealed')])
    assert.equal(sealed.code, 0, sealed.stderr)
    assert.equal(sealed.stdout.length, 0)
    const opened = await runKeydirBinary(['open', '--dir', dir, '--in', join(work, 'sealed'), '--out', join(work, 'opened')])
    assert.equal(opened.code, 0, opened.stderr)
    assert.ok((await readFile(join(work, 'opened'))).equals(message), 'byte-exact')
    assert.equal((await stat(join(work, 'opened'))).mode & 0o077, 0, 'readable by the owner only')
    const json = await runKeydirBinary(['open', '--dir', dir, '--in', join(work, 'sealed'), '--json'])
    assert.equal(json.code, 0, json.stderr)
    const body = JSON.parse(json.stdout.toString('utf8'))
    assert.deepEqual(Object.keys(body).sort(), ['data', 'from'])
    assert.equal(body.from, self)
    assert.ok(Buffer.from(body.data, 'base64').equals(message))
  })

  test('a message over 1 MiB is a usage error (2) before the node is asked; an unreadable --in is 1', async () => {
    const tooBig = await runKeydirBinary(['seal', self, '--dir', dir], Buffer.alloc(MAX_SEALED_DATA + 1))
    assert.equal(tooBig.code, 2, tooBig.stderr)
    assert.match(tooBig.stderr, /larger than an envelope holds \(1048576 bytes/)
    const signBig = await runKeydirBinary(['sign', '--dir', dir], Buffer.alloc(MAX_SEALED_DATA + 1))
    assert.equal(signBig.code, 2, signBig.stderr)
    const missing = await runKeydirBinary(['seal', self, '--dir', dir, '--in', join(dir, 'no-such-file')])
    assert.equal(missing.code, 1)
    assert.match(missing.stderr, /cannot read the message from .*no-such-file \(ENOENT\)/)
  })

  test('open refuses what is not an envelope for this node with exit 8', async () => {
    const res = await runKeydirBinary(['open', '--dir', dir], Buffer.from([1, 2, 3]))
    assert.equal(res.code, 8, res.stderr)
    assert.match(res.stderr, /^keydir: not an envelope this fake sealed/)
    assert.equal(res.stdout.length, 0)
  })

  test('seal to a revoked peer exits 3, to one that equivocated 4, to an unknown one 1; a bad PeerId is 2', async () => {
    const other = await makeFakePeer()
    const id = other.peerId.toString()
    try {
      for (const [err, code] of [[new ResolveError('ERR_REVOKED', 'revoked'), 3], [new ResolveError('ERR_EQUIVOCATION', 'two records'), 4], [new ResolveError('ERR_NOT_FOUND', 'no record'), 1]] as const) {
        node.failures.set(id, err)
        const res = await runKeydirBinary(['seal', id, '--dir', dir], Buffer.from('hi'))
        assert.equal(res.code, code, res.stderr)
        assert.equal(res.stdout.length, 0)
      }
    } finally {
      node.failures.delete(id)
    }
    assert.equal((await runKeydirBinary(['seal', 'not-a-peer', '--dir', dir], Buffer.from('hi'))).code, 2)
  })

  test('sign writes the raw 3309-byte signature; verify-signature exits 0 for it, 7 for other data', async () => {
    const work = await tempDir()
    await writeFile(join(work, 'data'), allBytes)
    const signed = await runKeydirBinary(['sign', '--dir', dir, '--in', join(work, 'data')])
    assert.equal(signed.code, 0, signed.stderr)
    assert.equal(signed.stdout.length, 3309)
    await writeFile(join(work, 'sig'), signed.stdout)

    const ok = await runKeydirBinary(['verify-signature', self, '--signature', join(work, 'sig'), '--dir', dir], allBytes)
    assert.equal(ok.code, 0, ok.stderr)
    assert.match(ok.stdout.toString(), new RegExp(`^valid: signed by ${self} with its current key \\(record seq \\d+\\)`))
    const json = await runKeydirBinary(['verify-signature', self, '--signature', join(work, 'sig'), '--in', join(work, 'data'), '--dir', dir, '--json'])
    assert.equal(json.code, 0, json.stderr)
    assert.deepEqual(JSON.parse(json.stdout.toString()), { peerId: self, valid: true, current: true, seq: node.self.record.seq })

    const bad = await runKeydirBinary(['verify-signature', self, '--signature', join(work, 'sig'), '--dir', dir], Buffer.from('other data'))
    assert.equal(bad.code, 7, bad.stderr)
    assert.match(bad.stdout.toString(), /^NOT valid/)
    const byOther = await runKeydirBinary(['verify-signature', peer.peerId.toString(), '--signature', join(work, 'sig'), '--dir', dir], allBytes)
    assert.equal(byOther.code, 7, 'not the peer\'s signature')
  })

  test('sign --json; verify-signature takes the signature raw, in base64 or as sign --json wrote it', async () => {
    const work = await tempDir()
    const signed = await runKeydirBinary(['sign', '--dir', dir, '--json', '--out', join(work, 'sig.json')], allBytes)
    assert.equal(signed.code, 0, signed.stderr)
    const body = JSON.parse(await readFile(join(work, 'sig.json'), 'utf8'))
    assert.deepEqual(Object.keys(body).sort(), ['peerId', 'signature'])
    assert.equal(body.peerId, self)
    await writeFile(join(work, 'sig.b64'), `${body.signature.replace(/(.{76})/g, '$1\n')}\n`)
    for (const file of ['sig.json', 'sig.b64']) {
      const res = await runKeydirBinary(['verify-signature', self, '--signature', join(work, file), '--dir', dir], allBytes)
      assert.equal(res.code, 0, `${file}: ${res.stderr}`)
    }
    await writeFile(join(work, 'short'), Buffer.alloc(100))
    const notSig = await runKeydirBinary(['verify-signature', self, '--signature', join(work, 'short'), '--dir', dir], allBytes)
    assert.equal(notSig.code, 2)
    assert.match(notSig.stderr, /is not an ML-DSA-65 signature: 3309 bytes/)
    const noSig = await runKeydirBinary(['verify-signature', self, '--dir', dir], allBytes)
    assert.equal(noSig.code, 2)
    assert.match(noSig.stderr, /required option '--signature <file>' not specified/)
  })

  test('a signature by an earlier key of the peer exits 6 and says so', async () => {
    const work = await tempDir()
    await writeFile(join(work, 'sig'), peer.mlDsaSigner.sign(allBytes, new TextEncoder().encode('keydir/signed-message/v1')))
    const original = node.verify.bind(node)
    node.verify = async (): Promise<SignatureCheck> => ({ valid: true, current: false, seq: 3 })
    try {
      const res = await runKeydirBinary(['verify-signature', peer.peerId.toString(), '--signature', join(work, 'sig'), '--dir', dir], allBytes)
      assert.equal(res.code, 6, res.stderr)
      assert.match(res.stdout.toString(), /^valid, but by an earlier key: .* record seq 3/)
      const json = await runKeydirBinary(['verify-signature', peer.peerId.toString(), '--signature', join(work, 'sig'), '--dir', dir, '--json'], allBytes)
      assert.equal(json.code, 6)
      assert.deepEqual(JSON.parse(json.stdout.toString()), { peerId: peer.peerId.toString(), valid: true, current: false, seq: 3 })
    } finally {
      node.verify = original
    }
  })

  test('binary is never written to a terminal', async () => {
    assert.throws(() => { checkBinaryOutput(undefined, 'the envelope', { isTTY: true }) }, /refusing to write the envelope \(binary\) to the terminal: give --out FILE, or redirect stdout/)
    assert.doesNotThrow(() => { checkBinaryOutput('file', 'the envelope', { isTTY: true }) })
    assert.doesNotThrow(() => { checkBinaryOutput(undefined, 'the envelope', { isTTY: false }) })
  })

  test('under a real terminal (script(1)) seal, open and sign refuse with exit 2; --json and --out are fine', async (t) => {
    if (spawnSync('script', ['--version']).status !== 0) {
      t.skip('script(1) is not installed')
      return
    }
    const work = await tempDir()
    await writeFile(join(work, 'data'), allBytes)
    // Asynchronous: the node these commands ask is served by this very process.
    const inTerminal = async (args: string[]): Promise<{ code: number | null, output: string }> => {
      const command = [process.execPath, KEYDIR_MAIN, ...args].map(a => `'${a.replace(/'/g, '\'\\\'\'')}'`).join(' ')
      const child = spawn('script', ['-qec', command, '/dev/null'], { env: cleanEnv(), stdio: ['pipe', 'pipe', 'pipe'] })
      child.stdin.end()
      let output = ''
      child.stdout.setEncoding('utf8').on('data', (s: string) => { output += s })
      const code = await new Promise<number | null>(resolve => { child.on('close', resolve) })
      return { code, output }
    }
    for (const args of [['seal', self], ['open'], ['sign']]) {
      const res = await inTerminal([...args, '--dir', dir, '--in', join(work, 'data')])
      assert.equal(res.code, 2, `${args[0] ?? ''}: ${res.output}`)
      assert.match(res.output, /refusing to write .* \(binary\) to the terminal: give --out FILE, or redirect stdout/)
    }
    const json = await inTerminal(['sign', '--dir', dir, '--in', join(work, 'data'), '--json'])
    assert.equal(json.code, 0, json.output)
    const out = await inTerminal(['sign', '--dir', dir, '--in', join(work, 'data'), '--out', join(work, 'sig')])
    assert.equal(out.code, 0, out.output)
    assert.equal((await readFile(join(work, 'sig'))).length, 3309)
  })

  test('exit codes of envelope errors: refused 8, no hybrid key yet 1', () => {
    assert.equal(exitCodeFor(new KeydirError('ERR_ENVELOPE_DECRYPT', 'x')), 8)
    assert.equal(exitCodeFor(new KeydirError('ERR_ENVELOPE_BAD_SIGNATURE', 'x')), 8)
    assert.equal(exitCodeFor(new KeydirError('ERR_ENVELOPE_NOT_FOR_US', 'x')), 8)
    assert.equal(exitCodeFor(new KeydirError('ERR_ENVELOPE_NO_HYBRID_KEY', 'x')), 1)
  })
})
