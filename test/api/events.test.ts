import assert from 'node:assert/strict'
import { connect } from 'node:net'
import { after, before, describe, test } from 'node:test'
import { createApiServer, type ApiServer, type ApiServerInit } from '../../src/api/index.js'
import { EventLog, parseEventId } from '../../src/api/event-log.js'
import { apiProof, newChallenge } from '../../src/api/proof.js'
import { assertApiError } from '../helpers-daemon/api.js'
import { createFakeNode, makeFakePeer, type FakeKeyDirectory, type FakePeer } from '../helpers-daemon/fake-node.js'
import { openEventStream } from '../helpers-daemon/sse.js'
import { startNetwork } from '../helpers/network.js'
import type { KeyChangeDetail } from '../../src/node/index.js'

interface Served {
  node: FakeKeyDirectory
  api: ApiServer
  url: string
}

/** A fake node behind an API server listening on a free loopback port. */
async function serve (init: Partial<ApiServerInit> = {}): Promise<Served> {
  const node = await createFakeNode()
  const api = createApiServer({ node, ...init })
  const url = await api.listen({ host: '127.0.0.1', port: 0 })
  return { node, api, url }
}

const parse = (data: string): { peerId: string, change: string, seq: number, at: number } => JSON.parse(data)

describe('EventLog', () => {
  test('ids count up from the run\'s start; a resume replays what follows its id', () => {
    const log = new EventLog(3, 1_000)
    assert.equal(log.base, 1_000_000)
    const ids = ['a', 'b'].map(d => log.append(d).id)
    assert.deepEqual(ids, [1_000_001, 1_000_002])
    assert.deepEqual(log.since(1_000_001), { events: [{ id: 1_000_002, data: 'b' }], floor: 1_000_001 })
    assert.deepEqual(log.since(1_000_000).events.map(e => e.data), ['a', 'b'])
    assert.deepEqual(log.since(1_000_002).events, [])
  })

  test('an id older than the ring is missed: buffer; one from another run: restart', () => {
    const log = new EventLog(2, 1_000)
    for (const d of ['a', 'b', 'c', 'd']) log.append(d)
    const old = log.since(1_000_001)
    assert.equal(old.missed, 'buffer')
    assert.equal(old.floor, 1_000_002)
    assert.deepEqual(old.events.map(e => e.data), ['c', 'd'])
    assert.equal(log.since(1_000_002).missed, undefined)
    assert.equal(log.since(999_999).missed, 'restart')
    assert.equal(log.since(7).missed, 'restart')
    assert.equal(log.since(1_000_005).missed, 'restart', 'an id this run has not given')
    assert.equal(new EventLog(2, 1_000).since(1_000_000).missed, undefined, 'nothing yet, nothing missed')
  })

  test('parseEventId takes decimal integers of up to 16 digits only', () => {
    assert.equal(parseEventId('1795869509359001'), 1795869509359001)
    assert.equal(parseEventId('0'), 0)
    for (const bad of ['', ' 1', '1 ', '-1', '1.5', '1e3', '0x10', '99999999999999999', '9999999999999999', 'abc', '١']) {
      assert.equal(parseEventId(bad), undefined, bad)
    }
  })
})

describe('GET /v1/events on a fake node', () => {
  let s: Served
  let peers: FakePeer[]

  before(async () => {
    s = await serve({ token: 'events-token-0123456789abcdefghij' })
    peers = await Promise.all([1, 2, 3].map(async () => makeFakePeer()))
  })
  after(async () => { await s.api.close() })

  test('streams each key-change as id, event and one JSON data line, with the API\'s headers', async () => {
    const stream = await openEventStream(s.url)
    try {
      assert.equal(stream.res.status, 200)
      assert.equal(stream.res.headers.get('content-type'), 'text/event-stream; charset=utf-8')
      assert.equal(stream.res.headers.get('cache-control'), 'no-store')
      assert.equal(stream.res.headers.get('x-content-type-options'), 'nosniff')
      const before = Date.now()
      s.node.emitKeyChange(peers[0].peerId, 'new', 7)
      s.node.emitKeyChange(peers[1].peerId, 'revoked', 8)
      const first = await stream.next()
      const second = await stream.next()
      assert.equal(first.event, 'key-change')
      const body = parse(first.data)
      assert.deepEqual(Object.keys(body), ['peerId', 'change', 'seq', 'at'])
      assert.deepEqual([body.peerId, body.change, body.seq], [peers[0].peerId.toString(), 'new', 7])
      assert.ok(body.at >= before && body.at <= Date.now())
      assert.deepEqual([parse(second.data).change, parse(second.data).seq], ['revoked', 8])
      assert.ok(Number(second.lastEventId) === Number(first.lastEventId) + 1)
      assert.match(stream.raw(), /^id: \d+\nevent: key-change\ndata: \{[^\n]*\}\n\n/)
    } finally {
      stream.close()
    }
  })

  test('resumes after Last-Event-ID, or ?after= at first; the header wins', async () => {
    const first = await openEventStream(s.url)
    const seen = []
    try {
      for (const [i, peer] of peers.entries()) s.node.emitKeyChange(peer.peerId, 'rotated', 100 + i)
      for (let i = 0; i < 3; i++) seen.push(await first.next())
    } finally {
      first.close()
    }
    const [one, two, three] = seen.map(e => e.lastEventId)
    const resumed = await openEventStream(s.url, '/v1/events', { 'last-event-id': one })
    try {
      assert.deepEqual([(await resumed.next()).lastEventId, (await resumed.next()).lastEventId], [two, three])
      s.node.emitKeyChange(peers[0].peerId, 'rotated', 200)
      assert.equal(parse((await resumed.next()).data).seq, 200, 'then live events')
    } finally {
      resumed.close()
    }
    const byQuery = await openEventStream(s.url, `/v1/events?after=${two}`)
    try {
      assert.equal((await byQuery.next()).lastEventId, three)
    } finally {
      byQuery.close()
    }
    const both = await openEventStream(s.url, `/v1/events?after=${one}`, { 'last-event-id': three })
    try {
      assert.equal(parse((await both.next()).data).seq, 200, 'the header, not ?after=')
    } finally {
      both.close()
    }
  })

  test('an id from another run is told with a missed notice, then what this run still holds', async () => {
    const stream = await openEventStream(s.url, '/v1/events', { 'last-event-id': '42' })
    try {
      const notice = await stream.next()
      assert.equal(notice.event, 'missed')
      assert.deepEqual(JSON.parse(notice.data), { lastEventId: '42', reason: 'restart' })
      const next = await stream.next()
      assert.equal(next.event, 'key-change')
      assert.equal(Number(next.lastEventId), Number(notice.lastEventId) + 1, 'the notice carries the id before the first replayed event')
    } finally {
      stream.close()
    }
  })

  test('a bad Last-Event-ID or ?after= is 400 ERR_BAD_EVENT_ID; other parameters are refused', async () => {
    for (const value of ['abc', '-1', '1.0', '12345678901234567', '1, 2']) {
      assertApiError(await s.api.app.inject({ url: '/v1/events', headers: { 'last-event-id': value } }), 400, 'ERR_BAD_EVENT_ID')
      assertApiError(await s.api.app.inject({ url: `/v1/events?after=${encodeURIComponent(value)}` }), 400, 'ERR_BAD_EVENT_ID')
    }
    assertApiError(await s.api.app.inject({ url: '/v1/events?since=1' }), 400, 'ERR_UNKNOWN_PARAM')
    assertApiError(await s.api.app.inject({ url: '/v1/events?after=1&after=2' }), 400, 'ERR_BAD_PARAM')
    assertApiError(await s.api.app.inject({ url: '/v1/events', headers: { host: 'attacker.example' } }), 421, 'ERR_HOST_NOT_ALLOWED')
  })

  test('a Keydir-Challenge is proved over the status with an empty body; HEAD ends at once', async () => {
    const challenge = newChallenge()
    const stream = await openEventStream(s.url, '/v1/events?after=1', { 'keydir-challenge': challenge })
    try {
      assert.equal(stream.res.headers.get('keydir-proof'), apiProof('events-token-0123456789abcdefghij', {
        challenge: Buffer.from(challenge, 'base64url'), method: 'GET', target: '/v1/events?after=1', status: 200, body: ''
      }))
    } finally {
      stream.close()
    }
    const head = await fetch(`${s.url}/v1/events`, { method: 'HEAD' })
    assert.equal(head.status, 200)
    assert.equal(head.headers.get('content-type'), 'text/event-stream; charset=utf-8')
  })
})

describe('GET /v1/events limits and shutdown', () => {
  test('more streams than the cap are 503 ERR_TOO_MANY_STREAMS with Retry-After, until one goes', async () => {
    // fetch may leave a connection it opened but never used, which would hold up close() for its 4 s idle timeout.
    const s = await serve({ events: { maxStreams: 2 }, closeTimeoutMs: 100 })
    try {
      const a = await openEventStream(s.url)
      const b = await openEventStream(s.url)
      const refused = await fetch(`${s.url}/v1/events`)
      assert.equal(refused.status, 503)
      assert.equal(refused.headers.get('retry-after'), '5')
      assert.equal(((await refused.json()) as any).error.code, 'ERR_TOO_MANY_STREAMS')
      a.close()
      let c
      for (let i = 0; i < 100; i++) {
        c = await openEventStream(s.url)
        if (c.res.status === 200) break
        await c.res.body?.cancel()
        await new Promise(resolve => setTimeout(resolve, 20))
      }
      assert.equal(c?.res.status, 200, 'a slot is free once a client went')
      c?.close()
      b.close()
    } finally {
      await s.api.close()
    }
  })

  test('a quiet stream gets keep-alive comments', async () => {
    const s = await serve({ events: { keepAliveMs: 30 } })
    const stream = await openEventStream(s.url)
    try {
      const deadline = Date.now() + 5000
      while (!stream.raw().includes(': keep-alive\n\n') && Date.now() < deadline) {
        await Promise.race([stream.next(200).catch(() => {}), new Promise(resolve => setTimeout(resolve, 50))])
      }
      assert.ok(stream.raw().includes(': keep-alive\n\n'))
    } finally {
      stream.close()
      await s.api.close()
    }
  })

  test('a client that does not read is cut off, and its slot is freed', async () => {
    const s = await serve({ events: { maxStreams: 1 } })
    try {
      const { port } = new URL(s.url)
      const socket = connect(Number(port), '127.0.0.1')
      socket.pause()
      const closed = new Promise(resolve => { socket.on('close', resolve) })
      socket.on('error', () => {})
      socket.write(`GET /v1/events HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`)
      // Wait until the server holds the stream.
      for (let i = 0; i < 100 && (await fetch(`${s.url}/v1/events`, { method: 'HEAD' })).status !== 503; i++) await new Promise(resolve => setTimeout(resolve, 10))
      const peer = await makeFakePeer()
      for (let i = 0; i < 100_000; i++) s.node.emitKeyChange(peer.peerId, 'rotated', i)
      const next = await openEventStream(s.url)
      assert.equal(next.res.status, 200)
      next.close()
      socket.resume()
      await closed
    } finally {
      await s.api.close()
    }
  })

  test('the stream ends when the node stops, and new ones are refused', async () => {
    const s = await serve()
    try {
      const stream = await openEventStream(s.url)
      await s.node.stop()
      await stream.ended()
      assertApiError(await s.api.app.inject({ url: '/v1/events' }), 503, 'ERR_SHUTTING_DOWN')
    } finally {
      await s.api.close()
    }
  })

  test('the stream ends when the API closes, and close does not wait for it', async () => {
    const s = await serve()
    const stream = await openEventStream(s.url)
    const started = Date.now()
    await s.api.close()
    await stream.ended()
    assert.ok(Date.now() - started < 2000, `close took ${Date.now() - started} ms`)
    assert.equal(s.node.listenerCount('key-change'), 0, 'the API let go of the node')
  })
})

describe('GET /v1/events over a network of nodes', () => {
  test('SSE delivers the events in order', async () => {
    const net = await startNetwork(4)
    let api: ApiServer | undefined
    try {
      const [, a, b, c] = net.nodes
      api = createApiServer({ node: b.node })
      const url = await api.listen({ host: '127.0.0.1', port: 0 })
      const dispatched: KeyChangeDetail[] = []
      b.node.addEventListener('key-change', evt => { dispatched.push(evt.detail) })
      const stream = await openEventStream(url)
      try {
        // Each change is on disk (and dispatched) before the next begins: getPin waits for the peer's write.
        const first = await b.node.resolve(a.node.peerId)
        await b.node.registry.getPin(a.node.peerId)
        const second = await b.node.resolve(c.node.peerId)
        await b.node.registry.getPin(c.node.peerId)
        const rotated = await a.node.rotate()
        const followed = await b.node.resolve(a.node.peerId, { refresh: true })
        assert.deepEqual(followed.mlDsaPublicKey, rotated.mlDsaPublicKey)

        const received = [await stream.next(), await stream.next(), await stream.next()]
        const bodies = received.map(e => parse(e.data))
        assert.deepEqual(bodies.map(e => [e.peerId, e.change, e.seq]), [
          [a.node.peerId.toString(), 'new', first.seq],
          [c.node.peerId.toString(), 'new', second.seq],
          [a.node.peerId.toString(), 'rotated', rotated.seq]
        ])
        assert.deepEqual(bodies.map(e => e.peerId), dispatched.map(d => d.peerId.toString()), 'in the order the node dispatched them')
        const ids = received.map(e => Number(e.lastEventId))
        assert.ok(ids[0] < ids[1] && ids[1] < ids[2], `ids increase: ${ids.join(', ')}`)
        assert.ok(received.every(e => e.event === 'key-change'))
      } finally {
        stream.close()
      }
    } finally {
      await api?.close()
      await net.stop()
    }
  })
})
