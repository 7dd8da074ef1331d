/**
 * What keydir's routes say of themselves in fastify's route `config`, read
 * by the server's error answers.
 */
declare module 'fastify' {
  interface FastifyContextConfig {
    /** Left out of the 404 message's list of endpoints (the status page's script and style). */
    unlisted?: boolean
    /** The media type of the body the route reads, which a 415 tells the client to send. */
    bodyType?: string
  }
}

/** The order methods are listed in (`Allow`, the 404 message). */
const METHOD_ORDER = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']
/** The path parameter that names a peer: a path under such a route that does not match it has a bad PeerId. */
const PEER_ID_PARAM = ':peerId'

/**
 * The API's routes by path pattern, filled as fastify registers them (its
 * `onRoute` hook), so that a request fastify found no route for can be told
 * apart: a path the API serves with another method (405 with `Allow`), a
 * path under a route that ends in a PeerId (400 ERR_BAD_PEER_ID, or 405),
 * or no endpoint at all (404).
 */
export class RouteTable {
  /** Methods by pattern (`/v1/keys/:peerId`), in registration order. */
  private readonly routes = new Map<string, Set<string>>()
  /** Patterns the 404 message leaves out: the status page's script and style are no endpoints. */
  private readonly unlisted = new Set<string>()

  /** `listed: false` keeps the route out of `list()`; it still answers 405 for other methods. */
  add (method: string | string[], url: string, listed = true): void {
    let methods = this.routes.get(url)
    if (methods === undefined) {
      methods = new Set()
      this.routes.set(url, methods)
    }
    for (const m of Array.isArray(method) ? method : [method]) methods.add(m.toUpperCase())
    if (!listed) this.unlisted.add(url)
  }

  /** The methods a path takes (query ignored), or undefined when no route has this path. */
  methodsFor (url: string): string[] | undefined {
    const path = pathOf(url)
    const found = new Set<string>()
    for (const [pattern, methods] of this.routes) {
      if (matches(pattern, path)) for (const m of methods) found.add(m)
    }
    return found.size === 0 ? undefined : sortMethods(found)
  }

  /**
   * The route ending in a PeerId whose prefix this path starts with
   * (`/v1/keys/…`), with its methods: `/v1/keys/` or `/v1/keys/a/b` is a
   * bad PeerId for that route, not an unknown endpoint.
   */
  peerIdRoute (url: string): { pattern: string, methods: string[] } | undefined {
    const path = pathOf(url)
    for (const [pattern, methods] of this.routes) {
      if (pattern.endsWith(`/${PEER_ID_PARAM}`) && path.startsWith(pattern.slice(0, -PEER_ID_PARAM.length))) {
        return { pattern, methods: sortMethods(methods) }
      }
    }
    return undefined
  }

  /** Every endpoint, as the docs write them: `GET /v1/keys/{peerId}, GET /v1/peers, POST /v1/rotate, …` (HEAD, which every GET has, left out). */
  list (): string {
    const out: string[] = []
    for (const [pattern, methods] of this.routes) {
      if (this.unlisted.has(pattern)) continue
      const shown = sortMethods(methods).filter(m => m !== 'HEAD')
      if (shown.length > 0) out.push(`${shown.join('|')} ${displayPattern(pattern)}`)
    }
    return out.join(', ')
  }
}

/** `/v1/keys/:peerId` as the docs write it: `/v1/keys/{peerId}`. */
export function displayPattern (pattern: string): string {
  return pattern.replace(/:([A-Za-z0-9_]+)/g, '{$1}')
}

function pathOf (url: string): string {
  const q = url.indexOf('?')
  return q < 0 ? url : url.slice(0, q)
}

/** A pattern's `:param` segment matches any one non-empty segment; the rest must be equal. */
function matches (pattern: string, path: string): boolean {
  const want = pattern.split('/')
  const got = path.split('/')
  if (want.length !== got.length) return false
  return want.every((segment, i) => segment.startsWith(':') ? got[i] !== '' : segment === got[i])
}

function sortMethods (methods: Iterable<string>): string[] {
  const rank = (m: string): number => {
    const i = METHOD_ORDER.indexOf(m)
    return i < 0 ? METHOD_ORDER.length : i
  }
  return [...methods].sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0))
}

/** The endpoint a request reached, as the docs write it: `POST /v1/seal/{peerId}`. */
export function endpointOf (request: { method: string, routeOptions: { url?: string } }): string {
  return `${request.method} ${displayPattern(request.routeOptions.url ?? '')}`
}
