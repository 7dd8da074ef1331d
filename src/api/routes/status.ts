import { toApiError } from '../errors.js'
import { statusJson, type StatusJson } from '../json.js'
import { checkQuery } from '../query.js'
import type { RouteContext } from './context.js'
import type { FastifyInstance } from 'fastify'

/** `GET /v1/status`: own PeerId, full multiaddrs, DHT size, counts, and this node's anchor entry. */
export function registerStatusRoute (app: FastifyInstance, ctx: RouteContext): void {
  app.get('/v1/status', async (request): Promise<StatusJson> => {
    checkQuery(request.query, [])
    try {
      return statusJson(await ctx.node.status(), ctx.node.anchorEntry())
    } catch (err) {
      throw toApiError(err, ctx.closing())
    }
  })
}
