import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { after, before, describe, test } from 'node:test'
import { STATUS_PAGE_CSP } from '../../src/api/routes/status-page.js'
import { apiFixture, assertApiError, type ApiFixture } from '../helpers-daemon/api.js'

const token = 'status-page-test-token-0123456789abcdef'

describe('GET /: the status page', () => {
  let f: ApiFixture

  before(async () => { f = await apiFixture({ token }) })
  after(async () => { await f.api.close() })

  const files = [['/', /^text\/html; charset=utf-8$/], ['/status-page/app.js', /^text\/javascript; charset=utf-8$/], ['/status-page/style.css', /^text\/css; charset=utf-8$/]] as const

  test('serves the page, its script and its style without a token, each under a CSP that allows this origin only', async () => {
    for (const [url, type] of files) {
      const res = await f.api.app.inject({ url })
      assert.equal(res.statusCode, 200, `${url}: ${res.body.slice(0, 200)}`)
      assert.match(String(res.headers['content-type']), type)
      assert.equal(res.headers['content-security-policy'], STATUS_PAGE_CSP)
      assert.equal(res.headers['x-frame-options'], 'DENY')
      assert.equal(res.headers['x-content-type-options'], 'nosniff')
    }
    for (const directive of ["default-src 'none'", "script-src 'self'", "style-src 'self'", "connect-src 'self'", "frame-ancestors 'none'"]) {
      assert.ok(STATUS_PAGE_CSP.includes(directive), directive)
    }
  })

  test('the page is readable on a phone, loads nothing from outside the machine and runs no inline script', async () => {
    const html = (await f.api.app.inject({ url: '/' })).body
    assert.match(html, /<meta name="viewport" content="width=device-width, initial-scale=1">/)
    assert.match(html, /<script type="module" src="\/status-page\/app\.js"><\/script>/)
    assert.doesNotMatch(html, /<script(?![^>]*\bsrc=)[^>]*>/, 'no inline script')
    assert.doesNotMatch(html, /\sstyle=|<style/, 'no inline style')
    for (const [url] of files) {
      const body = (await f.api.app.inject({ url })).body
      assert.doesNotMatch(body, /(https?:)?\/\/[a-z0-9.-]+\.[a-z]{2,}/i, `${url} names no other host`)
      assert.doesNotMatch(body, /@import|@font-face|url\(/, `${url} loads no fonts or images`)
    }
  })

  test('never holds the token, and reads only endpoints that need none', async () => {
    for (const [url] of files) assert.ok(!(await f.api.app.inject({ url })).body.includes(token), url)
    const script = (await f.api.app.inject({ url: '/status-page/app.js' })).body
    const endpoints = new Set([...script.matchAll(/['`](\/v1\/[a-z]+)/g)].map(m => m[1]))
    assert.deepEqual([...endpoints].sort(), ['/v1/activity', '/v1/events', '/v1/peers', '/v1/status'])
    for (const url of endpoints) {
      // HEAD: the event stream answers its headers and ends.
      const res = await f.api.app.inject({ method: 'HEAD', url })
      assert.equal(res.statusCode, 200, `${url} answers without a token`)
    }
    assert.doesNotMatch(script, /authorization|api\.token|bearer/i)
  })

  test('the files served are the ones in src/api/status-page', async () => {
    for (const [url, name] of [['/', 'index.html'], ['/status-page/app.js', 'app.js'], ['/status-page/style.css', 'style.css']]) {
      const source = readFileSync(new URL(`../../../src/api/status-page/${name}`, import.meta.url), 'utf8')
      assert.equal((await f.api.app.inject({ url })).body, source, `${url} is ${name} as written (npm run build copies it)`)
    }
  })

  test('GET and HEAD only, no query, and the Host check as for the rest of the API', async () => {
    const post = await f.api.app.inject({ method: 'POST', url: '/' })
    assertApiError(post, 405, 'ERR_METHOD_NOT_ALLOWED')
    assert.equal(post.headers.allow, 'GET, HEAD')
    assert.equal((await f.api.app.inject({ method: 'HEAD', url: '/' })).statusCode, 200)
    assertApiError(await f.api.app.inject({ url: '/?token=x' }), 400, 'ERR_UNKNOWN_PARAM')
    assertApiError(await f.api.app.inject({ url: '/', headers: { host: 'rebound.example:7357' } }), 421, 'ERR_HOST_NOT_ALLOWED')
    assertApiError(await f.api.app.inject({ url: '/status-page/other.js' }), 404, 'ERR_NO_ROUTE')
  })
})
