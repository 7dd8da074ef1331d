import { readApiAddress, readApiToken, type ApiAddressFile } from '../api/index.js'
import { KeydirError } from '../errors.js'

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

/**
 * Send one request to the running node. No node at all becomes ERR_NO_NODE;
 * the answer is returned whatever its status.
 */
async function request (dataDir: string, path: string, accept: string, options: RequestOptions): Promise<{ url: string, res: Response }> {
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
    return { url: node.url, res }
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause?.code
    if (cause === 'ECONNREFUSED' || cause === 'ECONNRESET') throw noNodeRunning(dataDir, ` (nothing answers at ${node.url})`)
    if ((err as Error).name === 'TimeoutError') throw new KeydirError('ERR_API_TIMEOUT', `the node at ${node.url} did not answer within ${timeoutMs ?? 0} ms`)
    throw new KeydirError('ERR_API_UNREACHABLE', `cannot reach the node at ${node.url}: ${(err as Error).message}`, { cause: err })
  }
}

function parseJson (url: string, status: number, text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    throw new KeydirError('ERR_API_RESPONSE', `the node at ${url} answered ${status} with something that is not JSON`)
  }
}

/** The API's error envelope as a KeydirError with its code and message. */
function apiError (status: number, body: unknown): KeydirError {
  const error = (body as { error?: { code?: unknown, message?: unknown } } | null)?.error
  return new KeydirError(typeof error?.code === 'string' ? error.code : `HTTP_${status}`,
    typeof error?.message === 'string' ? error.message : `the node answered HTTP ${status}`)
}

/**
 * Call the running node's API. An error envelope becomes a KeydirError with
 * the API's code and message; no node at all becomes ERR_NO_NODE.
 */
export async function callApi<T> (dataDir: string, path: string, options: RequestOptions = {}): Promise<T> {
  const { url, res } = await request(dataDir, path, 'application/json', options)
  const body = parseJson(url, res.status, await res.text())
  if (!res.ok) throw apiError(res.status, body)
  return body as T
}

/** `callApi` for a binary representation (`accept`), such as the signed key record. */
export async function callApiBytes (dataDir: string, path: string, accept: string, options: RequestOptions = {}): Promise<Uint8Array> {
  const { url, res } = await request(dataDir, path, accept, options)
  if (!res.ok) throw apiError(res.status, parseJson(url, res.status, await res.text()))
  const type = res.headers.get('content-type') ?? ''
  if (type.split(';')[0]?.trim() !== accept) {
    throw new KeydirError('ERR_API_RESPONSE', `the node at ${url} answered ${type || 'no content type'} where ${accept} was asked for`)
  }
  return new Uint8Array(await res.arrayBuffer())
}
