import { isTrustLevel, TRUST_LEVELS, type ListPeersFilter } from '../../registry/index.js'
import { ApiError, toApiError } from '../errors.js'
import { peerJson, revocationJson, type PeerJson, type RevocationJson } from '../json.js'
import { booleanParam, checkQuery } from '../query.js'
import type { RouteContext } from './context.js'
import type { FastifyInstance } from 'fastify'

/** Peers in one answer at most, and by default. */
export const MAX_PEERS_PAGE = 1000

/**
 * `GET /v1/peers[?trust=anchor][&verified=true][&limit=N][&after=PEER_ID]`:
 * the peers in the registry, their trust and this node's score of them, in
 * PeerId order, a page at a time: `next`, when present, is the `after` of
 * the next page.
 */
export function registerPeersRoute (app: FastifyInstance, ctx: RouteContext): void {
  app.get('/v1/peers', async (request): Promise<{ peers: PeerJson[], next?: string }> => {
    const query = checkQuery(request.query, ['trust', 'verified', 'limit', 'after'])
    const filter: ListPeersFilter = {}
    if (query.trust !== undefined) {
      if (!isTrustLevel(query.trust)) {
        throw new ApiError(400, 'ERR_BAD_PARAM', `query parameter trust must be one of ${TRUST_LEVELS.join(', ')}, got ${JSON.stringify(query.trust.slice(0, 64))}`)
      }
      filter.trust = query.trust
    }
    if (query.verified !== undefined) filter.verified = booleanParam(query, 'verified', false)
    const limit = query.limit === undefined ? MAX_PEERS_PAGE : pageLimit(query.limit)
    if (query.after !== undefined) filter.after = query.after

    let entries
    try {
      // One more than the page, to know whether another page follows.
      entries = await ctx.node.listPeers({ ...filter, limit: limit + 1 })
    } catch (err) {
      throw toApiError(err, ctx.closing())
    }
    const peers = entries.slice(0, limit).map(entry => peerJson(entry, ctx.node.reputation.score(entry.record.peerId)))
    return entries.length > limit ? { peers, next: peers[peers.length - 1]?.peerId } : { peers }
  })
}

/**
 * `GET /v1/revocations`: the revocations this node holds, kept for good
 * (peers whose keys must not be used), in PeerId order; few, so not paged.
 */
export function registerRevocationsRoute (app: FastifyInstance, ctx: RouteContext): void {
  app.get('/v1/revocations', async (request): Promise<{ revocations: RevocationJson[] }> => {
    checkQuery(request.query, [])
    const revocations = ctx.node.listRevocations().map(revocationJson)
    return { revocations: revocations.sort((a, b) => a.peerId < b.peerId ? -1 : a.peerId > b.peerId ? 1 : 0) }
  })
}

function pageLimit (value: string): number {
  const limit = /^[0-9]{1,4}$/.test(value) ? Number(value) : NaN
  if (!(limit >= 1 && limit <= MAX_PEERS_PAGE)) {
    throw new ApiError(400, 'ERR_BAD_PARAM', `query parameter limit must be an integer from 1 to ${MAX_PEERS_PAGE}, got ${JSON.stringify(value.slice(0, 64))}`)
  }
  return limit
}
