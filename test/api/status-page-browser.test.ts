import assert from 'node:assert/strict'
import { accessSync, constants } from 'node:fs'
import { delimiter, join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { chromium, type Browser, type Page } from 'playwright-core'
import { createApiServer, type ApiServer } from '../../src/api/index.js'
import { keydirVersion } from '../../src/util/version.js'
import { startNode, type TestNode } from '../helpers/network.js'

/**
 * The status page end to end (issue 23): three nodes over TCP on loopback,
 * B's API on a real socket, B's page in headless Chromium driven by
 * playwright-core. Chromium is Debian's (.ci/run installs it), or the one
 * KEYDIR_CHROMIUM names.
 */

const token = 'browser-test-token-0123456789abcdefghij'
/** How long the page may take to show the node at first: a bound on a hang, not a timing. */
const LOAD_BOUND_MS = 15_000
/** The outcome bound: a peer's rotation shows on the page within 2 s of it. */
const ROTATION_SHOWN_WITHIN_MS = 2_000

function executable (path: string): boolean {
  try {
    accessSync(path, constants.X_OK)
    return true
  } catch {
    return false
  }
}

/** KEYDIR_CHROMIUM, else Debian's /usr/bin/chromium, else a `chromium` on PATH. */
function findChromium (): string | undefined {
  const chosen = process.env.KEYDIR_CHROMIUM
  if (chosen !== undefined && chosen !== '') return chosen
  const candidates = ['/usr/bin/chromium', ...(process.env.PATH ?? '').split(delimiter).filter(Boolean).map(dir => join(dir, 'chromium'))]
  return candidates.find(executable)
}

const chromiumPath = findChromium()
// CI installs chromium: there a missing browser fails the test rather than skipping it.
const skip = chromiumPath === undefined && process.env.CI === undefined
  ? 'no chromium found: install Debian\'s chromium (apt-get install chromium) or set KEYDIR_CHROMIUM to a Chromium binary'
  : false

describe('the status page in headless Chromium', { skip }, () => {
  let browser: Browser
  let a: TestNode
  let b: TestNode
  let c: TestNode
  let api: ApiServer
  let url: string
  let page: Page
  const requests: string[] = []
  const problems: string[] = []

  before(async () => {
    if (chromiumPath === undefined) throw new Error('no chromium found (CI is set, so the browser test must run): install chromium or set KEYDIR_CHROMIUM')
    // --no-sandbox: the tests run as root, where Chromium's sandbox refuses to start.
    browser = await chromium.launch({ executablePath: chromiumPath, args: ['--no-sandbox'] })
    a = await startNode()
    c = await startNode({ bootstrap: [a.node.anchorEntry()] })
    // B asks C directly for its keys, so C counts B among the holders it pushes a rotation to.
    b = await startNode({ bootstrap: [a.node.anchorEntry(), c.node.getMultiaddrs()[0].toString()], paths: { dht: false } })
    await b.node.resolve(a.node.peerId)
    await b.node.resolve(c.node.peerId)
    api = createApiServer({ node: b.node, token })
    url = await api.listen({ host: '127.0.0.1', port: 0 })
    page = await browser.newPage()
    page.on('request', request => {
      requests.push(request.url())
      // The page must work without the API token: no request may carry one, in any header.
      if (request.headers().authorization !== undefined || Object.values(request.headers()).some(value => value.includes(token))) problems.push(`request with credentials: ${request.url()}`)
    })
    page.on('pageerror', err => { problems.push(`page error: ${err.message}`) })
    page.on('console', message => { if (message.type() === 'error') problems.push(`console: ${message.text()}`) })
    await page.goto(`${url}/`)
  })

  after(async () => {
    await browser?.close()
    await api?.close()
    for (const n of [b, c, a]) {
      if (n === undefined) continue
      await n.node.stop()
      await n.dir.remove()
    }
  })

  test('shows this node: PeerId, version, uptime, addresses, and its peers with their trust', async () => {
    const peerId = b.node.peerId.toString()
    await page.locator('#node-peer-id', { hasText: peerId }).waitFor({ timeout: LOAD_BOUND_MS })
    assert.equal(await page.locator('#node-version').textContent(), keydirVersion())
    assert.match(await page.locator('#node-uptime').textContent() ?? '', /^\d+(s|m \d+s|h \d+m|d \d+h)$/)
    const addresses = await page.locator('#node-addresses li').allTextContents()
    assert.ok(addresses.includes(b.node.getMultiaddrs()[0].toString()), addresses.join(', '))

    const row = (peer: TestNode): ReturnType<Page['locator']> => page.locator(`#peers tbody tr[data-peer-id="${peer.node.peerId.toString()}"]`)
    await row(c).waitFor({ timeout: LOAD_BOUND_MS })
    assert.equal(await row(a).locator('.badge').textContent(), 'anchor')
    assert.equal(await row(c).locator('.badge').textContent(), 'direct')
    assert.match(await row(c).locator('td[data-label="Score"]').textContent() ?? '', /^-?\d+\.\d\d$/)
    // The 'new' events of A and C happened before the page opened: it shows the ones the node holds.
    await page.locator(`#events li[data-change="new"][data-peer-id="${c.node.peerId.toString()}"]`).waitFor({ timeout: LOAD_BOUND_MS })
    // Rates: the activity counts are read at once.
    await page.locator('#rate-lookups', { hasText: /^\d+(\.\d)?$/ }).waitFor({ timeout: LOAD_BOUND_MS })
  })

  test('shows a peer\'s rotation within 2 s of it', async () => {
    await page.locator('#events-state[data-state="live"]').waitFor({ timeout: LOAD_BOUND_MS })
    const rotated = await c.node.rotate()
    const event = page.locator(`#events li[data-change="rotated"][data-peer-id="${c.node.peerId.toString()}"]`)
    await event.waitFor({ timeout: ROTATION_SHOWN_WITHIN_MS })
    assert.match(await event.textContent() ?? '', new RegExp(`seq ${rotated.seq}`))
  })

  test('asked only its own origin, with no token, and met no script or CSP error', async () => {
    const origin = new URL(url).origin
    assert.ok(requests.length >= 4, requests.join('\n'))
    for (const request of requests) assert.ok(request.startsWith(`${origin}/`) || request.startsWith('data:'), request)
    assert.deepEqual(problems, [])
  })

  test('fits a phone: nothing wider than a 390 px viewport', async () => {
    const phone = await browser.newPage({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 3 })
    try {
      await phone.goto(`${url}/`)
      await phone.locator('#node-peer-id', { hasText: b.node.peerId.toString() }).waitFor({ timeout: LOAD_BOUND_MS })
      await phone.locator(`#peers tbody tr[data-peer-id="${c.node.peerId.toString()}"]`).waitFor({ timeout: LOAD_BOUND_MS })
      await phone.locator('#events li').first().waitFor({ timeout: LOAD_BOUND_MS })
      // Runs in the page (the tests' TypeScript has no DOM types): the widths, and the right edge of the widest element.
      const { scrollWidth, clientWidth, widest } = await phone.evaluate<{ scrollWidth: number, clientWidth: number, widest: number }>(`(() => {
        const doc = document.documentElement
        let right = 0
        for (const el of document.querySelectorAll('body *')) right = Math.max(right, el.getBoundingClientRect().right)
        return { scrollWidth: doc.scrollWidth, clientWidth: doc.clientWidth, widest: right }
      })()`)
      assert.equal(clientWidth, 390)
      assert.ok(scrollWidth <= clientWidth, `the page scrolls sideways: ${scrollWidth} > ${clientWidth}`)
      assert.ok(widest <= clientWidth, `an element reaches ${widest} px`)
    } finally {
      await phone.close()
    }
  })
})
