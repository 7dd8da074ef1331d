import { negotiate } from '../accept.js'
import { ApiError, toApiError } from '../errors.js'
import { keysJsonBody } from '../json.js'
import { parsePeerId } from '../../resolver/index.js'
import { booleanParam, checkQuery } from '../query.js'
import { requestSignal, type RouteContext } from './context.js'
import type { PeerId } from '@libp2p/interface'
import type { FastifyInstance } from 'fastify'

/** The signed key record itself, as `Accept: application/vnd.keydir.key-record` asks for it. */
export const KEY_RECORD_CONTENT_TYPE = 'application/vnd.keydir.key-record'
const JSON_CONTENT_TYPE = 'application/json'
/** Longest PeerId string accepted (an Ed25519 PeerId is 52 characters, its CID form 62). */
export const MAX_PEER_ID_LENGTH = 128

export function parsePeerIdParam (value: string): PeerId {
  if (value.length === 0 || value.length > MAX_PEER_ID_LENGTH) {
    throw new ApiError(400, 'ERR_BAD_PEER_ID', 'the path must end in a PeerId, such as /v1/keys/12D3KooW…')
  }
  try {
    // The resolver's parser: it remembers the strings it has parsed.
    return parsePeerId(value)
  } catch {
    throw new ApiError(400, 'ERR_BAD_PEER_ID', `${JSON.stringify(value)} is not a valid PeerId`)
  }
}

/**
 * `GET /v1/keys/{peerId}[?refresh=true]`: the peer's verified keys as JSON,
 * or the signed record's bytes under `Accept: application/vnd.keydir.key-record`.
 */
export function registerKeysRoute (app: FastifyInstance, ctx: RouteContext): void {
  app.get<{ Params: { peerId: string } }>('/v1/keys/:peerId', async (request, reply) => {
    const peerId = parsePeerIdParam(request.params.peerId)
    const query = checkQuery(request.query, ['refresh'])
    const refresh = booleanParam(query, 'refresh', false)
    const type = negotiate(request.headers.accept, [JSON_CONTENT_TYPE, KEY_RECORD_CONTENT_TYPE])
    if (type === undefined) {
      throw new ApiError(406, 'ERR_NOT_ACCEPTABLE', `this endpoint answers ${JSON_CONTENT_TYPE} or ${KEY_RECORD_CONTENT_TYPE}`)
    }

    let keys
    try {
      keys = await ctx.node.resolve(peerId, { refresh, signal: requestSignal(reply, ctx.shutdownSignal) })
    } catch (err) {
      throw toApiError(err, ctx.closing())
    }

    reply.header('vary', 'Accept')
    if (type === KEY_RECORD_CONTENT_TYPE) {
      const bytes = keys.record.bytes
      return reply.type(KEY_RECORD_CONTENT_TYPE).send(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength))
    }
    return reply.type('application/json; charset=utf-8').send(keysJsonBody(keys))
  })
}
