import assert from 'node:assert/strict'
import { access, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey, peerIdFromString } from '@libp2p/peer-id'
import { EXIT_USAGE } from '../../src/cli/exit.js'
import { selectPqCrypto } from '../../src/crypto/index.js'
import { createKeydirMetrics } from '../../src/metrics/index.js'
import { KeyRecordValidator } from '../../src/record/index.js'
import { apiGet, runKeydir, startNode, tempDir, type RunningNode } from '../helpers-daemon/cli.js'

/**
 * Three real `keydir` processes: A is the anchor, B and C bootstrap from A's
 * anchor entry. Lookups go across them through the CLI and the HTTP API.
 */

const KEY_FIELDS = ['asked', 'expiresAt', 'issuedAt', 'mlDsaPeerId', 'mlDsaPublicKey', 'mlKemPublicKey', 'peerId', 'seq', 'source', 'stale', 'trust', 'x25519PublicKey']
const env = { KEYDIR_RESOLVE_TIMEOUT_MS: '5000' }

describe('three keydir nodes', { timeout: 300_000 }, () => {
  const dirs: Record<'a' | 'b' | 'c', string> = { a: '', b: '', c: '' }
  const ids: Record<'a' | 'b' | 'c', string> = { a: '', b: '', c: '' }
  let a: RunningNode
  let b: RunningNode
  let c: RunningNode
  const stopped = new Set<RunningNode>()

  before(async () => {
    const root = await tempDir('keydir-e2e-')
    for (const name of ['a', 'b', 'c'] as const) {
      dirs[name] = join(root, name)
      const init = await runKeydir(['init', '--dir', dirs[name], '--json'], { env })
      assert.equal(init.code, 0, init.stderr)
      ids[name] = JSON.parse(init.stdout).peerId
    }
    a = await startNode(dirs.a, [], { env })
    const anchor = JSON.stringify(a.summary.anchor)
    ;[b, c] = await Promise.all([
      startNode(dirs.b, ['--bootstrap', anchor], { env }),
      startNode(dirs.c, ['--bootstrap', anchor], { env })
    ])
  })

  after(async () => {
    for (const node of [a, b, c]) {
      if (node !== undefined && !stopped.has(node)) await node.stop('SIGKILL')
    }
  })

  test('each node runs the identity init made and writes its API address', async () => {
    for (const [name, node] of [['a', a], ['b', b], ['c', c]] as const) {
      assert.equal(node.summary.peerId, ids[name])
      assert.equal(node.summary.dataDir, dirs[name])
      const address = JSON.parse(await readFile(join(dirs[name], 'api.json'), 'utf8'))
      assert.equal(address.url, node.summary.api)
      assert.equal(address.pid, node.child.pid)
      for (const ma of node.summary.multiaddrs) assert.match(ma, new RegExp(`/p2p/${ids[name]}$`))
    }
  })

  test('keydir anchor prints the entry the running node gives', async () => {
    const { code, stdout, stderr } = await runKeydir(['anchor', '--dir', dirs.a, '--json'])
    assert.equal(code, 0, stderr)
    assert.deepEqual(JSON.parse(stdout), a.summary.anchor)
    assert.equal(Buffer.from(a.summary.anchor.mlDsaPublicKey, 'base64').length, 1952)
  })

  test('B resolves A through the CLI as an anchor', async () => {
    const { code, stdout, stderr } = await runKeydir(['resolve', ids.a, '--dir', dirs.b, '--json'])
    assert.equal(code, 0, stderr)
    const keys = JSON.parse(stdout)
    assert.deepEqual(Object.keys(keys).sort(), KEY_FIELDS)
    assert.equal(keys.peerId, ids.a)
    assert.equal(keys.trust, 'anchor')
    assert.equal(keys.mlDsaPublicKey, a.summary.anchor.mlDsaPublicKey)
  })

  test('B resolves C and C resolves B through the CLI (neither configured the other)', async () => {
    for (const [from, target] of [['b', 'c'], ['c', 'b']] as const) {
      const { code, stdout, stderr } = await runKeydir(['resolve', ids[target], '--dir', dirs[from], '--json'])
      assert.equal(code, 0, stderr)
      const keys = JSON.parse(stdout)
      assert.equal(keys.peerId, ids[target])
      assert.ok(['dht', 'direct'].includes(keys.trust), keys.trust)
      assert.equal(Buffer.from(keys.mlKemPublicKey, 'base64').length, 1184)
    }
    const text = await runKeydir(['resolve', ids.c, '--dir', dirs.b])
    assert.equal(text.code, 0, text.stderr)
    assert.match(text.stdout, new RegExp(`^PeerId +${ids.c}$`, 'm'))
    assert.match(text.stdout, /^ML-DSA-65 +1952 bytes, sha256 [0-9a-f]{64}$/m)
  })

  test('keydir resolve --record prints the signed record, which the caller checks itself', async () => {
    const { code, stdout, stderr } = await runKeydir(['resolve', ids.c, '--dir', dirs.b, '--record'])
    assert.equal(code, 0, stderr)
    const bytes = new Uint8Array(Buffer.from(stdout.trim(), 'base64'))
    const record = new KeyRecordValidator({ crypto: selectPqCrypto() }).validate(peerIdFromString(ids.c), bytes)
    const keys = JSON.parse((await runKeydir(['resolve', ids.c, '--dir', dirs.b, '--json'])).stdout)
    assert.equal(Buffer.from(record.mlKemPublicKey).toString('base64'), keys.mlKemPublicKey)
    // --refresh asks the network again and still prints the record itself.
    const refreshed = await runKeydir(['resolve', ids.c, '--dir', dirs.b, '--record', '--refresh'])
    assert.equal(refreshed.code, 0, refreshed.stderr)
    assert.equal(new KeyRecordValidator({ crypto: selectPqCrypto() }).validate(peerIdFromString(ids.c), new Uint8Array(Buffer.from(refreshed.stdout.trim(), 'base64'))).seq, record.seq)
    const both = await runKeydir(['resolve', ids.c, '--dir', dirs.b, '--record', '--json'])
    assert.equal(both.code, EXIT_USAGE)
    assert.match(both.stderr, /cannot be used with option '--json'/)
  })

  test('the API answers keys as JSON and the signed record by content negotiation', async () => {
    const json = await apiGet(b.summary.api, `/v1/keys/${ids.c}`)
    assert.equal(json.status, 200)
    assert.deepEqual(Object.keys(json.body).sort(), KEY_FIELDS)
    assert.equal(json.body.peerId, ids.c)
    assert.equal(typeof json.body.seq, 'number')
    assert.ok(json.body.expiresAt > Date.now())

    const raw = await apiGet(b.summary.api, `/v1/keys/${ids.c}`, { accept: 'application/vnd.keydir.key-record' })
    assert.equal(raw.status, 200)
    assert.equal(raw.headers.get('content-type'), 'application/vnd.keydir.key-record')
    // A client checks the record itself, without trusting the server.
    const record = new KeyRecordValidator({ crypto: selectPqCrypto() }).validate(peerIdFromString(ids.c), raw.bytes)
    assert.equal(Buffer.from(record.mlDsaPublicKey).toString('base64'), json.body.mlDsaPublicKey)
    assert.equal(Buffer.from(record.mlKemPublicKey).toString('base64'), json.body.mlKemPublicKey)
    assert.equal(record.seq, json.body.seq)

    const refreshed = await apiGet(b.summary.api, `/v1/keys/${ids.c}?refresh=true`)
    assert.equal(refreshed.status, 200)
    assert.notEqual(refreshed.body.source, 'registry')
  })

  test('the API\'s error codes: malformed PeerId 400, unknown peer 404, bad query 400', async () => {
    const bad = await apiGet(b.summary.api, '/v1/keys/not-a-peer-id')
    assert.equal(bad.status, 400)
    assert.equal(bad.body.error.code, 'ERR_BAD_PEER_ID')

    const stranger = peerIdFromPrivateKey(await generateKeyPair('Ed25519')).toString()
    const missing = await apiGet(b.summary.api, `/v1/keys/${stranger}`)
    assert.equal(missing.status, 404, JSON.stringify(missing.body))
    assert.equal(missing.body.error.code, 'ERR_NOT_FOUND')

    const unknownParam = await apiGet(b.summary.api, `/v1/keys/${ids.a}?fresh=1`)
    assert.equal(unknownParam.status, 400)
    assert.equal(unknownParam.body.error.code, 'ERR_UNKNOWN_PARAM')

    const huge = await apiGet(b.summary.api, `/v1/peers?trust=${'x'.repeat(4000)}`)
    assert.equal(huge.status, 400)
    assert.equal(huge.body.error.code, 'ERR_QUERY_TOO_LONG')

    const cli = await runKeydir(['resolve', stranger, '--dir', dirs.b])
    assert.equal(cli.code, 1)
    assert.match(cli.stderr, /^keydir: /)
    // The record's own type fails the same way: the error envelope, not a binary body.
    const record = await runKeydir(['resolve', stranger, '--dir', dirs.b, '--record'])
    assert.equal(record.code, 1)
    assert.equal(record.stdout, '')
    assert.equal(record.stderr, cli.stderr)
  })

  test('peers, status and healthz', async () => {
    const peers = await runKeydir(['peers', '--dir', dirs.b, '--json'])
    assert.equal(peers.code, 0, peers.stderr)
    const list = JSON.parse(peers.stdout).peers as Array<{ peerId: string, trust: string, verified: boolean }>
    assert.equal(list.find(p => p.peerId === ids.a)?.trust, 'anchor')
    assert.equal(list.find(p => p.peerId === ids.b)?.trust, 'self')
    const anchors = await apiGet(b.summary.api, '/v1/peers?trust=anchor')
    assert.deepEqual(anchors.body.peers.map((p: { peerId: string }) => p.peerId), [ids.a])

    const status = await runKeydir(['status', '--dir', dirs.a, '--json'])
    assert.equal(status.code, 0, status.stderr)
    const body = JSON.parse(status.stdout)
    assert.equal(body.peerId, ids.a)
    assert.deepEqual(body.multiaddrs, a.summary.multiaddrs)
    assert.ok(body.connections >= 1)
    assert.ok(body.dhtSize >= 1)
    assert.equal(typeof body.record.seq, 'number')

    const health = await apiGet(c.summary.api, '/healthz')
    assert.deepEqual([health.status, health.body], [200, { status: 'ok' }])
  })

  test('/metrics has every keydir metric and libp2p\'s own', async () => {
    const res = await apiGet(b.summary.api, '/metrics')
    assert.equal(res.status, 200)
    assert.match(res.headers.get('content-type') ?? '', /^text\/plain/)
    const names = createKeydirMetrics().registry.getMetricsAsArray().map(m => m.name)
    assert.ok(names.length >= 9)
    for (const name of names) assert.match(res.body, new RegExp(`^# TYPE ${name} `, 'm'), `missing ${name}`)
    assert.match(res.body, /^keydir_key_discovery_seconds_count\{path="[a-z]+"\} [1-9]/m, 'resolves were timed')
    assert.match(res.body, /^# TYPE libp2p_\w+ /m, 'libp2p metrics')
  })

  test('rotate: C gets new keys, B sees them on refresh', async () => {
    const before = JSON.parse((await runKeydir(['resolve', ids.c, '--dir', dirs.b, '--json'])).stdout)
    const rotated = await runKeydir(['rotate', '--dir', dirs.c, '--json'])
    assert.equal(rotated.code, 0, rotated.stderr)
    const record = JSON.parse(rotated.stdout)
    assert.equal(record.peerId, ids.c)
    assert.equal(record.rotated, true)
    assert.notEqual(record.mlDsaPublicKey, before.mlDsaPublicKey)
    assert.ok(record.seq > before.seq)

    const after = await apiGet(b.summary.api, `/v1/keys/${ids.c}?refresh=true`)
    assert.equal(after.status, 200, JSON.stringify(after.body))
    assert.equal(after.body.mlDsaPublicKey, record.mlDsaPublicKey)
    assert.equal(after.body.seq, record.seq)
  })

  test('rotate through the API needs the token', async () => {
    const res = await fetch(`${c.summary.api}/v1/rotate`, { method: 'POST' })
    assert.equal(res.status, 401)
    assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'ERR_UNAUTHORIZED')
  })

  test('SIGTERM stops each node cleanly (exit 0), and the data dir opens again', async () => {
    for (const node of [b, c, a]) {
      const { code, signal } = await node.stop('SIGTERM')
      stopped.add(node)
      assert.equal(code, 0, `exit ${code ?? signal}\n${node.stderr()}`)
      assert.match(node.stderr(), /"msg":"stopped"/)
    }
    for (const name of ['a', 'b', 'c'] as const) {
      await assert.rejects(access(join(dirs[name], 'api.json')), 'api.json removed')
      await assert.rejects(access(join(dirs[name], 'daemon.lock')), 'lock released')
    }
    const again = await startNode(dirs.a, [], { env })
    try {
      assert.equal(again.summary.peerId, ids.a)
      const peers = await apiGet(again.summary.api, '/v1/peers')
      assert.equal(peers.status, 200)
      assert.ok(peers.body.peers.some((p: { peerId: string }) => p.peerId === ids.a), 'the registry survived the restart')
    } finally {
      assert.equal((await again.stop('SIGINT')).code, 0, again.stderr())
    }
  })
})
