import { fastify, type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify'
import { silentLogger, type KeydirLogger } from '../util/log.js'
import { ApiError, bodyTooLarge, errorBody, isServerFault, methodNotAllowed, toApiError } from './errors.js'
import { hostAllowed, isLoopbackHost } from './host.js'
import { apiProof, CHALLENGE_HEADER, parseChallenge, PROOF_HEADER } from './proof.js'
import { MAX_QUERY_LENGTH } from './query.js'
import { displayPattern, endpointOf, RouteTable } from './route-table.js'
import { registerActivityRoute } from './routes/activity.js'
import { registerAdminRoutes } from './routes/admin.js'
import { registerEventsRoute, type EventStreamLimits } from './routes/events.js'
import { registerEvidenceRoutes } from './routes/evidence.js'
import { registerHealthRoute } from './routes/health.js'
import { MAX_PEER_ID_LENGTH, registerKeysRoute } from './routes/keys.js'
import { registerMessageRoutes } from './routes/messages.js'
import { registerMetricsRoute } from './routes/metrics.js'
import { registerPeersRoute, registerRevocationsRoute } from './routes/peers.js'
import { registerShutdownRoute } from './routes/shutdown.js'
import { registerStatusRoute } from './routes/status.js'
import { registerStatusPageRoutes } from './routes/status-page.js'
import type { RouteContext } from './routes/context.js'
import type { KeyDirectory } from '../node/types.js'
import type { Socket } from 'node:net'

const second = 1000
/** How long `close()` lets in-flight requests finish before it cuts them off. */
export const DEFAULT_CLOSE_TIMEOUT_MS = 5 * second
/** Bodies everywhere but the endpoints that raise their own limit (revocations, evidence, seal, open, sign, verify). */
const BODY_LIMIT = 1024
/** A whole request (headers and all) must arrive within this. */
const REQUEST_TIMEOUT_MS = 120 * second

export interface ApiServerInit {
  node: KeyDirectory
  /**
   * Bearer token for POST /v1/publish and /v1/rotate, and the key of the
   * Keydir-Proof header that answers a Keydir-Challenge (see proof.ts).
   * Without one those endpoints are off and answers carry no proof.
   */
  token?: string
  /** Request failures and the access log (debug). Default silent. */
  logger?: KeydirLogger
  /** Default 5 s. */
  closeTimeoutMs?: number
  /** `GET /v1/events`: streams at once (default 32), events kept for resuming (1024), keep-alive interval (15 s). */
  events?: EventStreamLimits
  /** Called once `POST /v1/shutdown` has answered 202: stop the daemon as SIGTERM does. Without it that endpoint answers 501. */
  requestShutdown?: () => void
}

export interface ApiServer {
  /** The fastify instance, for `inject()` in tests. */
  readonly app: FastifyInstance
  /** Listen and return the URL clients should use (`http://127.0.0.1:7357`). */
  listen (address: { host: string, port: number }): Promise<string>
  /**
   * Stop accepting, let in-flight requests finish for up to `closeTimeoutMs`,
   * then abort what is left and close every connection. Safe to call twice.
   */
  close (): Promise<void>
}

export { hostAllowed, isLoopbackHost }

/** Host headers already allowed, so the check costs one lookup; bounded, as any 127.x.y.z:port is allowed. */
const MAX_REMEMBERED_HOSTS = 64

/**
 * The keydir HTTP API over a KeyDirectory:
 *
 * - `GET /`: the status page for operators (no token; it reads the GETs below)
 * - `GET /v1/keys/{peerId}` (`?refresh=true`; `Accept: application/vnd.keydir.key-record` for the signed record)
 * - `GET /v1/peers` (`?trust=`, `?verified=`), `GET /v1/revocations`
 * - `GET /v1/evidence`, `GET /v1/evidence/{peerId}` (`Accept: application/vnd.keydir.equivocation` for the proof's bytes), `POST /v1/evidence` (bearer token)
 * - `GET /v1/status`, `GET /v1/activity` (counts for rates), `GET /metrics`, `GET /healthz`
 * - `GET /v1/events` (Server-Sent Events: key changes; `Last-Event-ID` resumes)
 * - `POST /v1/publish`, `POST /v1/rotate`, `POST /v1/shutdown` (bearer token)
 * - `POST /v1/seal/{peerId}`, `POST /v1/open`, `POST /v1/sign` (bearer token), `POST /v1/verify/{peerId}`
 *
 * Errors are `{ "error": { "code", "message" } }`; no stack ever reaches a client.
 * A request whose Host header is not one of the API's names (`hostAllowed`)
 * is refused with 421 ERR_HOST_NOT_ALLOWED; one without a Host header (HTTP/1.0)
 * or with an empty one is served, as no browser sends such a request.
 * A request with `Keydir-Challenge` gets its answer proved with `Keydir-Proof`
 * (proof.ts), so the CLI knows it talks to the node of its data dir.
 */
export function createApiServer (init: ApiServerInit): ApiServer {
  const logger = init.logger ?? silentLogger
  const closeTimeoutMs = init.closeTimeoutMs ?? DEFAULT_CLOSE_TIMEOUT_MS
  const shutdown = new AbortController()
  let closing = false
  let closed: Promise<void> | undefined
  /** The host `listen` was given; until then only loopback names are allowed. */
  let listenHost: string | undefined
  const allowedHosts = new Set<string>()
  /** Every route's path and methods, to answer 405 (with `Allow`) rather than 404 for a served path. */
  const routes = new RouteTable()
  const refuseHost = (host: string): ApiError => {
    init.node.metrics.apiRefusals.inc({ reason: 'ERR_HOST_NOT_ALLOWED' })
    return new ApiError(421, 'ERR_HOST_NOT_ALLOWED',
      `this API does not answer for the host ${JSON.stringify(host.slice(0, 100))}: ask for it by localhost, 127.0.0.1 or [::1]` +
      (listenHost !== undefined && !isLoopbackHost(listenHost) ? ` or ${listenHost.includes(':') ? `[${listenHost}]` : listenHost}` : ''))
  }

  const app = fastify({
    logger: false,
    bodyLimit: BODY_LIMIT,
    routerOptions: { maxParamLength: MAX_PEER_ID_LENGTH },
    requestTimeout: REQUEST_TIMEOUT_MS,
    // Our own onRequest hook answers 503 while closing, in the error envelope.
    return503OnClosing: false,
    forceCloseConnections: 'idle',
    frameworkErrors: (err, request, reply) => {
      // A URL fastify cannot decode (`/v1/keys/%ZZ`): under a PeerId route that takes this method, a bad PeerId.
      const route = routes.peerIdRoute(request.raw.url ?? '')
      const apiError = route !== undefined && route.methods.includes(request.method)
        ? badPeerIdPath(route.pattern)
        : new ApiError(400, 'ERR_BAD_REQUEST', err.message)
      sendError(reply, apiError)
    },
    clientErrorHandler: (err: NodeJS.ErrnoException, socket: Socket) => {
      if (err.code === 'ECONNRESET' || socket.destroyed) return
      const [status, code, message] = err.code === 'HPE_HEADER_OVERFLOW'
        ? [431, 'ERR_HEADERS_TOO_LARGE', 'the request line and headers are too large']
        : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
          ? [408, 'ERR_REQUEST_TIMEOUT', 'the request took too long to arrive']
          : [400, 'ERR_BAD_REQUEST', 'malformed HTTP request']
      const body = JSON.stringify(errorBody(code, message))
      if (socket.writable) {
        socket.write(`HTTP/1.1 ${status} ${status === 431 ? 'Request Header Fields Too Large' : status === 408 ? 'Request Timeout' : 'Bad Request'}\r\n` +
          `Content-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`)
      }
      socket.destroy()
    }
  })

  const ctx: RouteContext = {
    node: init.node,
    logger,
    token: init.token,
    shutdownSignal: shutdown.signal,
    closing: () => closing
  }

  // Callback hooks, not async ones: these run on every request, and an async hook costs a promise each.
  app.addHook('onRequest', (request, reply, done) => {
    reply.header('cache-control', 'no-store')
    reply.header('x-content-type-options', 'nosniff')
    const host = request.headers.host
    if (host !== undefined && host !== '' && !allowedHosts.has(host)) {
      if (!hostAllowed(host, listenHost)) {
        done(refuseHost(host))
        return
      }
      if (allowedHosts.size < MAX_REMEMBERED_HOSTS) allowedHosts.add(host)
    }
    const url = request.raw.url ?? ''
    if (closing && !url.startsWith('/healthz')) {
      reply.header('connection', 'close')
      done(new ApiError(503, 'ERR_SHUTTING_DOWN', 'the node is shutting down: try again when it is back'))
      return
    }
    const q = url.indexOf('?')
    if (q >= 0 && url.length - q - 1 > MAX_QUERY_LENGTH) {
      done(new ApiError(400, 'ERR_QUERY_TOO_LONG', `the query string is longer than ${MAX_QUERY_LENGTH} characters`))
      return
    }
    const challenge = request.headers[CHALLENGE_HEADER]
    if (challenge !== undefined && parseChallenge(challenge) === undefined) {
      init.node.metrics.apiRefusals.inc({ reason: 'ERR_BAD_CHALLENGE' })
      done(new ApiError(400, 'ERR_BAD_CHALLENGE', `the ${CHALLENGE_HEADER} header must be 32 random bytes in base64url (43 characters, no padding)`))
      return
    }
    done()
  })

  const token = init.token
  if (token !== undefined) {
    // Prove the answer to a Keydir-Challenge; the check above refused malformed ones.
    app.addHook('onSend', (request, reply, payload, done) => {
      const challenge = request.headers[CHALLENGE_HEADER]
      if (challenge === undefined || request.method === 'HEAD') {
        done(null, payload)
        return
      }
      const bytes = parseChallenge(challenge)
      const body = payload === null || payload === undefined ? '' : payload
      if (bytes !== undefined && (typeof body === 'string' || Buffer.isBuffer(body))) {
        reply.header(PROOF_HEADER, apiProof(token, { challenge: bytes, method: request.method, target: request.raw.url ?? '', status: reply.statusCode, body }))
      }
      done(null, payload)
    })
  }

  if (logger !== silentLogger) {
    app.addHook('onResponse', (request, reply, done) => {
      if (logger.isLevelEnabled?.('debug') === false) {
        done()
        return
      }
      logger.debug({ method: request.method, url: request.url.slice(0, 200), status: reply.statusCode, ms: Math.round(reply.elapsedTime) }, 'api request')
      done()
    })
  }

  app.setNotFoundHandler((request, reply) => {
    sendError(reply, noRoute(routes, request.method, request.url))
  })

  app.setErrorHandler((err: FastifyError | ApiError, request, reply) => {
    let apiError: ApiError
    if (err instanceof ApiError) {
      apiError = err
    } else if (typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 500) {
      apiError = fromFastifyError(err, request)
    } else {
      apiError = toApiError(err, closing)
    }
    if (isServerFault(apiError)) {
      logger.error({ err, method: request.method, url: request.url.slice(0, 200) }, 'api request failed')
    }
    sendError(reply, apiError)
  })

  // Before any route: the table must see them all.
  app.addHook('onRoute', route => { routes.add(route.method, route.url, route.config?.unlisted !== true) })
  registerKeysRoute(app, ctx)
  registerPeersRoute(app, ctx)
  registerRevocationsRoute(app, ctx)
  registerEvidenceRoutes(app, ctx)
  registerStatusRoute(app, ctx)
  registerActivityRoute(app, ctx)
  registerMetricsRoute(app, ctx)
  registerHealthRoute(app, ctx)
  registerAdminRoutes(app, ctx)
  registerMessageRoutes(app, ctx)
  registerEventsRoute(app, ctx, init.events)
  registerStatusPageRoutes(app)
  registerShutdownRoute(app, ctx, init.requestShutdown)

  return {
    app,
    async listen ({ host, port }) {
      listenHost = host
      allowedHosts.clear()
      await app.listen({ host, port })
      const address = app.server.address()
      if (address === null || typeof address === 'string') throw new Error('the API server has no TCP address')
      // Clients cannot connect to the unspecified address; give them loopback.
      const shown = address.address === '0.0.0.0' ? '127.0.0.1' : address.address === '::' ? '::1' : address.address
      return `http://${shown.includes(':') ? `[${shown}]` : shown}:${address.port}`
    },
    async close () {
      if (closed !== undefined) return closed
      closing = true
      const timer = setTimeout(() => {
        shutdown.abort(new DOMException('the API server is shutting down', 'AbortError'))
        // Give aborted handlers a moment to answer 503, then cut what is left.
        setTimeout(() => { app.server.closeAllConnections?.() }, 250).unref()
      }, closeTimeoutMs)
      timer.unref()
      closed = app.close().finally(() => { clearTimeout(timer) })
      return closed
    }
  }
}

/**
 * What a request no route took gets: 405 with `Allow` for a path the API
 * serves with other methods; for a path under a route that ends in a
 * PeerId (`/v1/keys/…`), 400 ERR_BAD_PEER_ID when the method is the
 * route's, else 405; 404 ERR_NO_ROUTE, listing the endpoints, otherwise.
 */
function noRoute (routes: RouteTable, method: string, url: string): ApiError {
  const path = (url.split('?')[0] ?? '').slice(0, 100)
  const methods = routes.methodsFor(url)
  if (methods !== undefined && !methods.includes(method)) return methodNotAllowed(method, path, methods)
  const peerIdRoute = routes.peerIdRoute(url)
  if (peerIdRoute !== undefined) {
    return peerIdRoute.methods.includes(method)
      ? badPeerIdPath(peerIdRoute.pattern)
      : methodNotAllowed(method, displayPattern(peerIdRoute.pattern), peerIdRoute.methods)
  }
  return new ApiError(404, 'ERR_NO_ROUTE', `no endpoint ${method} ${path}: the endpoints are ${routes.list()}`)
}

function badPeerIdPath (pattern: string): ApiError {
  return new ApiError(400, 'ERR_BAD_PEER_ID', `the path must end in a PeerId, such as ${displayPattern(pattern).replace('{peerId}', '12D3KooW…')}`)
}

function sendError (reply: FastifyReply, err: ApiError): void {
  for (const [name, value] of Object.entries(err.headers)) reply.header(name, value)
  void reply.status(err.statusCode).type('application/json; charset=utf-8').send(errorBody(err.code, err.message))
}

const FASTIFY_CODES: Record<string, [number, string]> = {
  FST_ERR_CTP_BODY_TOO_LARGE: [413, 'ERR_BODY_TOO_LARGE'],
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: [400, 'ERR_BAD_REQUEST'],
  FST_ERR_CTP_EMPTY_JSON_BODY: [400, 'ERR_BAD_REQUEST']
}

function fromFastifyError (err: FastifyError, request: FastifyRequest): ApiError {
  const bodyLimit = request.routeOptions.bodyLimit
  if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE' && bodyLimit !== undefined) return bodyTooLarge(bodyLimit, endpointOf(request))
  if (err.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') return unsupportedMediaType(request)
  const known = FASTIFY_CODES[err.code]
  if (known !== undefined) return new ApiError(known[0], known[1], err.message)
  return new ApiError(err.statusCode ?? 400, 'ERR_BAD_REQUEST', err.message)
}

/**
 * 415 for a body of a type no parser of this endpoint reads, saying what
 * to send: the type the route declares (`config.bodyType`), or no body for
 * a route that reads none.
 */
function unsupportedMediaType (request: FastifyRequest): ApiError {
  const got = (request.headers['content-type'] ?? '').split(';')[0]?.trim().slice(0, 100) ?? ''
  const wanted = request.routeOptions.config.bodyType
  const hint = wanted === undefined ? 'send the request without a body' : `send it as Content-Type: ${wanted}`
  return new ApiError(415, 'ERR_UNSUPPORTED_MEDIA_TYPE', `${endpointOf(request)} does not read a body of type ${JSON.stringify(got)}: ${hint}`)
}
