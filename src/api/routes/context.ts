import type { KeyDirectory } from '../../node/types.js'
import type { KeydirLogger } from '../../util/log.js'
import type { FastifyReply } from 'fastify'

/** What every route handler is given. */
export interface RouteContext {
  node: KeyDirectory
  logger: KeydirLogger
  /** The bearer token of the state-changing endpoints; undefined turns them off. */
  token: string | undefined
  /** Aborted when the server gives up waiting for in-flight requests at shutdown. */
  shutdownSignal: AbortSignal
  closing: () => boolean
}

/** A signal that aborts when the client goes away or the server stops waiting. */
export function requestSignal (reply: FastifyReply, shutdownSignal: AbortSignal): AbortSignal {
  const controller = new AbortController()
  reply.raw.once('close', () => {
    if (!reply.raw.writableFinished) controller.abort(new DOMException('the client closed the connection', 'AbortError'))
  })
  return AbortSignal.any([controller.signal, shutdownSignal])
}
