import { isTrustLevel, TRUST_LEVELS, type ListPeersFilter } from '../../registry/index.js'
import { ApiError, toApiError } from '../errors.js'
import { peerJson, type PeerJson } from '../json.js'
import { booleanParam, checkQuery } from '../query.js'
import type { RouteContext } from './context.js'
import type { FastifyInstance } from 'fastify'

/** `GET /v1/peers[?trust=anchor][&verified=true]`: the peers in the registry and their trust. */
export function registerPeersRoute (app: FastifyInstance, ctx: RouteContext): void {
  app.get('/v1/peers', async (request): Promise<{ peers: PeerJson[] }> => {
    const query = checkQuery(request.query, ['trust', 'verified'])
    const filter: ListPeersFilter = {}
    if (query.trust !== undefined) {
      if (!isTrustLevel(query.trust)) {
        throw new ApiError(400, 'ERR_BAD_PARAM', `query parameter trust must be one of ${TRUST_LEVELS.join(', ')}, got ${JSON.stringify(query.trust.slice(0, 64))}`)
      }
      filter.trust = query.trust
    }
    if (query.verified !== undefined) filter.verified = booleanParam(query, 'verified', false)

    let entries
    try {
      entries = await ctx.node.registry.listPeers(filter)
    } catch (err) {
      throw toApiError(err, ctx.closing())
    }
    const peers = entries.map(peerJson)
    peers.sort((a, b) => a.peerId < b.peerId ? -1 : a.peerId > b.peerId ? 1 : 0)
    return { peers }
  })
}
