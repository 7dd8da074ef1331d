import { readApiAddress, readApiToken, type ApiAddressFile } from '../api/index.js'
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

function isAlive (pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
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
  if (!isAlive(address.pid)) throw noNodeRunning(dataDir, ` (api.json names pid ${address.pid}, which has exited)`)
  return address
}

export interface RequestOptions {
  method?: 'GET' | 'POST'
  /** Send the data dir's API token. */
  auth?: boolean
  /** Default 30 s; resolve passes none and relies on the node's resolve timeout. */
  timeoutMs?: number | null
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
 * the timeout (a body that stalls counts too). No node at all becomes
 * ERR_NO_NODE; the answer is returned whatever its status.
 */
async function request (dataDir: string, path: string, accept: string, options: RequestOptions): Promise<RawAnswer> {
  const node = await findNode(dataDir)
  const headers: Record<string, string> = { accept }
  if (options.auth === true) {
    const token = await readApiToken(dataDir)
    if (token === undefined) {
      throw new KeydirError('ERR_API_TOKEN', `no API token in ${dataDir}/api.token: restart the node with \`keydir start --dir ${dataDir}\`, which writes one`)
    }
    headers.authorization = `Bearer ${token}`
  }
  const timeoutMs = options.timeoutMs === undefined ? DEFAULT_TIMEOUT_MS : options.timeoutMs
  try {
    const res = await fetch(`${node.url}${path}`, {
      method: options.method ?? 'GET',
      headers,
      signal: timeoutMs === null ? undefined : AbortSignal.timeout(timeoutMs)
    })
    const body = Buffer.from(await res.arrayBuffer())
    return { url: node.url, status: res.status, ok: res.ok, contentType: res.headers.get('content-type') ?? '', body }
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause?.code
    if (cause === 'ECONNREFUSED' || cause === 'ECONNRESET') throw noNodeRunning(dataDir, ` (nothing answers at ${node.url})`)
    if ((err as Error).name === 'TimeoutError') throw new KeydirError('ERR_API_TIMEOUT', `the node at ${node.url} did not answer within ${timeoutMs ?? 0} ms`)
    throw new KeydirError('ERR_API_UNREACHABLE', `cannot reach the node at ${node.url}: ${(err as Error).message}`, { cause: err })
  }
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
