import { checkQuery } from '../query.js'
import type { RouteContext } from './context.js'
import type { FastifyInstance } from 'fastify'

/** `GET /metrics`: every keydir metric and libp2p's own, in Prometheus text format. */
export function registerMetricsRoute (app: FastifyInstance, ctx: RouteContext): void {
  app.get('/metrics', async (request, reply) => {
    checkQuery(request.query, [])
    const registry = ctx.node.metrics.registry
    const text = await registry.metrics()
    return reply.type(registry.contentType).send(text)
  })
}
