import { checkQuery } from '../query.js'
import type { RouteContext } from './context.js'
import type { FastifyInstance } from 'fastify'

/** `GET /healthz`: 200 `{ "status": "ok" }` while the node serves, 503 while it shuts down. */
export function registerHealthRoute (app: FastifyInstance, ctx: RouteContext): void {
  app.get('/healthz', async (request, reply) => {
    checkQuery(request.query, [])
    if (ctx.closing()) return reply.status(503).send({ status: 'stopping' })
    return { status: 'ok' }
  })
}
