import assert from 'node:assert/strict'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { after, describe, test } from 'node:test'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { waitUntil } from '../helpers/network.js'
import { apiGet, runKeydir, startNode, tempDir, type RunningNode } from '../helpers-daemon/cli.js'

/**
 * Issue 23, items 1 and 2, as an operator meets them: `keydir start` with
 * no bootstrap peers says so once and clearly, a publish and a lookup on it
 * answer at once with ERR_NO_PEERS, and nothing is logged as an error.
 */

interface LogLine { level: string, msg: string, code?: string, [key: string]: unknown }

const logLines = (node: RunningNode): LogLine[] =>
  node.stderr().split('\n').filter(line => line.startsWith('{')).map(line => JSON.parse(line) as LogLine)

describe('a keydir node with no peers', { timeout: 120_000 }, () => {
  const running: RunningNode[] = []
  after(async () => { for (const node of running) await node.stop('SIGKILL') })

  test('warns once, answers publish and lookups at once with ERR_NO_PEERS, and publishes once a peer joins', async () => {
    const root = await tempDir('keydir-lone-')
    const dir = join(root, 'a')
    const lone = await startNode(dir)
    running.push(lone)
    await waitUntil(() => logLines(lone).some(l => l.level === 'warn'), 'the lone node warned')

    const token = (await readFile(join(dir, 'api.token'), 'utf8')).trim()
    const published = await fetch(`${lone.summary.api}/v1/publish`, { method: 'POST', headers: { authorization: `Bearer ${token}` } })
    assert.equal(published.status, 503)
    const body = await published.json() as { error: { code: string, message: string } }
    assert.equal(body.error.code, 'ERR_NO_PEERS')
    assert.match(body.error.message, /--bootstrap <anchor entry or multiaddr>/)

    const stranger = peerIdFromPrivateKey(await generateKeyPair('Ed25519')).toString()
    const keys = await apiGet(lone.summary.api, `/v1/keys/${stranger}`)
    assert.equal(keys.status, 503)
    assert.equal(keys.body.error.code, 'ERR_NO_PEERS')
    const resolved = await runKeydir(['resolve', stranger, '--dir', dir])
    assert.equal(resolved.code, 1)
    assert.match(resolved.stderr, /^keydir: cannot look up .*: this node has no DHT peers.*--bootstrap/m)

    // One clear warning; no error, no ERR_UNEXPECTED, no stack trace.
    const warnings = logLines(lone).filter(l => l.level === 'warn')
    assert.equal(warnings.length, 1, JSON.stringify(warnings))
    assert.equal(warnings[0].code, 'ERR_NO_PEERS')
    assert.match(warnings[0].msg, /--bootstrap/)
    assert.deepEqual(logLines(lone).filter(l => l.level === 'error'), [])
    assert.doesNotMatch(lone.stderr(), /ERR_UNEXPECTED|\n\s+at /)
    assert.ok(logLines(lone).some(l => l.level === 'info' && l.msg === 'could not resolve peer keys' && l.code === 'ERR_NO_PEERS'))

    const joining = await startNode(join(root, 'b'), ['--bootstrap', JSON.stringify(lone.summary.anchor)])
    running.push(joining)
    await waitUntil(() => logLines(lone).some(l => l.msg === 'published to the DHT'), 'the lone node published once a peer joined', 30_000)
    assert.deepEqual(logLines(lone).filter(l => l.level === 'error'), [])
  })
})
