import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { EXIT_ENVELOPE_REFUSED, EXIT_SIGNATURE_INVALID } from '../../src/cli/exit.js'
import { runKeydir, runKeydirBinary, startNode, tempDir, type RunningNode } from '../helpers-daemon/cli.js'

/**
 * Two real `keydir` processes, B bootstrapped from A's anchor entry, and
 * the keys used through the CLI: A seals to B and B opens it, A signs and
 * B checks the signature against the directory. Real cryptography end to
 * end (X-Wing HPKE, ML-DSA-65), so it needs records with an X25519 key
 * (record version 2).
 */

const env = { KEYDIR_RESOLVE_TIMEOUT_MS: '5000' }

describe('using the keys between two keydir nodes', { timeout: 300_000 }, () => {
  const dirs = { a: '', b: '' }
  let a: RunningNode
  let b: RunningNode
  let work: string
  /** Every byte value, 0x00 and 0xff included, then random bytes. */
  const message = Buffer.concat([Buffer.from([...Array(256).keys()]), randomBytes(64 * 1024)])

  before(async () => {
    const root = await tempDir('keydir-e2e-')
    dirs.a = join(root, 'a')
    dirs.b = join(root, 'b')
    work = join(root, 'work')
    for (const dir of [dirs.a, dirs.b]) {
      const init = await runKeydir(['init', '--dir', dir, '--json'], { env })
      assert.equal(init.code, 0, init.stderr)
    }
    a = await startNode(dirs.a, [], { env })
    b = await startNode(dirs.b, ['--bootstrap', JSON.stringify(a.summary.anchor)], { env })
    await mkdir(work)
  })

  after(async () => {
    await b?.stop('SIGKILL')
    await a?.stop('SIGKILL')
  })

  test('keydir seal B on A, then keydir open on B: the same bytes, from A', async () => {
    const sealed = await runKeydirBinary(['seal', b.summary.peerId, '--dir', dirs.a], message, { env })
    assert.equal(sealed.code, 0, sealed.stderr)
    assert.ok(sealed.stdout.length > message.length, 'an envelope, larger than the message')
    assert.equal(sealed.stdout.indexOf(message.subarray(0, 256)), -1, 'the message does not appear in the envelope')
    await writeFile(join(work, 'sealed'), sealed.stdout)

    const opened = await runKeydirBinary(['open', '--dir', dirs.b, '--in', join(work, 'sealed')], undefined, { env })
    assert.equal(opened.code, 0, opened.stderr)
    assert.ok(opened.stdout.equals(message), 'byte-exact')
    assert.equal(opened.stderr, `from ${a.summary.peerId}\n`)

    const json = await runKeydirBinary(['open', '--dir', dirs.b, '--in', join(work, 'sealed'), '--json'], undefined, { env })
    assert.equal(json.code, 0, json.stderr)
    const body = JSON.parse(json.stdout.toString('utf8'))
    assert.equal(body.from, a.summary.peerId)
    assert.ok(Buffer.from(body.data, 'base64').equals(message))
  })

  test('the envelope opens on B only, and not once altered', async () => {
    const sealed = await runKeydirBinary(['seal', b.summary.peerId, '--dir', dirs.a], message, { env })
    assert.equal(sealed.code, 0, sealed.stderr)
    const envelope = sealed.stdout
    const onA = await runKeydirBinary(['open', '--dir', dirs.a], envelope, { env })
    assert.equal(onA.code, EXIT_ENVELOPE_REFUSED, onA.stderr)
    assert.equal(onA.stdout.length, 0)
    const altered = Buffer.from(envelope)
    const at = altered.length - 100
    altered[at] = (altered[at] ?? 0) ^ 0x01
    const onB = await runKeydirBinary(['open', '--dir', dirs.b], altered, { env })
    assert.equal(onB.code, EXIT_ENVELOPE_REFUSED, onB.stderr)
    assert.equal(onB.stdout.length, 0)
  })

  test('keydir sign on A, then keydir verify-signature A on B exits 0; other data exits 7', async () => {
    const signed = await runKeydirBinary(['sign', '--dir', dirs.a, '--out', join(work, 'sig')], message, { env })
    assert.equal(signed.code, 0, signed.stderr)
    assert.equal((await readFile(join(work, 'sig'))).length, 3309)

    const verified = await runKeydirBinary(['verify-signature', a.summary.peerId, '--signature', join(work, 'sig'), '--dir', dirs.b, '--json'], message, { env })
    assert.equal(verified.code, 0, verified.stderr)
    const check = JSON.parse(verified.stdout.toString('utf8'))
    assert.equal(check.peerId, a.summary.peerId)
    assert.equal(check.valid, true)
    assert.equal(check.current, true)
    assert.equal(typeof check.seq, 'number')

    const other = Buffer.from(message)
    other[0] = 0xff
    const refused = await runKeydirBinary(['verify-signature', a.summary.peerId, '--signature', join(work, 'sig'), '--dir', dirs.b], other, { env })
    assert.equal(refused.code, EXIT_SIGNATURE_INVALID, refused.stderr)
    assert.match(refused.stdout.toString('utf8'), /^NOT valid/)
  })
})
