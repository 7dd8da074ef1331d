import { ApiError, toApiError } from '../errors.js'
import { ownRecordJson, type OwnRecordJson } from '../json.js'
import { checkQuery } from '../query.js'
import { tokenMatches } from '../token.js'
import { requestSignal, type RouteContext } from './context.js'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'

/**
 * The state-changing endpoints, `POST /v1/publish` and `POST /v1/rotate`.
 * Each needs `Authorization: Bearer <token>` with the token from
 * `<dataDir>/api.token`; without a token they are off (403).
 */
export function registerAdminRoutes (app: FastifyInstance, ctx: RouteContext): void {
  const authorize = async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
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

  app.post('/v1/publish', { preHandler: authorize }, async (request, reply): Promise<OwnRecordJson> => {
    checkQuery(request.query, [])
    try {
      return ownRecordJson(await ctx.node.publish({ signal: requestSignal(reply, ctx.shutdownSignal) }))
    } catch (err) {
      throw toApiError(err, ctx.closing())
    }
  })

  app.post('/v1/rotate', { preHandler: authorize }, async (request): Promise<OwnRecordJson> => {
    checkQuery(request.query, [])
    try {
      // A rotation must not be abandoned half way because the client left.
      return ownRecordJson(await ctx.node.rotate({ signal: ctx.shutdownSignal }))
    } catch (err) {
      throw toApiError(err, ctx.closing())
    }
  })
}
