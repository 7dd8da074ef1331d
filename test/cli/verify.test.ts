import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { readdir, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, test } from 'node:test'
import { revocationJson, writeApiAddress } from '../../src/api/index.js'
import { selectPqCrypto } from '../../src/crypto/index.js'
import { createEquivocationProof, marshalKeyRecord, recordContext, recordSignedBytes, unmarshalKeyRecord } from '../../src/record/index.js'
import { makeEquivocation } from '../helpers/evidence.js'
import { concat, encodeFields } from '../helpers/protobuf-wire.js'
import { makeIdentity, makeRecord, makeRotatedPeer } from '../helpers/records.js'
import { makeRevocation, signRevocationWith } from '../helpers/revocations.js'
import { makeRecipient, seal } from '../helpers/sealed.js'
import { cleanEnv, KEYDIR_MAIN, runKeydir, tempDir, type RunResult } from '../helpers-daemon/cli.js'

const crypto = selectPqCrypto()
const hour = 60 * 60_000

async function file (dir: string, name: string, bytes: Uint8Array | string): Promise<string> {
  const path = join(dir, name)
  await writeFile(path, bytes)
  return path
}

/** Each check line of the text output: its mark and text. */
function marks (stdout: string): string[] {
  return stdout.split('\n').filter(line => /^[✓✗?] /.test(line))
}

function flippedAt (bytes: Uint8Array, inside: Uint8Array, offset = 100): Uint8Array {
  const copy = Uint8Array.from(bytes)
  copy[Buffer.from(bytes).indexOf(Buffer.from(inside)) + offset] ^= 0x01
  return copy
}

describe('keydir verify FILE: a key record', () => {
  test('valid: exit 0, the kind, PeerId and a ✓ per check, what it proves; the JSON names each check', async () => {
    const dir = await tempDir()
    const peer = await makeRotatedPeer(2)
    const record = await makeRecord(peer.keys[2], { seq: 3, ...peer.historyOf(2) })
    const path = await file(dir, 'peer.record', record.bytes)
    const run = await runKeydir(['verify', path])
    assert.equal(run.code, 0, run.stderr)
    assert.match(run.stdout, /^kind\s+key record \(version 1\)$/m)
    assert.match(run.stdout, new RegExp(`^PeerId\\s+${record.peerId.toString()}$`, 'm'))
    const expected = [
      /^✓ well-formed: /,
      /^✓ Ed25519 signature by the PeerId's key$/,
      /^✓ ML-DSA-65 signature by the record's key \(\w{8}…\)$/,
      /^✓ rotation proofs: 1 hand-over verifies \(keys \w{8}… -> \w{8}…\)$/,
      /^✓ valid at .* \(record valid .* to .*\)$/,
      /^\? not checked: the hand-over from key \w{8}… to \w{8}…: .*a node pinned at it checks this hand-over$/
    ]
    const lines = marks(run.stdout)
    assert.equal(lines.length, expected.length, run.stdout)
    lines.forEach((line, i) => { assert.match(line, expected[i]) })
    assert.match(run.stdout, /^what this proves\s+.*as strongly as Ed25519/m)
    assert.match(run.stdout, /^what it does not\s+that this is the peer's newest record/m)

    const json = await runKeydir(['verify', path, '--json'])
    assert.equal(json.code, 0, json.stderr)
    const body = JSON.parse(json.stdout)
    assert.equal(body.kind, 'key-record')
    assert.equal(body.valid, true)
    assert.equal(body.seq, 3)
    assert.deepEqual(body.checks.map((c: any) => [c.name, c.ok]), [['structure', true], ['ed25519-signature', true], ['ml-dsa-signature', true], ['rotation-proofs', true], ['times', true]])
  })

  test('expired, mutated, signed by another key: exit 5, the failing check ✗ with its code; --at moves the time checked', async () => {
    const dir = await tempDir()
    const peer = await makeIdentity()
    const old = await makeRecord(peer, { issuedAt: Date.now() - 3 * hour, lifetimeMs: hour })
    const expired = await runKeydir(['verify', await file(dir, 'old.record', Buffer.from(old.bytes).toString('base64'))])
    assert.equal(expired.code, 5, expired.stderr)
    assert.match(expired.stdout, /^✗ expired at .* \(record valid .* to .*; checked at .*\) {2}\[ERR_RECORD_EXPIRED\]$/m)
    assert.match(expired.stdout, /^✓ ML-DSA-65 signature/m)
    assert.match(expired.stdout, /^what this proves\s+nothing a node would act on: it refuses this file \(ERR_RECORD_EXPIRED\)$/m)
    assert.match(expired.stderr, /does not hold: ERR_RECORD_EXPIRED/)
    const then = await runKeydir(['verify', join(dir, 'old.record'), '--at', new Date(old.issuedAt + 60_000).toISOString()])
    assert.equal(then.code, 0, then.stderr)
    assert.equal((await runKeydir(['verify', join(dir, 'old.record'), '--at', String(old.issuedAt + 60_000)])).code, 0)

    const record = await makeRecord(peer)
    const mutated = await runKeydir(['verify', await file(dir, 'mutated.record', flippedAt(record.bytes, record.mlDsaSignature)), '--json'])
    assert.equal(mutated.code, 5, mutated.stderr)
    const body = JSON.parse(mutated.stdout)
    assert.equal(body.valid, false)
    assert.deepEqual(body.checks.filter((c: any) => !c.ok).map((c: any) => [c.name, c.code]), [['ml-dsa-signature', 'ERR_BAD_ML_DSA_SIGNATURE']])

    const other = await makeIdentity()
    const signed = recordSignedBytes(record)
    const wrongKey = marshalKeyRecord(record, await other.privateKey.sign(signed), peer.mlDsaSigner.sign(signed, recordContext(record)))
    const stolen = await runKeydir(['verify', await file(dir, 'wrong-key.record', wrongKey)])
    assert.equal(stolen.code, 5, stolen.stderr)
    assert.match(stolen.stdout, /^✗ the Ed25519 signature by the PeerId's key does not verify.* {2}\[ERR_BAD_LIBP2P_SIGNATURE\]$/m)
    assert.match(stolen.stdout, /^✓ ML-DSA-65 signature/m)
  })
})

describe('keydir verify FILE: a revocation certificate', () => {
  test('revocation.cert as keydir init writes it, and the API\'s JSON: exit 0; another ML-DSA-65 key or issued after --at: exit 5', async () => {
    const dir = await tempDir()
    const recipient = await makeRecipient(join(dir, 'node'), crypto)
    const cert = await runKeydir(['verify', join(recipient.dir, 'revocation.cert')])
    assert.equal(cert.code, 0, cert.stderr)
    assert.match(cert.stdout, /^kind\s+revocation certificate$/m)
    assert.match(cert.stdout, new RegExp(`^PeerId\\s+${recipient.identity.peerId.toString()}$`, 'm'))

    const peer = await makeIdentity()
    const revocation = await makeRevocation(peer, { reason: 'retired' })
    const listed = await runKeydir(['verify', await file(dir, 'revocations.json', JSON.stringify({ revocations: [revocationJson(revocation)] }))])
    assert.equal(listed.code, 0, listed.stderr)
    assert.match(listed.stdout, /^file\s+.*revocations\.json \(the API's JSON, its "certificate" field\)$/m)

    const altered = await runKeydir(['verify', await file(dir, 'altered.json', JSON.stringify({ ...revocationJson(revocation), peerId: recipient.identity.peerId.toString() }))])
    assert.equal(altered.code, 5, altered.stderr)
    assert.match(altered.stdout, /^✗ the JSON says "peerId": .* but the signed bytes are .* {2}\[ERR_PEER_ID_MISMATCH\]$/m)

    const stranger = await makeIdentity()
    const forged = await runKeydir(['verify', await file(dir, 'forged.cert', await signRevocationWith(revocation, peer.privateKey, stranger.mlDsaSigner)), '--json'])
    assert.equal(forged.code, 5, forged.stderr)
    assert.deepEqual(JSON.parse(forged.stdout).checks.filter((c: any) => !c.ok).map((c: any) => c.code), ['ERR_REVOCATION_BAD_ML_DSA_SIGNATURE'])

    const early = await runKeydir(['verify', join(dir, 'revocations.json'), '--at', '2020-01-01'])
    assert.equal(early.code, 5, early.stderr)
    assert.match(early.stdout, /\[ERR_REVOCATION_ISSUED_IN_FUTURE\]$/m)
  })
})

describe('keydir verify FILE: an equivocation proof (and --evidence, as before)', () => {
  test('checks a proof offline (no node, no data dir): exit 0, the peer, seq, both records\' hashes and what differs', async () => {
    const dir = await tempDir()
    const peer = await makeIdentity()
    const proof = await makeEquivocation(peer, 12)
    const path = await file(dir, 'proof.bin', proof.bytes)
    for (const args of [['verify', path], ['verify', '--evidence', path]]) {
      const text = await runKeydir(args)
      assert.equal(text.code, 0, text.stderr)
      assert.match(text.stdout, /^kind\s+equivocation proof$/m)
      assert.match(text.stdout, new RegExp(`^PeerId\\s+${peer.peerId.toString()}$`, 'm'))
      assert.match(text.stdout, /^seq\s+12$/m)
      assert.match(text.stdout, /^record A\s+sha256 [0-9a-f]{64}/m)
      assert.match(text.stdout, /^differ in\s+issuedAt, expiresAt$/m)
      assert.equal(marks(text.stdout).filter(line => line.startsWith('✓')).length, 5)
      assert.match(text.stdout, /^what this proves\s+.*Do not use its keys/m)
    }
    // The JSON's base64 works as well as the bytes, and the JSON keeps GET /v1/evidence/{peerId}'s shape.
    const b64 = await file(dir, 'proof.b64', Buffer.from(proof.bytes).toString('base64') + '\n')
    const json = await runKeydir(['verify', '--evidence', b64, '--json'])
    assert.equal(json.code, 0, json.stderr)
    const body = JSON.parse(json.stdout)
    assert.equal(body.valid, true)
    assert.equal(body.peerId, peer.peerId.toString())
    assert.equal(body.records.length, 2)
    assert.equal(body.proof, Buffer.from(proof.bytes).toString('base64'))
  })

  test('a file that proves nothing exits 5 with what failed; a missing file exits 1; no FILE is usage (2)', async () => {
    const dir = await tempDir()
    const peer = await makeIdentity()
    const record = await makeRecord(peer, { seq: 1 })
    const notConflicting = createEquivocationProof(record, await makeRecord(peer, { seq: 1, issuedAt: Date.now() + 5 })).bytes
    const fields = encodeFields([{ field: 17, wireType: 2, value: record.bytes }, { field: 18, wireType: 2, value: (await makeRecord(peer, { seq: 2 })).bytes }])
    const cases: Array<[string, Uint8Array, RegExp]> = [
      ['twoseqs.bin', fields, /ERR_EVIDENCE_NOT_(CONFLICTING|CANONICAL)|different seqs|canonical order/],
      // --evidence keeps its meaning: a valid record is not a valid proof.
      ['record.bin', record.bytes, /field 17|not a valid/],
      // The broken record's SHA-256 changes: half the time it then sorts first, and the canonical-order check refuses it before any signature is.
      ['broken.bin', concat([notConflicting.slice(0, -2), Uint8Array.of(0, 0)]), /not a validly signed|does not verify|not a well-formed|canonical order/]
    ]
    for (const [name, bytes, message] of cases) {
      const run = await runKeydir(['verify', '--evidence', await file(dir, name, bytes)])
      assert.equal(run.code, 5, `${name}: ${run.stderr}`)
      assert.match(run.stderr, message, name)
    }
    const badRecord = unmarshalKeyRecord(flippedAt(record.bytes, record.mlDsaSignature, 7))
    const forged = createEquivocationProof(await makeRecord(peer, { seq: 1, issuedAt: Date.now() - 1000 }), badRecord)
    const signature = await runKeydir(['verify', await file(dir, 'forged.bin', forged.bytes)])
    assert.equal(signature.code, 5, signature.stderr)
    assert.match(signature.stdout, /^✗ record [AB] \(sha256 \w{8}…\): the ML-DSA-65 signature by the record's key does not verify.* {2}\[ERR_EVIDENCE_BAD_SIGNATURE\]$/m)

    const missing = await runKeydir(['verify', join(dir, 'nope.bin')])
    assert.equal(missing.code, 1, missing.stderr)
    const usage = await runKeydir(['verify'])
    assert.equal(usage.code, 2, usage.stderr)
  })
})

describe('keydir verify FILE: a sealed envelope', () => {
  test('with --dir and --sender-record: exit 0, every check ✓; without them: the header, what is not checked and what to pass, exit 2', async () => {
    const dir = await tempDir()
    const recipient = await makeRecipient(join(dir, 'recipient'), crypto)
    const sender = await makeIdentity()
    const senderRecord = await makeRecord(sender, { seq: 4 })
    const envelope = await file(dir, 'note.sealed', await seal(crypto, { signer: sender.mlDsaSigner, record: senderRecord }, recipient.record, new TextEncoder().encode('meet at noon')))
    const senderFile = await file(dir, 'sender.record', senderRecord.bytes)

    const full = await runKeydir(['verify', envelope, '--dir', recipient.dir, '--sender-record', senderFile])
    assert.equal(full.code, 0, full.stderr)
    assert.match(full.stdout, /^kind\s+sealed envelope$/m)
    assert.match(full.stdout, new RegExp(`^sender\\s+${sender.peerId.toString()}$`, 'm'))
    assert.match(full.stdout, /^message\s+12 bytes \(not shown/m)
    assert.doesNotMatch(full.stdout, /meet at noon/)
    assert.deepEqual(marks(full.stdout).map(line => line.split(/[:(]/)[0].trim()), [
      '✓ well-formed', '✓ sealed to ' + recipient.dir + '\'s identity', '✓ decrypts with the recipient\'s KEM key of seq 1',
      '✓ sender record', '✓ signature by the sender record\'s ML-DSA-65 key',
      '? not checked'
    ])
    assert.match(full.stdout, /^\? not checked: that seq 1 is not above the recipient's newest record: only its node's database holds that/m)

    const bare = await runKeydir(['verify', envelope])
    assert.equal(bare.code, 2, bare.stderr)
    assert.match(bare.stdout, new RegExp(`^recipient\\s+${recipient.identity.peerId.toString()}$`, 'm'))
    assert.match(bare.stdout, /^\? not checked: decrypts with .*: pass --dir <the recipient's data dir>$/m)
    assert.match(bare.stdout, /^\? not checked: the signature by .*: pass --dir <the recipient's data dir> and --sender-record <the sender's key record>$/m)
    assert.match(bare.stderr, /not everything in .* could be checked: pass --dir <the recipient's data dir> and --sender-record/)
    const json = JSON.parse((await runKeydir(['verify', envelope, '--json'])).stdout)
    assert.equal(json.valid, false)
    assert.deepEqual(json.unchecked.map((u: any) => u.name), ['decrypts', 'sender-record', 'sender-signature'])
  })

  test('another recipient\'s dir, a flipped byte, another peer\'s record as the sender\'s: exit 5 with the check and code', async () => {
    const dir = await tempDir()
    const recipient = await makeRecipient(join(dir, 'recipient'), crypto)
    const other = await makeRecipient(join(dir, 'other'), crypto)
    const sender = await makeIdentity()
    const senderRecord = await makeRecord(sender, { seq: 4 })
    const bytes = await seal(crypto, { signer: sender.mlDsaSigner, record: senderRecord }, recipient.record, Uint8Array.of(1, 2, 3))
    const envelope = await file(dir, 'a.sealed', bytes)
    const senderFile = await file(dir, 'sender.record', Buffer.from(senderRecord.bytes).toString('base64'))
    const failure = async (args: string[]): Promise<RunResult> => {
      const run = await runKeydir(['verify', ...args, '--json'])
      assert.equal(run.code, 5, run.stderr)
      return run
    }
    const codes = (run: RunResult): string[] => JSON.parse(run.stdout).checks.filter((c: any) => !c.ok).map((c: any) => `${c.name} ${c.code}`)
    assert.deepEqual(codes(await failure([envelope, '--dir', other.dir, '--sender-record', senderFile])), ['recipient ERR_ENVELOPE_NOT_FOR_US'])
    const flipped = Uint8Array.from(bytes)
    flipped[flipped.length - 1] ^= 0x01
    assert.deepEqual(codes(await failure([await file(dir, 'flipped.sealed', flipped), '--dir', recipient.dir, '--sender-record', senderFile])), ['decrypts ERR_ENVELOPE_DECRYPT'])
    const stranger = await file(dir, 'stranger.record', (await makeRecord(await makeIdentity())).bytes)
    assert.deepEqual(codes(await failure([envelope, '--dir', recipient.dir, '--sender-record', stranger])),
      ['sender-record ERR_PEER_ID_MISMATCH', 'sender-signature ERR_ENVELOPE_BAD_SIGNATURE'])
    const noIdentity = await runKeydir(['verify', envelope, '--dir', join(dir, 'nothing-here'), '--sender-record', senderFile])
    assert.equal(noIdentity.code, 1, noIdentity.stderr)
    assert.match(noIdentity.stderr, /--dir .*nothing-here holds no identity: give the recipient's data dir/)
  })

  test('offline: no connect, listen or DNS lookup (an api.json of a stopped node in --dir), and nothing written to the dir', async () => {
    const dir = await tempDir()
    const recipient = await makeRecipient(join(dir, 'recipient'), crypto)
    // An api.json whose pid is alive (this test's): a command that calls the node would connect to it.
    await writeApiAddress(recipient.dir, { url: 'http://127.0.0.1:7399', pid: process.pid, peerId: recipient.identity.peerId.toString(), startedAt: Date.now() - hour })
    const sender = await makeIdentity()
    const senderRecord = await makeRecord(sender)
    const envelope = await file(dir, 'x.sealed', await seal(crypto, { signer: sender.mlDsaSigner, record: senderRecord }, recipient.record, Uint8Array.of(7)))
    const senderFile = await file(dir, 'sender.record', senderRecord.bytes)
    const before = await snapshot(recipient.dir)
    for (const args of [[envelope, '--dir', recipient.dir, '--sender-record', senderFile], [senderFile], [join(recipient.dir, 'revocation.cert')]]) {
      const run = await runOffline(['verify', ...args])
      assert.doesNotMatch(run.stderr, /NETWORK USED/)
      assert.equal(run.code, 0, run.stderr)
    }
    assert.deepEqual(await snapshot(recipient.dir), before)
    // The guard works: a command that calls the node is stopped by it.
    assert.match((await runOffline(['status', '--dir', recipient.dir])).stderr, /NETWORK USED/)
  })
})

describe('keydir verify: hostile and mistaken input', () => {
  test('too large, empty, a directory: usage (2); none of the kinds: 5 naming each kind tried; bad flags: 2', async () => {
    const dir = await tempDir()
    const huge = await file(dir, 'huge.bin', new Uint8Array(1_600_000))
    const large = await runKeydir(['verify', huge])
    assert.equal(large.code, 2, large.stderr)
    assert.match(large.stderr, /huge\.bin is 1600000 bytes, larger than a key record, revocation certificate, equivocation proof or sealed envelope can be in any form \(at most \d+ bytes/)
    assert.equal((await runKeydir(['verify', await file(dir, 'empty.bin', '')])).code, 2)
    assert.equal((await runKeydir(['verify', dir])).code, 2)

    const junk = await runKeydir(['verify', await file(dir, 'junk.bin', Uint8Array.of(0x12, 0x34, 0xff, 0x00))])
    assert.equal(junk.code, 5, junk.stderr)
    assert.match(junk.stderr, /junk\.bin is not a key record, a revocation certificate, an equivocation proof or a sealed envelope: .*not a key record \(ERR_RECORD_MALFORMED.*not a revocation certificate \(ERR_REVOCATION_MALFORMED.*not an equivocation proof \(ERR_EVIDENCE_MALFORMED.*not a sealed envelope \(ERR_ENVELOPE_MALFORMED/)
    const junkJson = await runKeydir(['verify', join(dir, 'junk.bin'), '--json'])
    assert.equal(junkJson.code, 5)
    const body = JSON.parse(junkJson.stdout)
    assert.equal(body.valid, false)
    assert.equal(body.error.code, 'ERR_NOT_VERIFIABLE')
    assert.deepEqual(body.tried.map((t: any) => t.kind), ['key-record', 'revocation', 'equivocation-proof', 'envelope'])

    const keys = await runKeydir(['verify', await file(dir, 'keys.json', JSON.stringify({ peerId: '12D3KooW', mlDsaPublicKey: 'AAAA', trust: 'dht' }))])
    assert.equal(keys.code, 5)
    assert.match(keys.stderr, /carries keys without their signatures.*Accept: application\/vnd\.keydir\.key-record/)

    const record = await file(dir, 'r.record', (await makeRecord(await makeIdentity())).bytes)
    for (const args of [[record, '--evidence', record], [record, '--at', 'yesterday'], [record, '--at', '2026-02-30'], [record, '--at', '2026-03-01T12:00:00']]) {
      const run = await runKeydir(['verify', ...args])
      assert.equal(run.code, 2, `${args.join(' ')}: ${run.stderr}`)
    }
  })
})

/** Every file under `dir` with its size and modification time. */
async function snapshot (dir: string): Promise<string[]> {
  const out: string[] = []
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    const path = join(entry.parentPath, entry.name)
    const info = await stat(path)
    out.push(`${path} ${info.size} ${info.mtimeMs}`)
  }
  return out.sort()
}

const NO_NETWORK = fileURLToPath(new URL('../helpers-daemon/no-network.js', import.meta.url))

/** `keydir ARGS` with the network taken away (no-network.ts). */
async function runOffline (args: string[]): Promise<RunResult> {
  const child = spawn(process.execPath, ['--import', NO_NETWORK, KEYDIR_MAIN, ...args], { env: cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  child.stdout.setEncoding('utf8').on('data', (s: string) => { stdout += s })
  child.stderr.setEncoding('utf8').on('data', (s: string) => { stderr += s })
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>(resolve => { child.on('close', (c, s) => { resolve([c, s]) }) })
  return { code, signal, stdout, stderr }
}
