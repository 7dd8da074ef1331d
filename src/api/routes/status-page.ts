import { readFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { ApiError } from '../errors.js'
import { checkQuery } from '../query.js'
import type { FastifyInstance } from 'fastify'

/**
 * Where the page's files are: beside this folder, in src/ as written and in
 * dist/ as `npm run build` copies them (tsc copies no HTML, CSS or
 * JavaScript of its own).
 */
const PAGE_DIR = new URL('../status-page/', import.meta.url)

/** The page's files: the path each is served at, the file, its media type. */
const PAGE_FILES: ReadonlyArray<[string, string, string]> = [
  ['/', 'index.html', 'text/html; charset=utf-8'],
  ['/status-page/app.js', 'app.js', 'text/javascript; charset=utf-8'],
  ['/status-page/style.css', 'style.css', 'text/css; charset=utf-8']
]

/**
 * Scripts, styles and requests from this origin only (so no inline script
 * and nothing from outside the machine); no frames around it, no forms, no
 * plugins, no `<base>`. `data:` images only for the empty favicon.
 */
export const STATUS_PAGE_CSP = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; " +
  "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

/**
 * `GET /`: the status page for operators (src/api/status-page/), and the
 * script and style it loads. Static files: the page reads the node through
 * the endpoints that need no token (status, peers, activity, events), so
 * it holds no secret and needs none to load. The Host check every request
 * passes keeps other sites' pages out, as for the rest of the API.
 */
export function registerStatusPageRoutes (app: FastifyInstance): void {
  const cache = new Map<string, Buffer>()
  const load = async (file: string): Promise<Buffer> => {
    let body = cache.get(file)
    if (body === undefined) {
      try {
        body = await readFile(new URL(file, PAGE_DIR))
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err
        throw new ApiError(500, 'ERR_STATUS_PAGE_MISSING', `the status page's ${file} is not in ${fileURLToPath(PAGE_DIR)}: build keydir with \`npm run build\`, which copies it there`)
      }
      cache.set(file, body)
    }
    return body
  }

  for (const [path, file, type] of PAGE_FILES) {
    // The page is an endpoint people look for; its script and style are not.
    app.get(path, { config: { unlisted: path !== '/' } }, async (request, reply) => {
      checkQuery(request.query, [])
      const body = await load(file)
      return reply
        .header('content-security-policy', STATUS_PAGE_CSP)
        .header('x-frame-options', 'DENY')
        .header('referrer-policy', 'no-referrer')
        .type(type)
        .send(body)
    })
  }
}
