import assert from 'node:assert/strict'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, test } from 'node:test'
import { createEquivocationProof } from '../../src/record/index.js'
import { makeEquivocation } from '../helpers/evidence.js'
import { concat, encodeFields } from '../helpers/protobuf-wire.js'
import { makeIdentity, makeRecord } from '../helpers/records.js'
import { runKeydir, tempDir } from '../helpers-daemon/cli.js'

describe('keydir verify --evidence', () => {
  test('checks a proof offline (no node, no data dir): exit 0, the peer, seq, both records\' hashes and what differs', async () => {
    const dir = await tempDir()
    const peer = await makeIdentity()
    const proof = await makeEquivocation(peer, 12)
    const file = join(dir, 'proof.bin')
    await writeFile(file, proof.bytes)
    const text = await runKeydir(['verify', '--evidence', file])
    assert.equal(text.code, 0, text.stderr)
    assert.match(text.stdout, new RegExp(`Valid equivocation proof: ${peer.peerId.toString()}`))
    assert.match(text.stdout, /seq\s+12/)
    assert.match(text.stdout, /record A\s+sha256 [0-9a-f]{64}/)
    assert.match(text.stdout, /differ in\s+issuedAt, expiresAt/)
    // The JSON's base64 works as well as the bytes.
    const b64 = join(dir, 'proof.b64')
    await writeFile(b64, Buffer.from(proof.bytes).toString('base64') + '\n')
    const json = await runKeydir(['verify', '--evidence', b64, '--json'])
    assert.equal(json.code, 0, json.stderr)
    const body = JSON.parse(json.stdout)
    assert.equal(body.valid, true)
    assert.equal(body.peerId, peer.peerId.toString())
    assert.equal(body.records.length, 2)
  })

  test('a file that proves nothing exits 5 with what failed; a missing file exits 1; no --evidence is usage (2)', async () => {
    const dir = await tempDir()
    const peer = await makeIdentity()
    const notConflicting = createEquivocationProof(await makeRecord(peer, { seq: 1 }), await makeRecord(peer, { seq: 1, issuedAt: Date.now() + 5 })).bytes
    const fields = encodeFields([{ field: 17, wireType: 2, value: (await makeRecord(peer, { seq: 1 })).bytes }, { field: 18, wireType: 2, value: (await makeRecord(peer, { seq: 2 })).bytes }])
    const cases: Array<[string, Uint8Array, RegExp]> = [
      ['twoseqs.bin', fields, /ERR_EVIDENCE_NOT_(CONFLICTING|CANONICAL)|different seqs|canonical order/],
      ['record.bin', (await makeRecord(peer)).bytes, /field 17|not a valid/],
      // The broken record's SHA-256 changes: half the time it then sorts first, and the canonical-order check refuses it before any signature is.
      ['broken.bin', concat([notConflicting.slice(0, -2), Uint8Array.of(0, 0)]), /not a validly signed|does not verify|not a well-formed|canonical order/]
    ]
    for (const [name, bytes, message] of cases) {
      const file = join(dir, name)
      await writeFile(file, bytes)
      const run = await runKeydir(['verify', '--evidence', file])
      assert.equal(run.code, 5, `${name}: ${run.stderr}`)
      assert.match(run.stderr, message, name)
    }
    const missing = await runKeydir(['verify', '--evidence', join(dir, 'nope.bin')])
    assert.equal(missing.code, 1, missing.stderr)
    const usage = await runKeydir(['verify'])
    assert.equal(usage.code, 2, usage.stderr)
  })
})
