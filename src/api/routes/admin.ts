import { ApiError, toApiError } from '../errors.js'
import { MAX_REVOCATION_BYTES, REVOCATION_REASONS, type RevocationReason } from '../../record/index.js'
import { ownRecordJson, revocationJson, REVOCATION_CONTENT_TYPE, type OwnRecordJson, type RevocationJson } from '../json.js'
import { checkQuery } from '../query.js'
import { tokenMatches } from '../token.js'
import { requestSignal, type RouteContext } from './context.js'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'

/**
 * The state-changing endpoints: `POST /v1/publish`, `POST /v1/rotate`,
 * `POST /v1/revoke` (this node's identity) and `POST /v1/revocations` (a
 * peer's certificate). Each needs `Authorization: Bearer <token>` with the
 * token from `<dataDir>/api.token`; without a token they are off (403).
 */
export function registerAdminRoutes (app: FastifyInstance, ctx: RouteContext): void {
  const authorize = bearerAuthorization(ctx)

  app.post('/v1/publish', { onRequest: authorize }, async (request, reply): Promise<OwnRecordJson> => {
    checkQuery(request.query, [])
    try {
      return ownRecordJson(await ctx.node.publish({ signal: requestSignal(reply, ctx.shutdownSignal) }))
    } catch (err) {
      throw toApiError(err, ctx.closing())
    }
  })

  // A revocation certificate is binary, and a few KB: its own media type, and a body limit of its size cap.
  app.addContentTypeParser(REVOCATION_CONTENT_TYPE, { parseAs: 'buffer', bodyLimit: MAX_REVOCATION_BYTES }, (_request, body, done) => { done(null, body) })

  app.post('/v1/revoke', { onRequest: authorize }, async (request): Promise<RevocationJson> => {
    const query = checkQuery(request.query, ['reason'])
    const reason = query.reason === undefined ? undefined : revocationReason(query.reason)
    try {
      // Like a rotation, never abandoned half way because the client left.
      return revocationJson(await ctx.node.revoke({ reason, signal: ctx.shutdownSignal }))
    } catch (err) {
      throw toApiError(err, ctx.closing())
    }
  })

  app.post('/v1/revocations', { onRequest: authorize, bodyLimit: MAX_REVOCATION_BYTES, config: { bodyType: REVOCATION_CONTENT_TYPE } }, async (request, reply): Promise<RevocationJson> => {
    checkQuery(request.query, [])
    if (!Buffer.isBuffer(request.body) || request.body.length === 0) {
      throw new ApiError(400, 'ERR_NO_CERTIFICATE', `the body must be a revocation certificate's bytes, as Content-Type: ${REVOCATION_CONTENT_TYPE}`)
    }
    try {
      return revocationJson(await ctx.node.publishRevocation(new Uint8Array(request.body), { signal: requestSignal(reply, ctx.shutdownSignal) }))
    } catch (err) {
      throw toApiError(err, ctx.closing())
    }
  })

  app.post('/v1/rotate', { onRequest: authorize }, async (request): Promise<OwnRecordJson> => {
    checkQuery(request.query, [])
    try {
      // A rotation must not be abandoned half way because the client left.
      return ownRecordJson(await ctx.node.rotate({ signal: ctx.shutdownSignal }))
    } catch (err) {
      throw toApiError(err, ctx.closing())
    }
  })
}

/** The onRequest hook of the state-changing endpoints (before the body is read, so a client without the token cannot make the node parse one): the data dir's API token as a bearer token, else 403 (no token) or 401. */
export function bearerAuthorization (ctx: RouteContext): (request: FastifyRequest, reply: FastifyReply) => Promise<void> {
  return async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    if (ctx.token === undefined) {
      throw new ApiError(403, 'ERR_WRITES_DISABLED', 'state-changing endpoints are off: the node has no API token (run `keydir init` to make one, then restart the node)')
    }
    const header = request.headers.authorization
    const match = typeof header === 'string' ? /^Bearer ([\x21-\x7e]{1,512})$/i.exec(header) : null
    if (match?.[1] === undefined || !tokenMatches(match[1], ctx.token)) {
      reply.header('www-authenticate', 'Bearer')
      throw new ApiError(401, 'ERR_UNAUTHORIZED', 'this endpoint needs Authorization: Bearer <the token in the data dir\'s api.token>')
    }
  }
}

function revocationReason (value: string): RevocationReason {
  if ((REVOCATION_REASONS as readonly string[]).includes(value)) return value as RevocationReason
  throw new ApiError(400, 'ERR_BAD_PARAM', `reason must be one of ${REVOCATION_REASONS.join(', ')}`)
}
