import { ApiError } from '../errors.js'
import { checkQuery } from '../query.js'
import { bearerAuthorization } from './admin.js'
import type { RouteContext } from './context.js'
import type { FastifyInstance } from 'fastify'

export interface ShutdownJson {
  stopping: true
  /** The process that is stopping, for a client to wait for its exit. */
  pid: number
}

/**
 * `POST /v1/shutdown` (bearer token): what `keydir stop` sends. Answers 202
 * and, once the answer is out, calls `requestShutdown`, which stops the
 * daemon exactly as SIGTERM does (the API closes, in-flight requests finish,
 * the node stops). An API server given no `requestShutdown` (one a library
 * user built over their own node) cannot stop its process: 501.
 */
export function registerShutdownRoute (app: FastifyInstance, ctx: RouteContext, requestShutdown: (() => void) | undefined): void {
  app.post('/v1/shutdown', { onRequest: bearerAuthorization(ctx) }, async (request, reply): Promise<ShutdownJson> => {
    checkQuery(request.query, [])
    if (requestShutdown === undefined) {
      throw new ApiError(501, 'ERR_SHUTDOWN_UNAVAILABLE', 'this API server was not started by `keydir start` and cannot stop its process: stop it the way it was started')
    }
    ctx.logger.info({}, 'shutdown requested through the API (keydir stop)')
    // After the answer has gone (or the client left): closing the API first would cut this very request.
    reply.raw.once('close', requestShutdown)
    void reply.code(202)
    return { stopping: true, pid: process.pid }
  })
}
