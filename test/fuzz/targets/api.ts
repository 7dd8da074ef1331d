import { request as httpRequest, type IncomingMessage } from 'node:http'
import { connect } from 'node:net'
import { peerIdFromString } from '@libp2p/peer-id'
import fc from 'fast-check'
import { TypedEventEmitter } from 'main-event'
import { createApiServer, REVOCATION_CONTENT_TYPE } from '../../../src/api/index.js'
import { SseParser, type SseEvent } from '../../../src/cli/sse.js'
import { selectPqCrypto } from '../../../src/crypto/index.js'
import { ResolveError } from '../../../src/errors.js'
import { createRevocation, RevocationValidator, unmarshalRevocation } from '../../../src/record/index.js'
import { hostileBytes } from '../mutate.js'
import { createKeydirMetrics } from '../../../src/metrics/index.js'
import { resolvedKeys } from '../../../src/node/resolved-keys.js'
import { corpus } from '../corpus.js'
import { envelopeParties, recipientEnvelopes } from '../../vectors/envelope-parties.js'
import { envelopeVectors } from '../../vectors/generate-envelope.js'
import { MESSAGE_SIGNATURE_CONTEXT } from '../../../src/signature/index.js'
import { Outcomes } from '../harness.js'
import { PeerReputation } from '../../../src/reputation/index.js'
import type { KeyDirectory, KeyDirectoryEvents } from '../../../src/node/types.js'
import type { RegistryEntry } from '../../../src/registry/index.js'
import type { FuzzTarget } from '../harness.js'
import type { PeerId } from '@libp2p/interface'

const TOKEN = 'fuzz-token-0123456789abcdef'

/**
 * A KeyDirectory without a network behind the API: its own peer, one known
 * peer, one whose lookup times out, and ERR_NOT_FOUND for the rest.
 */
async function fakeNode (): Promise<{ node: KeyDirectory, peers: string[], emit: (seq: number) => void }> {
  const c = await corpus()
  const [self, known, slow] = c.records.filter((r, i, all) => all.findIndex(x => x.peerId.equals(r.peerId)) === i)
  const keys = resolvedKeys
  const revocations = new RevocationValidator({ crypto: selectPqCrypto(), now: () => c.now })
  const entry: RegistryEntry = { record: known, trust: 'direct', verified: true, storedAt: c.now }
  const node = Object.assign(new TypedEventEmitter<KeyDirectoryEvents>(), {
    peerId: self.peerId,
    metrics: createKeydirMetrics(),
    registry: {},
    listPeers: async () => [entry],
    libp2p: {},
    async start () {},
    async stop () {},
    getMultiaddrs: () => [],
    async publish () { return self },
    async rotate () { return self },
    async resolve (peer: PeerId | string, options: { signal?: AbortSignal } = {}) {
      options.signal?.throwIfAborted()
      const id = typeof peer === 'string' ? peerIdFromString(peer) : peer
      if (id.equals(self.peerId)) return keys(self, 'self', 'self')
      if (id.equals(known.peerId)) return keys(known, 'direct', 'registry')
      if (id.equals(slow.peerId)) throw new ResolveError('ERR_RESOLVE_TIMEOUT', 'timed out')
      throw new ResolveError('ERR_NOT_FOUND', `no keys for ${id.toString()}`)
    },
    async status () {
      return { peerId: self.peerId.toString(), multiaddrs: [], dhtSize: 0, connections: 0, maxConnections: 300, registry: { peers: 1, verified: 1 }, record: { seq: self.seq, issuedAt: self.issuedAt, expiresAt: self.expiresAt }, crypto: 'native', reputation: { peers: 0, belowThreshold: 0 }, version: '0.0.0', uptimeMs: 0 }
    },
    async revoke () { throw new ResolveError('ERR_REVOKED', 'not in this fake') },
    async publishRevocation (bytes: Uint8Array) { return revocations.validate(unmarshalRevocation(bytes).peerId, bytes) },
    listRevocations: () => [],
    reputation: new PeerReputation(),
    getEvidence: () => undefined,
    listEvidence: () => [],
    async submitEvidence () { throw new ResolveError('ERR_NOT_FOUND', 'not in this fake') },
    anchorEntry: () => ({ multiaddr: `/ip4/127.0.0.1/tcp/1/p2p/${self.peerId.toString()}`, peerId: self.peerId.toString(), mlDsaPublicKey: Buffer.from(self.mlDsaPublicKey).toString('base64') })
  })
  const peers = [self, known, slow].map(r => r.peerId.toString())
  peers.push(known.peerId.toCID().toString(), c.peers[0].peerId.toString())
  const emit = (seq: number): void => { node.safeDispatchEvent('key-change', { detail: { peerId: known.peerId, change: 'rotated', seq } }) }
  return { node: node as unknown as KeyDirectory, peers, emit }
}

/** Character-level mutation of a string: flip, drop, insert, repeat. */
function mutateString (s: string, edits: Array<[number, number, string]>): string {
  let out = s
  for (const [at, op, text] of edits) {
    const i = out.length === 0 ? 0 : at % out.length
    out = op === 0 ? out.slice(0, i) + out.slice(i + 1) : op === 1 ? out.slice(0, i) + text + out.slice(i) : op === 2 ? out.slice(0, i) + text + out.slice(i + 1) : out + out
  }
  return out
}

function requestParts (peers: string[]): fc.Arbitrary<{ method: string, path: string, query: string, accept?: string, authorization?: string, host?: string, challenge?: string }> {
  const base = fc.constantFrom('/v1/keys/', '/v1/keys', '/v1/peers', '/v1/status', '/metrics', '/healthz', '/v1/publish', '/v1/rotate', '/v1/revoke', '/v1/revocations', '/', '/v1/', '//v1/keys/', '/V1/KEYS/', '/v1/keys/x/', '/v1/peers/')
  const edits = fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 3 }), fc.constantFrom('%', '%00', '%2F', '/', '..', '?', '#', '+', ' ', '\u00e9', 'Qm', '0', 'z')), { maxLength: 3 })
  const param = fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...peers) },
    { weight: 4, arbitrary: fc.tuple(fc.constantFrom(...peers), edits).map(([p, e]) => mutateString(p, e)) },
    { weight: 1, arbitrary: fc.constantFrom('', '%', '%zz', '%00', '%E0%A4%A', '..%2f..%2f', '%2e%2e', 'x'.repeat(129), '12D3KooW', 'bafzaa', '__proto__', 'constructor') },
    { weight: 1, arbitrary: fc.string({ maxLength: 80 }).map(s => encodeURIComponent(s)) },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 20 }) }
  )
  const pair = fc.tuple(
    fc.oneof(fc.constantFrom('refresh', 'trust', 'verified', '__proto__', 'constructor', 'hasOwnProperty', 'x', '', 'refresh[]', 'refresh.a'), fc.string({ maxLength: 10 })),
    fc.oneof(fc.constantFrom('true', 'false', '', 'anchor', 'self', 'dht', 'TRUE', '1', '%ff', '%', 'a'.repeat(300)), fc.string({ maxLength: 20 }))
  ).map(([k, v]) => `${encodeURIComponent(k)}=${v.startsWith('%') ? v : encodeURIComponent(v)}`)
  const query = fc.oneof(
    { weight: 3, arbitrary: fc.constant('') },
    { weight: 4, arbitrary: fc.array(pair, { minLength: 1, maxLength: 4 }).map(p => `?${p.join('&')}`) },
    { weight: 1, arbitrary: fc.constantFrom('?', '??', '?&&', '?refresh', '?refresh=true&refresh=false', '?=', '?&=&', `?${'a=b&'.repeat(80)}`) }
  )
  return fc.record({
    method: fc.oneof({ weight: 8, arbitrary: fc.constant('GET') }, { weight: 2, arbitrary: fc.constantFrom('POST', 'HEAD', 'PUT', 'DELETE', 'OPTIONS', 'PATCH') }),
    path: fc.oneof(
      { weight: 5, arbitrary: param.map(p => `/v1/keys/${p}`) },
      { weight: 3, arbitrary: base },
      { weight: 1, arbitrary: fc.tuple(base, param).map(([b, p]) => b + p) }
    ),
    query,
    accept: fc.option(fc.oneof(
      fc.constantFrom('application/json', 'application/vnd.keydir.key-record', '*/*', 'text/html', 'application/*', 'application/vnd.keydir.key-record;q=0.5, application/json;q=0.9',
        '*/*;q=abc', ';;;,,,', 'application/json;q=-1', 'application/json;q=1e309', 'a/b;q=0, */*;q=0', ','.repeat(100)),
      fc.string({ maxLength: 60 })
    ), { nil: undefined }),
    authorization: fc.option(fc.oneof(fc.constantFrom(`Bearer ${TOKEN}`, 'Bearer wrong', 'Bearer', 'Basic abc', `bearer ${TOKEN}`, `Bearer ${TOKEN} `), fc.string({ maxLength: 40 })), { nil: undefined }),
    // Mostly absent (inject's own Host is loopback), so the routes behind these checks are reached too.
    host: fc.oneof(
      { weight: 8, arbitrary: fc.constant(undefined) },
      { weight: 1, arbitrary: fc.constantFrom('localhost', 'localhost:7357', '127.0.0.1:1', '127.255.0.9', '[::1]:80', '[::1', 'attacker.example', 'localhost.attacker.example', '127.0.0.1.nip.io', '', ':80', '[]', '0x7f000001', 'LOCALHOST') },
      { weight: 1, arbitrary: fc.string({ maxLength: 40 }) }
    ),
    challenge: fc.oneof(
      { weight: 8, arbitrary: fc.constant(undefined) },
      { weight: 1, arbitrary: fc.uint8Array({ minLength: 32, maxLength: 32 }).map(b => Buffer.from(b).toString('base64url')) },
      { weight: 1, arbitrary: fc.oneof(fc.uint8Array({ maxLength: 40 }).map(b => Buffer.from(b).toString('base64')), fc.string({ maxLength: 60 })) }
    )
  })
}

function checkErrorBody (status: number, body: string, where: string): void {
  let parsed: any
  try {
    parsed = JSON.parse(body)
  } catch {
    throw new Error(`${where}: a ${status} whose body is not JSON: ${body.slice(0, 200)}`)
  }
  if (typeof parsed?.error?.code !== 'string' || !/^ERR_[A-Z0-9_]+$/.test(parsed.error.code) || typeof parsed.error.message !== 'string') {
    throw new Error(`${where}: a ${status} without an error envelope: ${body.slice(0, 200)}`)
  }
}

/**
 * The HTTP API's routing, path parameters, query strings and headers, by
 * fastify's inject (no sockets): never a 500, every error a JSON envelope
 * with a code, every 200 for keys about the PeerId asked.
 */
export const apiTarget: FuzzTarget = {
  name: 'api',
  description: 'HTTP API paths, PeerId parameters, query strings, Accept, Authorization, Host and Keydir-Challenge headers (inject)',
  ciRuns: 3000,
  async prepare () {
    const outcomes = new Outcomes()
    const { node, peers } = await fakeNode()
    const api = createApiServer({ node, token: TOKEN })
    await api.app.ready()
    const property = fc.asyncProperty(requestParts(peers), async r => {
      const url = r.path + r.query
      const headers: Record<string, string> = {}
      if (r.accept !== undefined) headers.accept = r.accept
      if (r.authorization !== undefined) headers.authorization = r.authorization
      if (r.host !== undefined) headers.host = r.host
      if (r.challenge !== undefined) headers['keydir-challenge'] = r.challenge
      let res
      try {
        res = await api.app.inject({ method: r.method as 'GET', url, headers })
      } catch (err) {
        // light-my-request refuses some URLs and headers before the server sees them.
        outcomes.add(`inject: refused by the client (${(err as Error).name})`)
        return true
      }
      const status = res.statusCode
      if (status >= 500 && !(status === 504 && (r.method === 'HEAD' || res.body.includes('ERR_RESOLVE_TIMEOUT')))) throw new Error(`${r.method} ${url} answered ${status}: ${res.body.slice(0, 300)}`)
      if (status >= 400 && r.method !== 'HEAD') checkErrorBody(status, res.body, `${r.method} ${url}`)
      if (status === 200 && r.method === 'GET' && r.path.startsWith('/v1/keys/') && res.headers['content-type']?.toString().startsWith('application/json') === true) {
        const body = JSON.parse(res.body)
        const asked = peerIdFromString(decodeURIComponent(r.path.slice('/v1/keys/'.length))).toString()
        if (body.peerId !== asked) throw new Error(`asked for ${asked}, answered ${String(body.peerId)}`)
      }
      outcomes.add(`${r.method === 'GET' ? 'GET' : 'other'}: ${status >= 400 && r.method !== 'HEAD' ? `${status} ${JSON.parse(res.body).error.code}` : status}`)
      return true
    })
    return { property, outcomes, close: async () => { await api.close() } }
  }
}

/** Raw request lines and headers over a real socket: malformed HTTP meets the server's client-error path. */
export const apiRawTarget: FuzzTarget = {
  name: 'api-raw',
  description: 'HTTP API over a TCP socket with raw (malformed) request lines and headers',
  ciRuns: 800,
  async prepare () {
    const outcomes = new Outcomes()
    const { node, peers } = await fakeNode()
    const api = createApiServer({ node, token: TOKEN })
    const url = new URL(await api.listen({ host: '127.0.0.1', port: 0 }))
    const port = Number(url.port)
    const target = fc.oneof(
      { weight: 4, arbitrary: requestParts(peers).map(r => r.path + r.query) },
      fc.uint8Array({ maxLength: 60 }).map(b => Buffer.from(b).toString('latin1')),
      fc.constantFrom('*', '', ' ', 'http://x/v1/status', '/v1/status HTTP/1.0', '/\r\n', `/v1/keys/${'a'.repeat(9000)}`)
    )
    const header = fc.oneof(
      fc.constantFrom('Accept: application/json', 'Accept:', 'Content-Length: -1', 'Content-Length: 99999999', 'Transfer-Encoding: chunked', 'Host:', 'X: \u0000', `Cookie: ${'a'.repeat(20000)}`, 'Bad Header', ': x'),
      fc.uint8Array({ minLength: 1, maxLength: 40 }).map(b => Buffer.from(b).toString('latin1').replace(/\r|\n/g, '') || 'X')
    )
    const property = fc.asyncProperty(
      fc.oneof({ weight: 6, arbitrary: fc.constant('GET') }, { weight: 1, arbitrary: fc.constantFrom('POST', 'HEAD', 'G\u0000T', 'BREW', '') }),
      target,
      fc.oneof({ weight: 2, arbitrary: fc.constant([]) }, { weight: 1, arbitrary: fc.array(header, { minLength: 1, maxLength: 3 }) }),
      fc.oneof({ weight: 6, arbitrary: fc.constant('HTTP/1.1') }, { weight: 1, arbitrary: fc.constantFrom('HTTP/1.0', 'HTTP/2.0', 'HTTP/9', '') }),
      async (method, path, headers, version) => {
        const request = `${method} ${path} ${version}\r\nHost: 127.0.0.1\r\n${headers.map(h => `${h}\r\n`).join('')}Connection: close\r\n\r\n`
        const response = await rawExchange(port, Buffer.from(request, 'latin1'))
        if (response.length === 0) {
          outcomes.add('closed without an answer')
          return true
        }
        const match = /^HTTP\/1\.[01] (\d{3})/.exec(response.toString('latin1'))
        if (match == null) throw new Error(`not an HTTP response: ${JSON.stringify(response.toString('latin1').slice(0, 100))}`)
        const status = Number(match[1])
        if (status >= 500 && !(status === 504 && (method === 'HEAD' || response.includes('ERR_RESOLVE_TIMEOUT')))) throw new Error(`${JSON.stringify(request.slice(0, 200))} answered ${status}`)
        // The first response only (garbage after a request can make a second one).
        const text = response.toString('utf8')
        const head = text.slice(0, text.indexOf('\r\n\r\n'))
        const length = /\r\ncontent-length: *(\d+)/i.exec(head)
        const body = length == null ? '' : Buffer.from(text.slice(head.length + 4)).subarray(0, Number(length[1])).toString('utf8')
        if (status >= 400 && method !== 'HEAD' && length != null) checkErrorBody(status, body, JSON.stringify(request.slice(0, 100)))
        outcomes.add(`status ${status}`)
        return true
      })
    return { property, outcomes, close: async () => { await api.close() } }
  }
}

/** Send bytes, read until the server closes (or 5 s), return what came back. */
async function rawExchange (port: number, request: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    const socket = connect({ host: '127.0.0.1', port }, () => { socket.end(request) })
    socket.setTimeout(5000, () => { socket.destroy(new Error('the API server neither answered nor closed within 5 s')) })
    socket.on('data', chunk => chunks.push(chunk))
    socket.on('error', err => {
      if ((err as NodeJS.ErrnoException).code === 'ECONNRESET' || (err as NodeJS.ErrnoException).code === 'EPIPE') resolve(Buffer.concat(chunks))
      else reject(err)
    })
    socket.on('close', () => resolve(Buffer.concat(chunks)))
  })
}

/** The seq of the marker event that ends the part of a stream a case reads. */
const MARKER_SEQ = 424242

/** A GET or HEAD over its own connection: the status, and the body until `done` says enough (or the server ends it). */
async function streamExchange (port: number, method: string, path: string, headers: Record<string, string>, onHead: (res: IncomingMessage) => void, done: (body: string) => boolean): Promise<{ status: number, body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, method, path, headers, agent: false }, res => {
      onHead(res)
      let body = ''
      const finish = (): void => {
        req.destroy()
        resolve({ status: res.statusCode ?? 0, body })
      }
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => {
        body += chunk
        if (done(body)) finish()
      })
      res.on('end', finish)
      res.on('error', finish)
    })
    req.setTimeout(5000, () => { req.destroy(new Error(`${method} ${path}: no end of the answer within 5 s`)) })
    req.on('error', reject)
    req.end()
  })
}

/**
 * `GET /v1/events` over real sockets with hostile `Last-Event-ID` headers
 * and `?after=` values: ids in and around the ring of recent events, ids of
 * other runs, garbage. An answer is an error envelope (never a 5xx but a
 * full stream cap), or a stream whose first events are at most one `missed`
 * notice, then key-changes with increasing ids after the one asked for.
 */
export const apiEventsTarget: FuzzTarget = {
  name: 'api-events',
  description: 'GET /v1/events: Last-Event-ID and ?after= values around the ring of recent events, from other runs, and garbage (sockets)',
  ciRuns: 400,
  async prepare () {
    const outcomes = new Outcomes()
    const { node, emit } = await fakeNode()
    const api = createApiServer({ node, token: TOKEN, events: { bufferSize: 16, maxStreams: 64 } })
    const port = Number(new URL(await api.listen({ host: '127.0.0.1', port: 0 })).port)
    // 40 events, so the ring (16) has dropped some from the start: ids below it are "missed: buffer".
    for (let i = 0; i < 40; i++) emit(i)
    const sawMarker = (body: string): boolean => body.includes(`"seq":${MARKER_SEQ}`)
    const probe = await streamExchange(port, 'GET', '/v1/events?after=0', {}, () => { emit(MARKER_SEQ) }, sawMarker)
    // The newest id, followed as cases add marker events: ids are drawn around it, so some are in the ring, some older, some not yet given.
    let last = Number(new SseParser().push(probe.body).at(-1)?.lastEventId)
    const id = fc.oneof(
      { weight: 4, arbitrary: fc.integer({ min: -24, max: 3 }).map(offset => () => String(last + offset)) },
      { weight: 1, arbitrary: fc.constantFrom('0', '1', '42', String(Number.MAX_SAFE_INTEGER), '9007199254740993', '99999999999999999', '', ' ', '-1', '+1', '1e3', '0x10', '1.5', '01', 'null', '1\u00e9').map(v => () => v) },
      { weight: 1, arbitrary: fc.constant(() => `${last}, ${last}`) },
      { weight: 1, arbitrary: fc.string({ maxLength: 24 }).map(s => s.replace(/[^\x20-\x7e]/g, '')).map(v => () => v) }
    )
    const property = fc.asyncProperty(
      fc.oneof({ weight: 9, arbitrary: fc.constant('GET') }, { weight: 1, arbitrary: fc.constant('HEAD') }),
      fc.option(id, { nil: undefined }),
      fc.oneof(
        { weight: 2, arbitrary: fc.constant(() => '') },
        { weight: 3, arbitrary: id.map(v => () => `?after=${encodeURIComponent(v())}`) },
        { weight: 1, arbitrary: fc.tuple(id, id).map(([a, b]) => () => `?after=${encodeURIComponent(a())}&after=${encodeURIComponent(b())}`) },
        { weight: 1, arbitrary: fc.constantFrom('?after', '?after=', '?last-event-id=1', '?after=%zz', '?after=%00', `?after=${'9'.repeat(300)}`).map(v => () => v) }
      ),
      async (method, idOf, queryOf) => {
        const lastEventId = idOf?.()
        const query = queryOf()
        const headers: Record<string, string> = lastEventId === undefined ? {} : { 'last-event-id': lastEventId }
        const { status, body } = await streamExchange(port, method, `/v1/events${query}`, headers, res => { if (res.statusCode === 200 && method === 'GET') emit(MARKER_SEQ) }, sawMarker)
        const where = `${method} /v1/events${query} Last-Event-ID ${JSON.stringify(lastEventId)}`
        if (status === 503 && body.includes('ERR_TOO_MANY_STREAMS')) {
          outcomes.add('503 ERR_TOO_MANY_STREAMS')
          return true
        }
        if (status >= 500) throw new Error(`${where} answered ${status}: ${body.slice(0, 300)}`)
        if (status >= 400) {
          // A HEAD answer has no body to check.
          if (method === 'HEAD') {
            outcomes.add(`HEAD ${status}`)
            return true
          }
          checkErrorBody(status, body, where)
          outcomes.add(`${status} ${JSON.parse(body).error.code}`)
          return true
        }
        if (status !== 200) throw new Error(`${where} answered ${status}`)
        if (method === 'HEAD') {
          outcomes.add('HEAD 200')
          return true
        }
        const events = new SseParser().push(body)
        checkStream(where, events)
        // Without a missed notice, a resumed stream replays only what follows the id asked for.
        const asked = lastEventId !== undefined && lastEventId !== '' ? lastEventId : new URLSearchParams(query).get('after') ?? undefined
        if (asked !== undefined && events[0]?.event === 'key-change' && Number(events[0].lastEventId) <= Number(asked)) {
          throw new Error(`${where}: replayed id ${events[0].lastEventId}, not after ${asked}`)
        }
        last = Number(events.at(-1)?.lastEventId)
        const missed = /event: missed\ndata: \{"lastEventId":"[0-9]+","reason":"(restart|buffer)"\}/.exec(body)
        outcomes.add(missed === null ? '200 stream' : `200 stream after missed: ${missed[1]}`)
        return true
      })
    return { property, outcomes, close: async () => { await api.close() } }
  }
}

/** At most one `missed` notice, first; then key-changes with increasing ids, the marker last. */
function checkStream (where: string, events: SseEvent[]): void {
  let previous = -1
  for (const [i, event] of events.entries()) {
    if (event.event === 'missed' && i !== 0) throw new Error(`${where}: a missed notice after other events`)
    if (event.event !== 'missed' && event.event !== 'key-change') throw new Error(`${where}: an event ${JSON.stringify(event.event)}`)
    const id = Number(event.lastEventId)
    if (!Number.isSafeInteger(id) || id <= previous) throw new Error(`${where}: ids do not increase: ${previous} then ${event.lastEventId}`)
    previous = id
    JSON.parse(event.data)
  }
  if (!events.at(-1)?.data.includes(`"seq":${MARKER_SEQ}`)) throw new Error(`${where}: the stream did not end with the live marker event`)
}

/**
 * POST /v1/revocations with hostile bodies: mutations of a valid
 * certificate, noise, oversized and empty bodies, under the right and
 * wrong media types. Never a 5xx, every error an envelope, and a 200 only
 * for bytes that are a valid certificate.
 */
export const apiRevocationsTarget: FuzzTarget = {
  name: 'api-revocations',
  description: 'POST /v1/revocations bodies: mutated certificates, noise and sizes, under hostile content types (inject)',
  ciRuns: 400,
  async prepare () {
    const outcomes = new Outcomes()
    const c = await corpus()
    const { node } = await fakeNode()
    const api = createApiServer({ node, token: TOKEN })
    await api.app.ready()
    const valid = await createRevocation({ privateKey: c.peers[0].privateKey, mlDsaSigner: c.peers[0].mlDsaSigner, issuedAt: c.now - 60_000 })
    const validator = new RevocationValidator({ crypto: selectPqCrypto(), now: () => c.now })
    const property = fc.asyncProperty(
      hostileBytes([valid.bytes]),
      fc.oneof({ weight: 8, arbitrary: fc.constant(REVOCATION_CONTENT_TYPE) }, { weight: 2, arbitrary: fc.constantFrom('application/octet-stream', 'application/json', 'text/plain', '', 'application/vnd.keydir.revocation; charset=utf-8') }),
      async (body, contentType) => {
        const headers: Record<string, string> = { authorization: `Bearer ${TOKEN}` }
        if (contentType !== '') headers['content-type'] = contentType
        const res = await api.app.inject({ method: 'POST', url: '/v1/revocations', headers, payload: Buffer.from(body) })
        if (res.statusCode >= 500) throw new Error(`POST /v1/revocations answered ${res.statusCode}: ${res.body.slice(0, 300)}`)
        if (res.statusCode >= 400) checkErrorBody(res.statusCode, res.body, 'POST /v1/revocations')
        if (res.statusCode === 200) {
          try {
            validator.validate(unmarshalRevocation(body).peerId, body)
          } catch {
            throw new Error('POST /v1/revocations took bytes that are no valid certificate')
          }
        }
        outcomes.add(res.statusCode >= 400 ? `${res.statusCode} ${JSON.parse(res.body).error.code as string}` : String(res.statusCode))
        return true
      })
    return { property, outcomes, close: async () => { await api.close() } }
  }
}

/**
 * POST /v1/open, /v1/seal/{peerId}, /v1/sign and /v1/verify/{peerId} with
 * hostile bodies, content types and tokens, in front of the real envelope
 * and signature code (the envelope vectors' recipient as the node, the
 * two vector parties as its directory): mutated envelopes and noise to
 * open, mutated JSON to verify, every size. Never a 5xx, every error an
 * envelope, a 200 from open only for an envelope the sender sealed (its
 * message and sender, byte for byte), and nothing without the token but
 * verify.
 */
export const apiMessagesTarget: FuzzTarget = {
  name: 'api-messages',
  description: 'POST /v1/open, /v1/seal, /v1/sign, /v1/verify bodies: mutated envelopes and JSON, noise, content types and tokens, with the real envelope code (inject)',
  ciRuns: 400,
  async prepare () {
    const outcomes = new Outcomes()
    const crypto = selectPqCrypto()
    const { recipient, sender } = await envelopeParties(crypto)
    const envelopes = recipientEnvelopes(crypto, recipient, [recipient, sender])
    const vectors = await envelopeVectors(crypto) as { valid: Array<{ envelopeHex: string, dataHex: string }>, invalid: Array<{ envelopeHex: string | null, receiver?: unknown }> }
    const valid = vectors.valid.map(v => ({ envelope: Buffer.from(v.envelopeHex, 'hex'), data: Buffer.from(v.dataHex, 'hex') }))
    // Invalid only in a receiver state this node lacks (a retired key, a revoked sender, ...): the sender sealed them, so they may open here; their message is not in the file.
    const sealedForOtherStates = vectors.invalid.flatMap(v => v.receiver !== undefined && v.envelopeHex !== null ? [Buffer.from(v.envelopeHex, 'hex')] : [])
    const { node: base } = await fakeNode()
    const signature = sender.signer.sign(Buffer.from('fuzz'), new TextEncoder().encode(MESSAGE_SIGNATURE_CONTEXT))
    const node = Object.assign(base, {
      seal: async (peer: PeerId | string, data: Uint8Array) => envelopes.seal(peer, data),
      open: async (envelope: Uint8Array) => envelopes.open(envelope),
      sign: async (data: Uint8Array) => recipient.signer.sign(data, new TextEncoder().encode(MESSAGE_SIGNATURE_CONTEXT)),
      verify: async (_peer: PeerId | string, data: Uint8Array, sig: Uint8Array) => ({ valid: crypto.mlDsa65.verify(sender.signer.publicKey, data, sig, new TextEncoder().encode(MESSAGE_SIGNATURE_CONTEXT)), current: true, seq: 1 })
    })
    const api = createApiServer({ node, token: TOKEN })
    await api.app.ready()
    const verifyBody = Buffer.from(JSON.stringify({ data: Buffer.from('fuzz').toString('base64'), signature: Buffer.from(signature).toString('base64') }))
    const seeds = [...valid.map(v => v.envelope), ...vectors.invalid.flatMap(v => v.envelopeHex === null ? [] : [Buffer.from(v.envelopeHex, 'hex')]), verifyBody, Buffer.from('hello')]
    const paths = ['/v1/open', `/v1/seal/${sender.peerId.toString()}`, `/v1/seal/${recipient.peerId.toString()}`, '/v1/seal/x', '/v1/sign', `/v1/verify/${sender.peerId.toString()}`, '/v1/verify/%00']
    const property = fc.asyncProperty(
      hostileBytes(seeds, { maxNoise: 4096 }),
      fc.constantFrom(...paths),
      fc.oneof({ weight: 6, arbitrary: fc.constant('right') }, { weight: 2, arbitrary: fc.constantFrom('application/vnd.keydir.envelope', 'application/octet-stream', 'application/json', 'text/plain', '', 'application/vnd.keydir.envelope; charset=utf-8') }),
      fc.oneof({ weight: 6, arbitrary: fc.constant(`Bearer ${TOKEN}`) }, { weight: 1, arbitrary: fc.constantFrom(`Bearer ${TOKEN}x`, '') }),
      fc.constantFrom('application/json', 'application/octet-stream', '*/*', 'text/html', ''),
      async (body, path, type, authorization, accept) => {
        // Mostly the media type the route takes, so that bodies reach the code behind it.
        const contentType = type !== 'right' ? type : path === '/v1/open' ? 'application/vnd.keydir.envelope' : path.startsWith('/v1/verify/') ? 'application/json' : 'application/octet-stream'
        const headers: Record<string, string> = {}
        if (contentType !== '') headers['content-type'] = contentType
        if (authorization !== '') headers.authorization = authorization
        if (accept !== '') headers.accept = accept
        const res = await api.app.inject({ method: 'POST', url: path, headers, payload: Buffer.from(body) })
        const where = `POST ${path} (${contentType}, ${body.length} bytes)`
        if (res.statusCode >= 500) throw new Error(`${where} answered ${res.statusCode}: ${res.body.slice(0, 300)}`)
        if (res.statusCode >= 400 && res.statusCode !== 406) checkErrorBody(res.statusCode, res.body, where)
        if (res.statusCode === 200 && authorization !== `Bearer ${TOKEN}` && !path.startsWith('/v1/verify/')) throw new Error(`${where} answered 200 without the token`)
        if (res.statusCode === 200 && path === '/v1/open') {
          const sealed = valid.find(v => v.envelope.equals(Buffer.from(body)))
          if (sealed === undefined && !sealedForOtherStates.some(e => e.equals(Buffer.from(body)))) throw new Error(`${where} opened bytes that are not an envelope the sender sealed`)
          const data = res.headers['content-type']?.toString().startsWith('application/json') === true ? Buffer.from(JSON.parse(res.body).data, 'base64') : res.rawPayload
          if (sealed !== undefined && !data.equals(sealed.data)) throw new Error(`${where} opened to other data`)
        }
        outcomes.add(`${path.split('/').slice(0, 3).join('/')}: ${res.statusCode >= 400 && res.statusCode !== 406 ? `${res.statusCode} ${JSON.parse(res.body).error.code as string}` : res.statusCode}`)
        return true
      })
    return { property, outcomes, close: async () => { await api.close() } }
  }
}
