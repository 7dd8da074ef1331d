import { ApiError } from '../errors.js'
import { DEFAULT_EVENT_LOG_SIZE, EventLog, parseEventId, type LoggedEvent } from '../event-log.js'
import { apiProof, CHALLENGE_HEADER, parseChallenge, PROOF_HEADER } from '../proof.js'
import { checkQuery } from '../query.js'
import type { RouteContext } from './context.js'
import type { KeyChangeDetail } from '../../node/types.js'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { ServerResponse } from 'node:http'

const second = 1000
/** Event streams open at once, at most; more are refused with 503 ERR_TOO_MANY_STREAMS. */
export const DEFAULT_MAX_EVENT_STREAMS = 32
/** A comment line this often keeps proxies and idle timeouts from cutting a quiet stream. */
export const DEFAULT_KEEP_ALIVE_MS = 15 * second
/** A client that lets this much go unread is cut off (it may resume with Last-Event-ID). */
export const MAX_UNSENT_BYTES = 256 * 1024
/** What a refused client is told to wait before it tries again, in seconds. */
const RETRY_AFTER_S = 5

export interface EventStreamLimits {
  /** Default 32. */
  maxStreams?: number
  /** Recent events kept for resuming. Default 1024. */
  bufferSize?: number
  /** Default 15 s. */
  keepAliveMs?: number
}

/** The JSON of one event's `data:` line. */
export interface KeyChangeJson {
  peerId: string
  change: KeyChangeDetail['change']
  seq: number
  /** When this node saw the change, Unix milliseconds. */
  at: number
}

/**
 * `GET /v1/events[?after=ID]`: the node's key-change events as Server-Sent
 * Events. Each is `id: <n>`, `event: key-change` and one `data:` line of
 * JSON (KeyChangeJson). A client that sends `Last-Event-ID` (or, at first,
 * `?after=`) gets the events after that id again from the ring of recent
 * ones (EventLog), preceded by an `event: missed` notice when some are no
 * longer known. A comment line every keepAliveMs keeps the stream open;
 * the stream ends when the node stops, the API closes or the client goes.
 */
export function registerEventsRoute (app: FastifyInstance, ctx: RouteContext, limits: EventStreamLimits = {}): void {
  const maxStreams = limits.maxStreams ?? DEFAULT_MAX_EVENT_STREAMS
  const keepAliveMs = limits.keepAliveMs ?? DEFAULT_KEEP_ALIVE_MS
  const log = new EventLog(limits.bufferSize ?? DEFAULT_EVENT_LOG_SIZE)
  const streams = new Set<ServerResponse>()
  let nodeStopped = false

  const endAll = (): void => {
    for (const res of streams) res.end()
    streams.clear()
  }
  const onKeyChange = (evt: CustomEvent<KeyChangeDetail>): void => {
    const { peerId, change, seq } = evt.detail
    const json: KeyChangeJson = { peerId: peerId.toString(), change, seq, at: Date.now() }
    const frame = eventFrame(log.append(JSON.stringify(json)))
    for (const res of streams) send(res, frame)
  }
  const onStop = (): void => {
    nodeStopped = true
    endAll()
  }
  ctx.node.addEventListener('key-change', onKeyChange)
  ctx.node.addEventListener('stop', onStop)
  // Streams never finish by themselves: end them before the server waits for in-flight requests.
  app.addHook('preClose', done => { endAll(); done() })
  app.addHook('onClose', (_instance, done) => {
    ctx.node.removeEventListener('key-change', onKeyChange)
    ctx.node.removeEventListener('stop', onStop)
    done()
  })

  const send = (res: ServerResponse, text: string): void => {
    if (res.destroyed) return
    res.write(text)
    if (res.writableLength > MAX_UNSENT_BYTES) {
      ctx.logger.debug({ unsent: res.writableLength }, 'event stream client does not read: cut off')
      res.destroy()
    }
  }

  app.get('/v1/events', async (request: FastifyRequest, reply: FastifyReply) => {
    const query = checkQuery(request.query, ['after'])
    const raw = request.headers['last-event-id']
    // Node joins a repeated header with ", ", which is no event id.
    const header = Array.isArray(raw) ? raw.join(', ') : raw
    // EventSource sends the header when it reconnects, to the URL it first had: the header is the newer position.
    const after = header !== undefined && header !== ''
      ? eventIdParam(header, 'the Last-Event-ID header')
      : query.after === undefined ? undefined : eventIdParam(query.after, 'query parameter after')
    if (nodeStopped) throw new ApiError(503, 'ERR_SHUTTING_DOWN', 'the node has stopped: try again when it is back')
    if (streams.size >= maxStreams) {
      reply.header('retry-after', String(RETRY_AFTER_S))
      throw new ApiError(503, 'ERR_TOO_MANY_STREAMS', `this node serves at most ${maxStreams} event streams at once: try again later`)
    }

    const headers: Record<string, string> = {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
      // A proxy must pass each event on as it comes (nginx buffers otherwise).
      'x-accel-buffering': 'no',
      // One stream per connection: once it ends, the connection goes too (and does not hold up a shutdown).
      connection: 'close'
    }
    const challenge = parseChallenge(request.headers[CHALLENGE_HEADER])
    if (challenge !== undefined && ctx.token !== undefined && request.method !== 'HEAD') {
      // The events are not known when the headers go: the proof covers an empty body, and the events follow on this connection.
      headers[PROOF_HEADER] = apiProof(ctx.token, { challenge, method: request.method, target: request.raw.url ?? '', status: 200, body: '' })
    }
    reply.hijack()
    const res = reply.raw
    res.writeHead(200, headers)
    if (request.method === 'HEAD') {
      res.end()
      return
    }
    res.flushHeaders()
    streams.add(res)
    const keepAlive = setInterval(() => { send(res, ': keep-alive\n\n') }, keepAliveMs)
    keepAlive.unref()
    res.once('close', () => {
      clearInterval(keepAlive)
      streams.delete(res)
    })
    if (after !== undefined) {
      const replay = log.since(after)
      let text = ''
      if (replay.missed !== undefined) text += missedFrame(after, replay.missed, replay.floor)
      for (const event of replay.events) text += eventFrame(event)
      if (text !== '') send(res, text)
    }
  })
}

function eventIdParam (value: string, what: string): number {
  const id = parseEventId(value)
  if (id === undefined) {
    throw new ApiError(400, 'ERR_BAD_EVENT_ID', `${what} must be an event id (an integer of up to 16 digits), got ${JSON.stringify(value.slice(0, 64))}`)
  }
  return id
}

function eventFrame (event: LoggedEvent): string {
  return `id: ${event.id}\nevent: key-change\ndata: ${event.data}\n\n`
}

/**
 * Tells a resuming client that events after its id are gone. It carries
 * the id just before the first event replayed, so the client's next
 * Last-Event-ID is one of this run's.
 */
function missedFrame (after: number, reason: 'restart' | 'buffer', floor: number): string {
  return `id: ${floor}\nevent: missed\ndata: ${JSON.stringify({ lastEventId: String(after), reason })}\n\n`
}
