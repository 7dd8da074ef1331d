import assert from 'node:assert/strict'
import { writeFile } from 'node:fs/promises'
import { createServer, type IncomingMessage, type Server } from 'node:http'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { runKeydir, tempDir } from '../helpers-daemon/cli.js'
import type { AddressInfo } from 'node:net'

/**
 * Audit finding 3 (issue 18): api.json is stale (the node crashed; its pid
 * now belongs to a live process) and a stranger listens at its address.
 * The CLI must not hand it the API token, nor print or use what it says.
 */
const forgedPeer = peerIdFromPrivateKey(await generateKeyPair('Ed25519')).toString()

describe('a stranger listening at a stale api.json\'s address', { timeout: 120_000 }, () => {
  const forgedKey = Buffer.alloc(1952, 6).toString('base64')
  const forgedAnchor = { multiaddr: `/ip4/6.6.6.6/tcp/4001/p2p/${forgedPeer}`, peerId: forgedPeer, mlDsaPublicKey: forgedKey }
  const seen: Array<{ method: string, url: string, authorization: string | undefined }> = []
  let server: Server
  let dir: string
  let made: { peerId: string, mlDsaPublicKey: string }

  before(async () => {
    server = createServer((req: IncomingMessage, res) => {
      seen.push({ method: req.method ?? '', url: req.url ?? '', authorization: req.headers.authorization })
      const body = req.url === '/v1/status'
        ? { peerId: forgedPeer, multiaddrs: [forgedAnchor.multiaddr], dhtSize: 1, connections: 1, registry: { peers: 0, verified: 0 }, record: null, crypto: 'native', anchor: forgedAnchor }
        : req.url?.startsWith('/v1/keys/') === true
          ? { peerId: forgedPeer, mlDsaPublicKey: forgedKey, mlKemPublicKey: forgedKey, seq: 1, issuedAt: 0, expiresAt: 2 ** 40, trust: 'anchor', source: 'registry' }
          : { status: 'ok' }
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body))
    })
    await new Promise<void>(resolve => { server.listen(0, '127.0.0.1', resolve) })
    dir = join(await tempDir(), 'data')
    const init = await runKeydir(['init', '--dir', dir, '--json'])
    assert.equal(init.code, 0, init.stderr)
    made = JSON.parse(init.stdout)
    // The crashed node's pid now names a live process: this test's.
    await writeFile(join(dir, 'api.json'), JSON.stringify({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, pid: process.pid, peerId: made.peerId, startedAt: 0 }))
  })
  after(async () => {
    server.closeAllConnections()
    await new Promise(resolve => { server.close(resolve) })
  })

  const notOurs = /did not prove it is the node of this data dir.*api\.json is stale or another process listens there/

  test('keydir rotate sends it no token and fails with ERR_API_NOT_OURS', async () => {
    seen.length = 0
    const { code, stdout, stderr } = await runKeydir(['rotate', '--dir', dir])
    assert.equal(code, 1, stderr)
    assert.equal(stdout, '')
    assert.match(stderr, notOurs)
    assert.match(stderr, new RegExp(`keydir start --dir ${dir}`))
    assert.ok(seen.length > 0, 'it was asked to prove itself')
    for (const request of seen) {
      assert.equal(request.authorization, undefined, `${request.method} ${request.url} carried the API token`)
      assert.notEqual(request.method, 'POST')
    }
  })

  test('keydir anchor prints no entry of its making', async () => {
    const { code, stdout, stderr } = await runKeydir(['anchor', '--dir', dir, '--json'])
    assert.equal(code, 1, stderr)
    assert.equal(stdout, '')
    assert.doesNotMatch(stdout + stderr, new RegExp(forgedPeer))
    assert.match(stderr, notOurs)
  })

  test('keydir resolve, status and peers do not use its answers', async () => {
    for (const args of [['resolve', made.peerId], ['resolve', made.peerId, '--json'], ['status', '--json'], ['peers']]) {
      const { code, stdout, stderr } = await runKeydir([...args, '--dir', dir])
      assert.equal(code, 1, `${args.join(' ')}: ${stderr}`)
      assert.equal(stdout, '', args.join(' '))
      assert.match(stderr, notOurs)
    }
  })

  test('without the stranger, keydir anchor falls back to the identity and configured address', async () => {
    const quiet = join(await tempDir(), 'data')
    const init = JSON.parse((await runKeydir(['init', '--dir', quiet, '--json'])).stdout)
    // A stale api.json whose pid has exited: no node, so the entry is built offline.
    await writeFile(join(quiet, 'api.json'), JSON.stringify({ url: 'http://127.0.0.1:9', pid: 2 ** 22 + 12345, peerId: init.peerId, startedAt: 0 }))
    const { code, stdout, stderr } = await runKeydir(['anchor', '--dir', quiet, '--json'])
    assert.equal(code, 0, stderr)
    assert.deepEqual(JSON.parse(stdout), { multiaddr: `/ip4/127.0.0.1/tcp/7358/p2p/${init.peerId}`, peerId: init.peerId, mlDsaPublicKey: init.mlDsaPublicKey })
  })
})
