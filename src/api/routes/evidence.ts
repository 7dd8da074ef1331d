import { negotiate } from '../accept.js'
import { ApiError, toApiError } from '../errors.js'
import { EQUIVOCATION_CONTENT_TYPE, evidenceJson, type EvidenceJson } from '../json.js'
import { checkQuery } from '../query.js'
import { MAX_EVIDENCE_BYTES } from '../../record/index.js'
import { bearerAuthorization } from './admin.js'
import { requestSignal, type RouteContext } from './context.js'
import { parsePeerIdParam } from './keys.js'
import type { FastifyInstance } from 'fastify'

const JSON_CONTENT_TYPE = 'application/json'

/**
 * Equivocation proofs: `GET /v1/evidence` (every proof held),
 * `GET /v1/evidence/{peerId}` (the proof about one peer, as JSON or, under
 * `Accept: application/vnd.keydir.equivocation`, its bytes; 404
 * ERR_NO_EVIDENCE when this node holds none), and `POST /v1/evidence` (a
 * proof's bytes, token-authenticated like `POST /v1/revocations`).
 */
export function registerEvidenceRoutes (app: FastifyInstance, ctx: RouteContext): void {
  app.get('/v1/evidence', async (request): Promise<{ evidence: EvidenceJson[] }> => {
    checkQuery(request.query, [])
    const evidence = ctx.node.listEvidence().map(evidenceJson)
    return { evidence: evidence.sort((a, b) => a.peerId < b.peerId ? -1 : a.peerId > b.peerId ? 1 : 0) }
  })

  app.get<{ Params: { peerId: string } }>('/v1/evidence/:peerId', async (request, reply) => {
    const peerId = parsePeerIdParam(request.params.peerId)
    checkQuery(request.query, [])
    const type = negotiate(request.headers.accept, [JSON_CONTENT_TYPE, EQUIVOCATION_CONTENT_TYPE])
    if (type === undefined) {
      throw new ApiError(406, 'ERR_NOT_ACCEPTABLE', `this endpoint answers ${JSON_CONTENT_TYPE} or ${EQUIVOCATION_CONTENT_TYPE}`)
    }
    const proof = ctx.node.getEvidence(peerId)
    if (proof === undefined) {
      throw new ApiError(404, 'ERR_NO_EVIDENCE', `this node holds no proof that ${peerId.toString()} equivocated`)
    }
    reply.header('vary', 'Accept')
    if (type === EQUIVOCATION_CONTENT_TYPE) {
      return reply.type(EQUIVOCATION_CONTENT_TYPE).send(Buffer.from(proof.bytes.buffer, proof.bytes.byteOffset, proof.bytes.byteLength))
    }
    return reply.type('application/json; charset=utf-8').send(evidenceJson(proof))
  })

  // Binary, and at most two records: its own media type, and a body limit of its size cap.
  app.addContentTypeParser(EQUIVOCATION_CONTENT_TYPE, { parseAs: 'buffer', bodyLimit: MAX_EVIDENCE_BYTES }, (_request, body, done) => { done(null, body) })

  app.post('/v1/evidence', { onRequest: bearerAuthorization(ctx), bodyLimit: MAX_EVIDENCE_BYTES, config: { bodyType: EQUIVOCATION_CONTENT_TYPE } }, async (request, reply): Promise<EvidenceJson> => {
    checkQuery(request.query, [])
    if (!Buffer.isBuffer(request.body) || request.body.length === 0) {
      throw new ApiError(400, 'ERR_NO_EVIDENCE', `the body must be an equivocation proof's bytes, as Content-Type: ${EQUIVOCATION_CONTENT_TYPE}`)
    }
    try {
      return evidenceJson(await ctx.node.submitEvidence(new Uint8Array(request.body), { signal: requestSignal(reply, ctx.shutdownSignal) }))
    } catch (err) {
      throw toApiError(err, ctx.closing())
    }
  })
}
