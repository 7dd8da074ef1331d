import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { createApiServer, type ApiServer } from '../../src/api/index.js'
import { openEventStream } from '../../src/cli/client.js'
import { MAX_SSE_LINE, SseParser } from '../../src/cli/sse.js'
import { KeydirError } from '../../src/errors.js'
import { tempDir } from '../helpers-daemon/cli.js'
import { createFakeNode, makeFakePeer, type FakeKeyDirectory } from '../helpers-daemon/fake-node.js'

describe('SseParser', () => {
  test('fields, comments, multi-line data, and an id that outlives its event', () => {
    const parser = new SseParser()
    const events = parser.push(': hello\n\nid: 7\nevent: key-change\ndata: {"a":1}\n\ndata: one\ndata:two\n\n')
    assert.deepEqual(events, [
      { event: 'key-change', data: '{"a":1}', lastEventId: '7' },
      { event: 'message', data: 'one\ntwo', lastEventId: '7' }
    ])
    assert.equal(parser.lastEventId, '7')
  })

  test('LF, CRLF and CR line ends, split anywhere between chunks', () => {
    const text = 'id: 1\r\nevent: x\r\ndata: a\r\n\r\nid: 2\rdata: b\r\rid: 3\ndata: c\n\n'
    for (let cut = 0; cut <= text.length; cut++) {
      const parser = new SseParser()
      const events = [...parser.push(text.slice(0, cut)), ...parser.push(text.slice(cut))]
      assert.deepEqual(events.map(e => [e.lastEventId, e.event, e.data]), [['1', 'x', 'a'], ['2', 'message', 'b'], ['3', 'message', 'c']], `cut at ${cut}`)
    }
  })

  test('an event without data is not dispatched; a field without a colon is a name only', () => {
    const parser = new SseParser()
    assert.deepEqual(parser.push('event: missed\nid: 5\n\ndata\n\n'), [{ event: 'message', data: '', lastEventId: '5' }])
  })

  test('a line longer than the limit is refused', () => {
    assert.throws(() => new SseParser().push('data: ' + 'x'.repeat(MAX_SSE_LINE)), RangeError)
  })
})

describe('the CLI\'s event stream client', () => {
  const token = randomBytes(32).toString('base64url')
  let node: FakeKeyDirectory
  let api: ApiServer
  let dir: string
  let url: string

  before(async () => {
    node = await createFakeNode()
    api = createApiServer({ node, token, events: { maxStreams: 1 } })
    url = await api.listen({ host: '127.0.0.1', port: 0 })
    dir = await tempDir()
    await writeFile(join(dir, 'api.json'), JSON.stringify({ url, pid: process.pid, peerId: node.peerId.toString(), startedAt: 0 }))
    await writeFile(join(dir, 'api.token'), `${token}\n`, { mode: 0o600 })
  })
  after(async () => { await api.close() })

  test('a proved stream is returned; a refusal is the API\'s error; a node that cannot prove itself is not ours', async () => {
    const stop = new AbortController()
    const body = await openEventStream(dir, { signal: stop.signal })
    const reader = body.pipeThrough(new TextDecoderStream()).getReader()
    node.emitKeyChange((await makeFakePeer()).peerId, 'new', 3)
    const parser = new SseParser()
    let events: ReturnType<SseParser['push']> = []
    while (events.length === 0) {
      const { value, done } = await reader.read()
      assert.equal(done, false)
      events = parser.push(value ?? '')
    }
    assert.equal(JSON.parse(events[0]?.data ?? '').seq, 3)

    // The one stream allowed is open: the next is refused, with the API's code.
    await assert.rejects(openEventStream(dir), (err: unknown) => err instanceof KeydirError && err.code === 'ERR_TOO_MANY_STREAMS')
    stop.abort()
    await reader.read().catch(() => {})

    // Another token: the node's proof no longer matches.
    const other = await tempDir()
    await writeFile(join(other, 'api.json'), JSON.stringify({ url, pid: process.pid, peerId: '', startedAt: 0 }))
    await writeFile(join(other, 'api.token'), 'another-token-0123456789abcdefghijklmn\n', { mode: 0o600 })
    for (let i = 0; i < 50; i++) {
      try {
        await openEventStream(other)
        assert.fail('a stream proved with another token was taken')
      } catch (err) {
        if ((err as KeydirError).code === 'ERR_TOO_MANY_STREAMS') {
          await new Promise(resolve => setTimeout(resolve, 20))
          continue
        }
        assert.equal((err as KeydirError).code, 'ERR_API_NOT_OURS')
        return
      }
    }
    assert.fail('the aborted stream never freed its slot')
  })
})
