import { ML_DSA_65 } from '../../crypto/index.js'
import { MAX_ENVELOPE_BYTES, MAX_SEALED_DATA } from '../../envelope/constants.js'
import { negotiate } from '../accept.js'
import { ApiError, bodyTooLarge, toApiError } from '../errors.js'
import { endpointOf } from '../route-table.js'
import {
  base64, ENVELOPE_CONTENT_TYPE, FROM_HEADER, OCTET_STREAM, openedJson,
  type OpenedJson, type SignatureCheckJson, type SignatureJson, type VerifyRequestJson
} from '../json.js'
import { checkQuery } from '../query.js'
import { bearerAuthorization } from './admin.js'
import { requestSignal, type RouteContext } from './context.js'
import { parsePeerIdParam } from './keys.js'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'

const JSON_CONTENT_TYPE = 'application/json'

/** The largest message `POST /v1/sign` and `POST /v1/verify/{peerId}` take: 1 MiB, as an envelope holds (sign a larger file's hash). */
export const MAX_SIGNED_DATA = MAX_SEALED_DATA

/** Base64 length of n bytes, padded. */
function base64Length (bytes: number): number {
  return Math.ceil(bytes / 3) * 4
}

/** `POST /v1/verify/{peerId}`'s JSON body at most: the message and the signature in base64, and room for the JSON around them. */
export const MAX_VERIFY_BODY = base64Length(MAX_SIGNED_DATA) + base64Length(ML_DSA_65.signature) + 1024

/**
 * Using the keys: `POST /v1/seal/{peerId}`, `POST /v1/open` and
 * `POST /v1/sign` (bearer token: they use this node's private keys), and
 * `POST /v1/verify/{peerId}` (no token: public keys only).
 *
 * Registered in a scope of their own, so their media types (raw bytes) and
 * body limits (1 MiB) are theirs alone: every other endpoint still reads
 * at most 1 KB and refuses these types with 415. The token and the body's
 * type and declared length are checked before the body is read.
 */
export function registerMessageRoutes (app: FastifyInstance, ctx: RouteContext): void {
  void app.register(async scope => {
    const authorize = bearerAuthorization(ctx)
    // No parser-wide limit: each route's bodyLimit sets its own.
    scope.addContentTypeParser(OCTET_STREAM, { parseAs: 'buffer' }, (_request, body, done) => { done(null, body) })
    scope.addContentTypeParser(ENVELOPE_CONTENT_TYPE, { parseAs: 'buffer' }, (_request, body, done) => { done(null, body) })

    scope.post<{ Params: { peerId: string } }>('/v1/seal/:peerId', {
      onRequest: [authorize, expectBody(OCTET_STREAM, MAX_SEALED_DATA, 'the message to seal')],
      bodyLimit: MAX_SEALED_DATA
    }, async (request, reply) => {
      const peerId = parsePeerIdParam(request.params.peerId)
      checkQuery(request.query, [])
      if (negotiate(request.headers.accept, [ENVELOPE_CONTENT_TYPE]) === undefined) {
        throw new ApiError(406, 'ERR_NOT_ACCEPTABLE', `this endpoint answers ${ENVELOPE_CONTENT_TYPE}`)
      }
      let envelope
      try {
        envelope = await ctx.node.seal(peerId, bodyBytes(request.body), { signal: requestSignal(reply, ctx.shutdownSignal) })
      } catch (err) {
        throw toApiError(err, ctx.closing())
      }
      return reply.type(ENVELOPE_CONTENT_TYPE).send(asBuffer(envelope))
    })

    scope.post('/v1/open', {
      onRequest: [authorize, expectBody(ENVELOPE_CONTENT_TYPE, MAX_ENVELOPE_BYTES, 'the envelope')],
      bodyLimit: MAX_ENVELOPE_BYTES
    }, async (request, reply) => {
      checkQuery(request.query, [])
      const type = negotiate(request.headers.accept, [JSON_CONTENT_TYPE, OCTET_STREAM])
      if (type === undefined) throw new ApiError(406, 'ERR_NOT_ACCEPTABLE', `this endpoint answers ${JSON_CONTENT_TYPE} or ${OCTET_STREAM}`)
      const envelope = bodyBytes(request.body)
      if (envelope.length === 0) {
        throw new ApiError(400, 'ERR_NO_ENVELOPE', `the body must be an envelope's bytes, as Content-Type: ${ENVELOPE_CONTENT_TYPE}`)
      }
      let opened
      try {
        opened = await ctx.node.open(envelope, { signal: requestSignal(reply, ctx.shutdownSignal) })
      } catch (err) {
        throw toApiError(err, ctx.closing())
      }
      reply.header('vary', 'Accept')
      if (type === OCTET_STREAM) {
        return reply.header(FROM_HEADER, opened.from.toString()).type(OCTET_STREAM).send(asBuffer(opened.data))
      }
      return reply.type('application/json; charset=utf-8').send(openedJson(opened) satisfies OpenedJson)
    })

    scope.post('/v1/sign', {
      onRequest: [authorize, expectBody(OCTET_STREAM, MAX_SIGNED_DATA, 'the message to sign')],
      bodyLimit: MAX_SIGNED_DATA
    }, async (request, reply) => {
      checkQuery(request.query, [])
      const type = negotiate(request.headers.accept, [JSON_CONTENT_TYPE, OCTET_STREAM])
      if (type === undefined) throw new ApiError(406, 'ERR_NOT_ACCEPTABLE', `this endpoint answers ${JSON_CONTENT_TYPE} or ${OCTET_STREAM}`)
      let signature
      try {
        signature = await ctx.node.sign(bodyBytes(request.body))
      } catch (err) {
        throw toApiError(err, ctx.closing())
      }
      reply.header('vary', 'Accept')
      if (type === OCTET_STREAM) return reply.type(OCTET_STREAM).send(asBuffer(signature))
      return reply.type('application/json; charset=utf-8').send({ peerId: ctx.node.peerId.toString(), signature: base64(signature) } satisfies SignatureJson)
    })

    scope.post<{ Params: { peerId: string } }>('/v1/verify/:peerId', {
      onRequest: expectBody(JSON_CONTENT_TYPE, MAX_VERIFY_BODY, 'JSON { "data", "signature" } in base64'),
      bodyLimit: MAX_VERIFY_BODY
    }, async (request, reply): Promise<SignatureCheckJson> => {
      const peerId = parsePeerIdParam(request.params.peerId)
      checkQuery(request.query, [])
      const { data, signature } = verifyRequest(request.body)
      try {
        const check = await ctx.node.verify(peerId, data, signature, { signal: requestSignal(reply, ctx.shutdownSignal) })
        return { valid: check.valid, current: check.current, seq: check.seq }
      } catch (err) {
        throw toApiError(err, ctx.closing())
      }
    })
  })
}

function mediaType (request: FastifyRequest): string | undefined {
  const header = request.headers['content-type']
  return header === undefined ? undefined : header.split(';')[0]?.trim().toLowerCase()
}

/**
 * An onRequest hook: a body of another type is 415 and one that declares
 * more than `limit` bytes 413, before a byte of it is read. A body that
 * arrives without a declared length is cut at the route's bodyLimit.
 */
function expectBody (type: string, limit: number, what: string): (request: FastifyRequest, reply: FastifyReply) => Promise<void> {
  return async (request: FastifyRequest): Promise<void> => {
    const got = mediaType(request)
    if (got !== undefined && got !== type) {
      throw new ApiError(415, 'ERR_UNSUPPORTED_MEDIA_TYPE', `the body must be ${what}, as Content-Type: ${type} (got ${JSON.stringify(got.slice(0, 100))})`)
    }
    if (Number(request.headers['content-length']) > limit) throw bodyTooLarge(limit, endpointOf(request))
  }
}

/** The raw body; none at all (no Content-Type, no bytes) is an empty message. */
function bodyBytes (body: unknown): Uint8Array {
  if (body === undefined || body === null) return new Uint8Array(0)
  if (!Buffer.isBuffer(body)) throw new ApiError(400, 'ERR_BAD_REQUEST', 'the body must be raw bytes')
  return new Uint8Array(body.buffer, body.byteOffset, body.byteLength)
}

function asBuffer (bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/

function base64Field (body: Record<string, unknown>, name: keyof VerifyRequestJson): Uint8Array {
  const value = body[name]
  if (typeof value !== 'string' || value.length % 4 !== 0 || !BASE64.test(value)) {
    throw new ApiError(400, 'ERR_BAD_REQUEST', `the body's "${name}" must be a base64 string (standard alphabet, padded)`)
  }
  const bytes = Buffer.from(value, 'base64')
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength)
}

/** `{ data, signature }`, both base64: the signature one ML-DSA-65 signature, the data at most MAX_SIGNED_DATA. */
function verifyRequest (body: unknown): { data: Uint8Array, signature: Uint8Array } {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new ApiError(400, 'ERR_BAD_REQUEST', `the body must be JSON { "data", "signature" } in base64, as Content-Type: ${JSON_CONTENT_TYPE}`)
  }
  const fields = body as Record<string, unknown>
  const unknown = Object.keys(fields).find(key => key !== 'data' && key !== 'signature')
  if (unknown !== undefined) throw new ApiError(400, 'ERR_BAD_REQUEST', `unknown field ${JSON.stringify(unknown.slice(0, 64))} in the body: it takes "data" and "signature"`)
  const data = base64Field(fields, 'data')
  const signature = base64Field(fields, 'signature')
  if (data.length > MAX_SIGNED_DATA) throw new ApiError(413, 'ERR_BODY_TOO_LARGE', `"data" is ${data.length} bytes: POST /v1/verify/{peerId} checks signatures over at most ${MAX_SIGNED_DATA} bytes (1 MiB; verify a larger file's hash)`)
  if (signature.length !== ML_DSA_65.signature) {
    throw new ApiError(400, 'ERR_BAD_REQUEST', `"signature" is ${signature.length} bytes: an ML-DSA-65 signature is ${ML_DSA_65.signature}`)
  }
  return { data, signature }
}
