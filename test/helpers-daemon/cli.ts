import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { after } from 'node:test'

/** The built CLI; run with this Node (`process.execPath`), never a `node` from PATH. */
export const KEYDIR_MAIN = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url))

const children = new Set<ChildProcess>()
const dirs: string[] = []

after(async () => {
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
  }
  await Promise.all(dirs.map(async dir => rm(dir, { recursive: true, force: true })))
})

/** A temp dir removed when the test file ends. */
export async function tempDir (prefix = 'keydir-cli-'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix))
  dirs.push(dir)
  return dir
}

/** The environment without the caller's KEYDIR_* settings, so a developer's config cannot leak into tests. */
export function cleanEnv (extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {}
  for (const [key, value] of Object.entries(process.env)) {
    if (!key.startsWith('KEYDIR_') && key !== 'NODE_OPTIONS' && key !== 'NODE_TEST_CONTEXT') env[key] = value
  }
  return { ...env, NO_COLOR: '1', ...extra }
}

export interface RunResult {
  code: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
}

export interface RunOptions {
  env?: Record<string, string>
  /** Run as this uid/gid (tests that need a user without permissions while running as root). */
  uid?: number
  gid?: number
  /** Kill after this long; default 120 s. */
  timeoutMs?: number
}

/** Run `keydir ARGS` to completion. */
export async function runKeydir (args: string[], options: RunOptions = {}): Promise<RunResult> {
  const child = spawn(process.execPath, [KEYDIR_MAIN, ...args], {
    env: cleanEnv(options.env),
    stdio: ['ignore', 'pipe', 'pipe'],
    ...(options.uid !== undefined ? { uid: options.uid, gid: options.gid ?? options.uid } : {})
  })
  children.add(child)
  let stdout = ''
  let stderr = ''
  child.stdout.setEncoding('utf8').on('data', (s: string) => { stdout += s })
  child.stderr.setEncoding('utf8').on('data', (s: string) => { stderr += s })
  const timer = setTimeout(() => { child.kill('SIGKILL') }, options.timeoutMs ?? 120_000)
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>(resolve => {
    child.on('close', (c, s) => { resolve([c, s]) })
  })
  clearTimeout(timer)
  children.delete(child)
  return { code, signal, stdout, stderr }
}

export interface BinaryRunResult {
  code: number | null
  signal: NodeJS.Signals | null
  /** stdout's bytes as written, for commands that write binary. */
  stdout: Buffer
  stderr: string
}

/** Run `keydir ARGS` with `stdin` piped in (none: an empty stdin) and stdout kept as bytes. */
export async function runKeydirBinary (args: string[], stdin?: Uint8Array, options: RunOptions = {}): Promise<BinaryRunResult> {
  const child = spawn(process.execPath, [KEYDIR_MAIN, ...args], { env: cleanEnv(options.env), stdio: ['pipe', 'pipe', 'pipe'] })
  children.add(child)
  const out: Buffer[] = []
  let stderr = ''
  child.stdout.on('data', (b: Buffer) => { out.push(b) })
  child.stderr.setEncoding('utf8').on('data', (s: string) => { stderr += s })
  // A command that refuses early closes its stdin unread: that is not the test's failure.
  child.stdin.on('error', () => {})
  child.stdin.end(stdin === undefined ? undefined : Buffer.from(stdin.buffer, stdin.byteOffset, stdin.byteLength))
  const timer = setTimeout(() => { child.kill('SIGKILL') }, options.timeoutMs ?? 120_000)
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>(resolve => {
    child.on('close', (c, s) => { resolve([c, s]) })
  })
  clearTimeout(timer)
  children.delete(child)
  return { code, signal, stdout: Buffer.concat(out), stderr }
}

export interface StartSummary {
  peerId: string
  multiaddrs: string[]
  api: string
  dataDir: string
  pid: number
  /** Whether this start made the identity (a first run without keydir init). */
  newIdentity: boolean
  anchor: { multiaddr: string, peerId: string, mlDsaPublicKey: string }
}

export interface RunningNode {
  child: ChildProcess
  summary: StartSummary
  /** Everything the process wrote to stderr (its logs) so far. */
  stderr: () => string
  stdout: () => string
  /** Send a signal and wait for the exit. */
  stop: (signal?: NodeJS.Signals) => Promise<{ code: number | null, signal: NodeJS.Signals | null }>
}

/**
 * `keydir start --json` on a free libp2p port and a free API port, resolved
 * once the node prints its summary line; rejected if it exits first.
 */
export async function startNode (dataDir: string, args: string[] = [], options: RunOptions = {}): Promise<RunningNode> {
  const child = spawn(process.execPath, [
    KEYDIR_MAIN, 'start', '--dir', dataDir, '--json', '--api', '127.0.0.1:0', '--listen', '/ip4/127.0.0.1/tcp/0', '--log-format', 'json', ...args
  ], { env: cleanEnv(options.env), stdio: ['ignore', 'pipe', 'pipe'] })
  children.add(child)
  let stdout = ''
  let stderr = ''
  child.stderr.setEncoding('utf8').on('data', (s: string) => { stderr += s })
  const exited = new Promise<{ code: number | null, signal: NodeJS.Signals | null }>(resolve => {
    child.on('close', (code, signal) => {
      children.delete(child)
      resolve({ code, signal })
    })
  })
  const summary = await new Promise<StartSummary>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`keydir start did not print its summary in time; stderr:\n${stderr}`))
    }, options.timeoutMs ?? 60_000)
    child.stdout.setEncoding('utf8').on('data', (s: string) => {
      stdout += s
      const line = stdout.split('\n').find(l => l.startsWith('{'))
      if (line !== undefined && stdout.includes('\n')) {
        clearTimeout(timer)
        try {
          resolve(JSON.parse(line) as StartSummary)
        } catch (err) {
          reject(err instanceof Error ? err : new Error(String(err)))
        }
      }
    })
    void exited.then(({ code, signal }) => {
      clearTimeout(timer)
      reject(Object.assign(new Error(`keydir start exited (${code ?? signal}) before it was up; stderr:\n${stderr}`), { code, stderr }))
    })
  })
  return {
    child,
    summary,
    stderr: () => stderr,
    stdout: () => stdout,
    stop: async (signal = 'SIGTERM') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal)
      return exited
    }
  }
}

/** GET a path of a node's API; JSON body decoded when it is JSON. */
export async function apiGet (url: string, path: string, headers: Record<string, string> = {}): Promise<{ status: number, headers: Headers, body: any, bytes: Uint8Array }> {
  const res = await fetch(`${url}${path}`, { headers })
  const bytes = new Uint8Array(await res.arrayBuffer())
  let body: unknown
  if ((res.headers.get('content-type') ?? '').startsWith('application/json')) body = JSON.parse(Buffer.from(bytes).toString('utf8'))
  else body = Buffer.from(bytes).toString('utf8')
  return { status: res.status, headers: res.headers, body, bytes }
}
