import {
  CHALLENGE_HEADER, newChallenge, PROOF_HEADER, proofMatches, readApiAddress, readApiToken, type ApiAddressFile
} from '../api/index.js'
import { KeydirError } from '../errors.js'
import { checkDataDirSafe } from './data-dir.js'

/** What the API answered, decoded. */
export interface ApiResponse<T> {
  status: number
  body: T
}

const second = 1000
/** Calls other than resolve must answer within this. */
const DEFAULT_TIMEOUT_MS = 30 * second

export function noNodeRunning (dataDir: string, detail = ''): KeydirError {
  return new KeydirError('ERR_NO_NODE',
    `no keydir node is running for data dir ${dataDir}${detail}: start one with \`keydir start --dir ${dataDir}\``)
}

/**
 * Whether the pid api.json names is a process of this user's. EPERM means
 * a process of another user: after a crash or a reboot the pid was reused,
 * and that process is not our node, so api.json is stale.
 */
export function isNodeAlive (pid: number, probe: (pid: number, signal: 0) => unknown = (pid, signal) => process.kill(pid, signal)): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false
  try {
    probe(pid, 0)
    return true
  } catch {
    return false
  }
}

/**
 * The answer did not carry the proof only this data dir's node can give
 * (proof.ts): whoever listens at api.json's address is not our node.
 */
export function notOurNode (dataDir: string, url: string, detail = ''): KeydirError {
  return new KeydirError('ERR_API_NOT_OURS',
    `the process answering at ${url} did not prove it is the node of this data dir${detail}: ` +
    `${dataDir}/api.json is stale or another process listens there. The API token was not sent to it and its answer was not used. ` +
    `Stop whatever listens at ${url}, or (re)start the node with \`keydir start --dir ${dataDir}\`, which rewrites api.json`)
}

/** The running node's API address from `<dataDir>/api.json`, or ERR_NO_NODE. */
export async function findNode (dataDir: string): Promise<ApiAddressFile> {
  await checkDataDirSafe(dataDir)
  let address
  try {
    address = await readApiAddress(dataDir)
  } catch (err) {
    throw new KeydirError('ERR_DATA_DIR', `cannot read ${dataDir}/api.json (${(err as NodeJS.ErrnoException).code ?? String(err)}): check the data dir's permissions`, { cause: err })
  }
  if (address === undefined) throw noNodeRunning(dataDir)
  if (!isNodeAlive(address.pid)) throw noNodeRunning(dataDir, ` (api.json names pid ${address.pid}, which is no process of this user: the node has exited)`)
  return address
}

/**
 * The PeerId a proved node reports must be the data dir's own: a node that
 * holds the token but another identity runs on a copy of this data dir, or
 * its identity was replaced (`keydir init --force`) while it ran.
 */
export function checkNodePeerId (dataDir: string, reported: unknown, own: string): void {
  if (reported === own) return
  throw new KeydirError('ERR_API_NOT_OURS',
    `the node of data dir ${dataDir} reports PeerId ${String(reported).slice(0, 100)}, but the identity in ${dataDir}/identity is ${own} ` +
    `(replaced while the node ran, or a copied data dir?): restart the node with \`keydir start --dir ${dataDir}\``)
}

export interface RequestOptions {
  method?: 'GET' | 'POST'
  /** Send the data dir's API token. */
  auth?: boolean
  /** Default 30 s; resolve passes none and relies on the node's resolve timeout. */
  timeoutMs?: number | null
  /** A request body (a POST of a revocation certificate). */
  body?: { bytes: Uint8Array, contentType: string }
}

/** What the node answered, its body read whole. */
interface RawAnswer {
  url: string
  status: number
  ok: boolean
  contentType: string
  body: Buffer
}

/**
 * Send one request to the running node and read its answer whole, within
 * the timeout (a body that stalls counts too), then check the answer's
 * Keydir-Proof against the challenge sent (ERR_API_NOT_OURS when it does
 * not match). A request that carries the token goes only to a node that
 * has just proved itself on GET /healthz. No node at all becomes
 * ERR_NO_NODE; a proved answer is returned whatever its status.
 */
async function request (dataDir: string, path: string, accept: string, options: RequestOptions): Promise<RawAnswer> {
  const node = await findNode(dataDir)
  const token = await readApiToken(dataDir)
  if (token === undefined && options.auth === true) throw noToken(dataDir, node.url)
  if (options.auth === true && token !== undefined) {
    // Prove the node with a cheap GET before the token leaves this process.
    await provedExchange(dataDir, node, token, '/healthz', 'application/json', { timeoutMs: DEFAULT_TIMEOUT_MS })
  }
  return provedExchange(dataDir, node, token, path, accept, options)
}

function noToken (dataDir: string, url: string): KeydirError {
  return new KeydirError('ERR_API_TOKEN', `no API token in ${dataDir}/api.token, so the process at ${url} cannot be told from another one: ` +
    `restart the node with \`keydir start --dir ${dataDir}\`, which writes one`)
}

/** One request and its answer; without a token (a data dir the node never wrote one to) the answer cannot be proved and is refused. */
async function provedExchange (dataDir: string, node: ApiAddressFile, token: string | undefined, path: string, accept: string, options: RequestOptions): Promise<RawAnswer> {
  const url = new URL(`${node.url}${path}`)
  const method = options.method ?? 'GET'
  const challenge = newChallenge()
  const headers: Record<string, string> = { accept, [CHALLENGE_HEADER]: challenge }
  if (options.auth === true && token !== undefined) headers.authorization = `Bearer ${token}`
  if (options.body !== undefined) headers['content-type'] = options.body.contentType
  const timeoutMs = options.timeoutMs === undefined ? DEFAULT_TIMEOUT_MS : options.timeoutMs
  let answer: RawAnswer
  let proof: string | null
  try {
    const res = await fetch(url, {
      method,
      headers,
      body: options.body?.bytes,
      redirect: 'manual',
      signal: timeoutMs === null ? undefined : AbortSignal.timeout(timeoutMs)
    })
    const body = Buffer.from(await res.arrayBuffer())
    proof = res.headers.get(PROOF_HEADER)
    answer = { url: node.url, status: res.status, ok: res.ok, contentType: res.headers.get('content-type') ?? '', body }
  } catch (err) {
    throw fetchFailure(dataDir, node.url, err, timeoutMs)
  }
  if (token === undefined) throw noToken(dataDir, node.url)
  const proved = proofMatches(proof, token, {
    challenge: Buffer.from(challenge, 'base64url'), method, target: `${url.pathname}${url.search}`, status: answer.status, body: answer.body
  })
  if (!proved) throw notOurNode(dataDir, node.url, proof === null ? ' (its answer has no proof)' : ' (its proof is wrong)')
  return answer
}

/** A request that got no answer, as a KeydirError. */
function fetchFailure (dataDir: string, url: string, err: unknown, timeoutMs: number | null): KeydirError {
  const cause = (err as { cause?: { code?: string } }).cause?.code
  if (cause === 'ECONNREFUSED' || cause === 'ECONNRESET') return noNodeRunning(dataDir, ` (nothing answers at ${url})`)
  if ((err as Error).name === 'TimeoutError') return new KeydirError('ERR_API_TIMEOUT', `the node at ${url} did not answer within ${timeoutMs ?? 0} ms`)
  return new KeydirError('ERR_API_UNREACHABLE', `cannot reach the node at ${url}: ${(err as Error).message}`, { cause: err })
}

export interface EventStreamOptions {
  /** Resume after this event id (sent as Last-Event-ID). */
  lastEventId?: string
  /** Ends the request, and the stream. */
  signal?: AbortSignal
}

/**
 * Open the running node's event stream (`GET /v1/events`) and return its
 * body to read as Server-Sent Events. The answer is proved as every other
 * one is, except that a stream's proof covers its status and an empty
 * body: the events follow on the proved connection. The headers must come
 * within 30 s; a refusal becomes a KeydirError as in callApi.
 */
export async function openEventStream (dataDir: string, options: EventStreamOptions = {}): Promise<ReadableStream<Uint8Array>> {
  const node = await findNode(dataDir)
  const token = await readApiToken(dataDir)
  if (token === undefined) throw noToken(dataDir, node.url)
  const url = new URL(`${node.url}/v1/events`)
  const challenge = newChallenge()
  const headers: Record<string, string> = { accept: 'text/event-stream', [CHALLENGE_HEADER]: challenge }
  if (options.lastEventId !== undefined && options.lastEventId !== '') headers['last-event-id'] = options.lastEventId
  const connecting = new AbortController()
  const timer = setTimeout(() => { connecting.abort(new DOMException('the node did not answer in time', 'TimeoutError')) }, DEFAULT_TIMEOUT_MS)
  let res: Response
  try {
    res = await fetch(url, { headers, redirect: 'manual', signal: AbortSignal.any([connecting.signal, ...(options.signal === undefined ? [] : [options.signal])]) })
  } catch (err) {
    if (options.signal?.aborted === true) throw err
    throw fetchFailure(dataDir, node.url, err, DEFAULT_TIMEOUT_MS)
  } finally {
    clearTimeout(timer)
  }
  const proof = res.headers.get(PROOF_HEADER)
  const target = `${url.pathname}${url.search}`
  const input = { challenge: Buffer.from(challenge, 'base64url'), method: 'GET', target, status: res.status }
  if (res.ok && res.body !== null && (res.headers.get('content-type') ?? '').startsWith('text/event-stream')) {
    if (!proofMatches(proof, token, { ...input, body: '' })) {
      await res.body.cancel()
      throw notOurNode(dataDir, node.url, proof === null ? ' (its answer has no proof)' : ' (its proof is wrong)')
    }
    return res.body
  }
  const body = Buffer.from(await res.arrayBuffer())
  if (!proofMatches(proof, token, { ...input, body })) throw notOurNode(dataDir, node.url, proof === null ? ' (its answer has no proof)' : ' (its proof is wrong)')
  const answer = { url: node.url, status: res.status, ok: res.ok, contentType: res.headers.get('content-type') ?? '', body }
  if (!answer.ok) throw apiError(answer)
  throw new KeydirError('ERR_API_RESPONSE', `the node at ${node.url} answered ${answer.contentType === '' ? 'no content type' : answer.contentType} where text/event-stream was asked for`)
}

/** The body as JSON, or undefined when it is not JSON. */
function jsonOf (answer: RawAnswer): unknown {
  try {
    return JSON.parse(answer.body.toString('utf8'))
  } catch {
    return undefined
  }
}

/**
 * A failed answer as a KeydirError: the API's error envelope gives its code
 * and message; anything else (a proxy's HTML page, an empty body) the status.
 */
function apiError (answer: RawAnswer): KeydirError {
  const error = (jsonOf(answer) as { error?: { code?: unknown, message?: unknown } } | null | undefined)?.error
  return new KeydirError(typeof error?.code === 'string' ? error.code : `HTTP_${answer.status}`,
    typeof error?.message === 'string' ? error.message : `the node at ${answer.url} answered HTTP ${answer.status}`)
}

/**
 * Call the running node's API. An error envelope becomes a KeydirError with
 * the API's code and message; no node at all becomes ERR_NO_NODE.
 */
export async function callApi<T> (dataDir: string, path: string, options: RequestOptions = {}): Promise<T> {
  const answer = await request(dataDir, path, 'application/json', options)
  if (!answer.ok) throw apiError(answer)
  const body = jsonOf(answer)
  if (body === undefined) {
    throw new KeydirError('ERR_API_RESPONSE', `the node at ${answer.url} answered ${answer.status} with something that is not JSON`)
  }
  return body as T
}

/**
 * `callApi` for a binary representation, such as the signed key record:
 * `mediaType` is one bare media type, asked for in Accept and required of
 * the answer's Content-Type.
 */
export async function callApiBytes (dataDir: string, path: string, mediaType: string, options: RequestOptions = {}): Promise<Uint8Array> {
  const answer = await request(dataDir, path, mediaType, options)
  if (!answer.ok) throw apiError(answer)
  if (answer.contentType.split(';')[0]?.trim().toLowerCase() !== mediaType.toLowerCase()) {
    throw new KeydirError('ERR_API_RESPONSE', `the node at ${answer.url} answered ${answer.contentType === '' ? 'no content type' : answer.contentType} where ${mediaType} was asked for`)
  }
  // A plain Uint8Array over the same bytes, as the type says, not the Buffer.
  return new Uint8Array(answer.body.buffer, answer.body.byteOffset, answer.body.byteLength)
}
