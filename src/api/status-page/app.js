/* global document, EventSource */
/**
 * keydir's status page. It reads, from the node that serves it, the
 * endpoints that need no token: GET /v1/status, /v1/peers, /v1/activity
 * and the /v1/events stream. It never asks for, holds or sends the token.
 * Plain JavaScript, no build step; everything shown is set as text, never
 * as HTML.
 */

const second = 1000
const minute = 60 * second
const STATUS_EVERY_MS = 10 * second
const PEERS_EVERY_MS = 15 * second
const ACTIVITY_EVERY_MS = 5 * second
/** Rates are over at most this much of the samples taken while the page is open. */
const RATE_WINDOW_MS = 5 * minute
const MAX_EVENTS_SHOWN = 200
/** After the stream failed for good (a 503: too many streams, or the node stopping). */
const STREAM_RETRY_MS = 5 * second

const byId = id => document.getElementById(id)

/** The last GET /v1/status, and when it was read (for the uptime between reads). */
let status
let statusReadAt = 0
/** GET /v1/activity answers while the page is open, oldest first. */
const samples = []
/** The newest event id seen, to resume a stream that failed; 0 asks for every event of the node's run it still holds. */
let lastEventId = '0'
/** Events the node saw after this are news, and flash. */
const pageOpenedAt = Date.now()

async function getJson (path) {
  const res = await fetch(path, { headers: { accept: 'application/json' }, cache: 'no-store' })
  if (!res.ok) {
    let message = `${res.status} ${res.statusText}`
    try {
      message = (await res.json()).error.message
    } catch {}
    throw new Error(`${path}: ${message}`)
  }
  return res.json()
}

function setText (id, text) {
  byId(id).textContent = text
}

function element (tag, className, text) {
  const el = document.createElement(tag)
  if (className) el.className = className
  if (text !== undefined) el.textContent = text
  return el
}

function formatDuration (ms) {
  const s = Math.max(0, Math.floor(ms / second))
  if (s < 60) return `${s}s`
  const m = Math.floor(s / 60)
  if (m < 60) return `${m}m ${s % 60}s`
  const h = Math.floor(m / 60)
  if (h < 48) return `${h}h ${m % 60}m`
  return `${Math.floor(h / 24)}d ${h % 24}h`
}

function formatRate (perMinute) {
  if (!Number.isFinite(perMinute)) return '–'
  if (perMinute === 0) return '0'
  return perMinute < 10 ? perMinute.toFixed(1) : String(Math.round(perMinute))
}

function formatTime (ms) {
  return new Date(ms).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' })
}

/** A problem reading the node, shown until the next read that works. */
function showProblem (message) {
  const banner = byId('banner')
  banner.textContent = message
  banner.hidden = message === ''
  const state = byId('connection')
  state.dataset.state = message === '' ? 'live' : 'error'
  state.textContent = message === '' ? 'connected' : 'cannot reach the node'
}

function renderStatus () {
  if (status === undefined) return
  setText('title-peer', `${status.peerId.slice(0, 12)}…${status.peerId.slice(-6)}`)
  setText('node-peer-id', status.peerId)
  setText('node-version', status.version)
  renderUptime()
  const addresses = byId('node-addresses')
  addresses.replaceChildren(...(status.multiaddrs.length === 0
    ? [element('li', 'muted', 'not listening')]
    : status.multiaddrs.map(ma => element('li', '', ma))))
  const full = status.maxConnections !== undefined && status.connections >= status.maxConnections
  setText('node-network', `${status.dhtSize} DHT peers, ${status.connections}${status.maxConnections === undefined ? '' : ` of ${status.maxConnections}`} connections${full ? ' (at the limit: inbound connections are refused)' : ''}`)
  setText('node-registry', `${status.registry.peers} peers, ${status.registry.verified} verified` +
    (status.reputation ? `; ${status.reputation.peers} scored, ${status.reputation.belowThreshold} below the threshold` : ''))
  setText('node-record', status.record === null
    ? 'none yet'
    : `seq ${status.record.seq}, signed ${formatDuration(Date.now() - status.record.issuedAt)} ago, expires in ${formatDuration(status.record.expiresAt - Date.now())}`)
  setText('node-crypto', status.crypto)
  document.title = `keydir ${status.peerId.slice(-6)}`
}

function renderUptime () {
  if (status?.uptimeMs === undefined) return
  setText('node-uptime', formatDuration(status.uptimeMs + Date.now() - statusReadAt))
}

/** Each read shows its own failure and never rejects. */
async function readStatus () {
  try {
    status = await getJson('/v1/status')
    statusReadAt = Date.now()
    renderStatus()
    showProblem('')
  } catch (err) {
    showProblem(`Cannot read this node's status (${err.message}): retrying.`)
  }
}

function renderPeers (answer) {
  const now = Date.now()
  const rows = answer.peers.map(peer => {
    const tr = element('tr')
    tr.dataset.peerId = peer.peerId
    const cell = (label, text, className) => {
      const td = element('td', className ?? '', text)
      td.dataset.label = label
      return td
    }
    const id = cell('PeerId', '')
    id.append(element('span', 'id', peer.peerId))
    if (status !== undefined && peer.peerId === status.peerId) id.append(element('span', 'muted', ' (this node)'))
    const trust = cell('Trust', '')
    trust.append(element('span', `badge ${peer.trust}`, peer.trust))
    tr.append(
      id,
      trust,
      cell('Verified', peer.verified ? 'yes' : 'no'),
      cell('Record age', formatDuration(now - peer.issuedAt), 'num'),
      cell('Expires', peer.expiresAt > now ? `in ${formatDuration(peer.expiresAt - now)}` : 'expired', 'num'),
      cell('Score', typeof peer.score === 'number' ? peer.score.toFixed(2) : '–', `num${peer.score < 0 ? ' low' : ''}`)
    )
    return tr
  })
  byId('peers').tBodies[0].replaceChildren(...rows)
  setText('peers-count', `(${answer.peers.length}${answer.next !== undefined ? '+' : ''})`)
  setText('peers-note', answer.next !== undefined
    ? `The first ${answer.peers.length} peers by PeerId; keydir peers lists them all.`
    : answer.peers.length === 0 ? 'No peers in the registry yet.' : '')
}

async function readPeers () {
  try {
    renderPeers(await getJson('/v1/peers'))
  } catch (err) {
    setText('peers-note', `Cannot read the peers (${err.message}): retrying.`)
  }
}

let peersSoon
/** A key change alters the peers' table: read it again, once for a burst of events. */
function readPeersSoon () {
  clearTimeout(peersSoon)
  peersSoon = setTimeout(readPeers, 300)
}

function totals (activity) {
  const { requester, responder } = activity.exchanges
  return {
    at: activity.at,
    lookups: activity.lookups.hit + activity.lookups.miss,
    network: activity.lookups.miss,
    exchanges: requester.success + requester.failure + responder.success + responder.failure,
    made: requester.success + requester.failure,
    failures: requester.failure + responder.failure
  }
}

function renderRates () {
  const newest = samples[samples.length - 1]
  if (newest === undefined) return
  const oldest = samples[0]
  let over
  let base
  if (newest.at - oldest.at >= ACTIVITY_EVERY_MS) {
    over = newest.at - oldest.at
    base = oldest
    setText('rate-window', `Per minute over the last ${formatDuration(over)} this page has been open.`)
  } else {
    // One sample so far: the average since the node started.
    if (status?.uptimeMs === undefined) return
    over = Math.max(status.uptimeMs + newest.at - statusReadAt, second)
    base = { lookups: 0, network: 0, exchanges: 0, made: 0, failures: 0 }
    setText('rate-window', 'Per minute, averaged since the node started; in a few seconds, over the time this page has watched (up to 5 minutes).')
  }
  const rate = key => (newest[key] - base[key]) / (over / minute)
  setText('rate-lookups', formatRate(rate('lookups')))
  setText('rate-lookups-detail', `${formatRate(rate('network'))} from the network, the rest from the registry`)
  setText('rate-exchanges', formatRate(rate('exchanges')))
  setText('rate-exchanges-detail', `${formatRate(rate('made'))} asked by this node, ${formatRate(rate('failures'))} failed`)
}

async function readActivity () {
  try {
    samples.push(totals(await getJson('/v1/activity')))
    const newest = samples[samples.length - 1].at
    while (samples.length > 2 && newest - samples[1].at >= RATE_WINDOW_MS) samples.shift()
    renderRates()
  } catch (err) {
    setText('rate-window', `Cannot read the activity (${err.message}): retrying.`)
  }
}

function addEvent (event, id) {
  const list = byId('events')
  const li = element('li', event.at >= pageOpenedAt ? 'fresh' : '')
  li.dataset.change = event.change
  li.dataset.peerId = event.peerId
  li.dataset.eventId = id
  const time = element('time', '', formatTime(event.at))
  time.dateTime = new Date(event.at).toISOString()
  const self = status !== undefined && event.peerId === status.peerId
  li.append(
    time,
    element('span', `badge ${event.change}`, event.change),
    element('span', 'peer id', self ? `${event.peerId} (this node)` : event.peerId),
    element('span', 'muted', `seq ${event.seq}`)
  )
  list.prepend(li)
  while (list.children.length > MAX_EVENTS_SHOWN) list.lastElementChild.remove()
  byId('events-empty').hidden = true
}

function setStreamState (state, text) {
  const el = byId('events-state')
  el.dataset.state = state
  el.textContent = text
}

/**
 * The key-change stream. The first connection asks for `after=0`, so the
 * node replays the events of its run it still holds (the recent ones), then
 * live ones; EventSource resumes with Last-Event-ID by itself, and a stream
 * the node refused is opened again after a pause.
 */
function openStream () {
  const source = new EventSource(`/v1/events?after=${encodeURIComponent(lastEventId)}`)
  source.addEventListener('open', () => { setStreamState('live', 'live') })
  source.addEventListener('key-change', message => {
    lastEventId = message.lastEventId
    const event = JSON.parse(message.data)
    addEvent(event, message.lastEventId)
    readPeersSoon()
    if (status !== undefined && event.peerId === status.peerId) readStatus()
  })
  source.addEventListener('missed', message => {
    const resumedFrom = lastEventId
    lastEventId = message.lastEventId
    // The first connection asks for everything held: its notice only says the node's run began later.
    if (resumedFrom === '0') return
    const { reason } = JSON.parse(message.data)
    setText('events-empty', reason === 'restart' ? 'The node restarted: events from before are not known.' : 'Some events were missed: the peers below are current.')
    byId('events-empty').hidden = false
    readStatus()
    readPeers()
  })
  source.addEventListener('error', () => {
    if (source.readyState === EventSource.CLOSED) {
      setStreamState('error', 'disconnected')
      setTimeout(openStream, STREAM_RETRY_MS)
    } else {
      setStreamState('connecting', 'reconnecting')
    }
  })
}

async function main () {
  await readStatus()
  await Promise.all([readPeers(), readActivity()])
  openStream()
  setInterval(readStatus, STATUS_EVERY_MS)
  setInterval(readPeers, PEERS_EVERY_MS)
  setInterval(readActivity, ACTIVITY_EVERY_MS)
  setInterval(renderUptime, second)
}

main().catch(err => { showProblem(`The page failed: ${err.message}`) })
