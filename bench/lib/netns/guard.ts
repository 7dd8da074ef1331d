/**
 * The hosts bench's namespaces, and its nodes' data directories, must not
 * outlive it. `guardTopology` takes a lock (one run at a time: the next
 * run's start removes whatever a killed run left, so two runs must not
 * share the prefix), removes such leftovers, and tears both down on every
 * way out: a normal return, an error, SIGINT, SIGTERM, SIGHUP, the run's
 * deadline, or the machine's available memory falling below the run's
 * floor. Only SIGKILL skips it; then the next start cleans up.
 */
import { accessSync, constants, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { delimiter, join } from 'node:path'
import { NETNS_PREFIX, removeTopology } from './topology.js'

export interface Guard {
  /** The namespaces a killed earlier run had left, removed at the start. */
  stale: string[]
  /**
   * Where the run's nodes keep their data (the host processes' LevelDBs):
   * the teardown kills those processes before they could remove their own,
   * so it removes this directory after them.
   */
  nodesDir: string
  /** Entries a killed earlier run had left in `nodesDir`, removed at the start. */
  staleNodeDirs: number
  /** Tear down now (idempotent); the handlers stay until `release`. */
  teardown (): void
  /** Tear down, drop the handlers and the lock, clear the deadline and the memory watch. */
  release (): void
}

export interface GuardInit {
  prefix?: string
  /** The whole run ends by then: the namespaces are removed and the process exits with code 3. */
  deadlineMs?: number
  /**
   * The run ends (exit code 4) once the machine's available memory is below
   * this many MiB: a network's nodes keep growing with their connections
   * after the start's memory check, and the kernel's out-of-memory killer
   * would end one process of it, or another program, without cleaning up.
   */
  memoryFloorMiB?: number
  /** How often available memory is read. Default MEMORY_CHECK_MS. */
  memoryCheckMs?: number
  /** Called once on a signal, the deadline or the memory floor, before the teardown (to say why). */
  onAbort?: (reason: string) => void
}

/** How often the guard reads the machine's available memory (a 1,000-node network grew about 0.2 GiB a minute here). */
export const MEMORY_CHECK_MS = 5_000

export class NotRootError extends Error {
  constructor () {
    super('the hosts bench creates network namespaces, veth links, a bridge and iptables rules, which needs root: run it as root (e.g. `sudo npm run bench -- hosts ...`)')
    this.name = 'NotRootError'
  }
}

/** The commands the bench runs, and the Debian package of each. */
const TOOLS = [{ command: 'ip', debian: 'iproute2' }, { command: 'iptables', debian: 'iptables' }]

export class MissingToolError extends Error {
  constructor (missing: Array<{ command: string, debian: string }>) {
    super(`the hosts bench runs ${missing.map(t => t.command).join(' and ')}, which ${missing.length === 1 ? 'is' : 'are'} not on this machine's PATH: ` +
      `install ${missing.length === 1 ? 'it' : 'them'} (Debian: \`apt-get install ${missing.map(t => t.debian).join(' ')}\`), then run the bench again`)
    this.name = 'MissingToolError'
  }
}

/** Whether an executable named `command` is in one of `path`'s directories. */
export function onPath (command: string, path = process.env.PATH ?? ''): boolean {
  return path.split(delimiter).some(dir => {
    if (dir === '') return false
    try {
      accessSync(join(dir, command), constants.X_OK)
      return true
    } catch {
      return false
    }
  })
}

export function lockPath (prefix: string): string {
  return `/run/${prefix}bench.pid`
}

/** The run's nodes' data directories live under this one, named by the prefix as the lock is. */
export function nodesDirOf (prefix: string): string {
  return join(tmpdir(), `${prefix}nodes`)
}

function entriesOf (dir: string): number {
  try {
    return readdirSync(dir).length
  } catch {
    return 0
  }
}

/** Whether a process with this id is alive. */
function alive (pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}

export function guardTopology (init: GuardInit = {}): Guard {
  if (process.getuid?.() !== 0) throw new NotRootError()
  // Checked before anything is made: a tool missing halfway would leave the run half built.
  const missing = TOOLS.filter(tool => !onPath(tool.command))
  if (missing.length > 0) throw new MissingToolError(missing)
  const prefix = init.prefix ?? NETNS_PREFIX
  const lock = lockPath(prefix)
  let holder: number | undefined
  try {
    holder = Number(readFileSync(lock, 'utf8').trim())
  } catch { /* no lock: no run */ }
  if (holder !== undefined && holder !== process.pid && Number.isInteger(holder) && alive(holder)) {
    throw new Error(`another hosts bench (process ${holder}) is running with the namespaces ${prefix}*: wait for it to end, or stop it (its lock is ${lock})`)
  }
  writeFileSync(lock, `${process.pid}\n`)
  const stale = removeTopology(prefix)
  const nodesDir = nodesDirOf(prefix)
  const staleNodeDirs = entriesOf(nodesDir)
  rmSync(nodesDir, { recursive: true, force: true })
  mkdirSync(nodesDir, { mode: 0o700 })

  let tornDown = false
  const teardown = (): void => {
    if (tornDown) return
    tornDown = true
    // The processes first: a node still running would write into its directory as it goes.
    removeTopology(prefix)
    rmSync(nodesDir, { recursive: true, force: true })
  }
  const abort = (reason: string, code: number): void => {
    init.onAbort?.(reason)
    teardown()
    rmSync(lock, { force: true })
    process.exit(code)
  }
  const onSignal = (signal: NodeJS.Signals): void => { abort(`received ${signal}`, 128 + (signal === 'SIGINT' ? 2 : signal === 'SIGHUP' ? 1 : 15)) }
  // An uncaught error also ends in 'exit'; the handlers there must be synchronous, as removeTopology is.
  const onExit = (): void => {
    teardown()
    rmSync(lock, { force: true })
  }
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP']
  for (const signal of signals) process.on(signal, onSignal)
  process.on('exit', onExit)
  const deadline = init.deadlineMs === undefined
    ? undefined
    : setTimeout(() => { abort(`the run's deadline of ${Math.round(init.deadlineMs! / 60_000)} min passed`, 3) }, init.deadlineMs)
  deadline?.unref()
  const floor = init.memoryFloorMiB
  const memoryWatch = floor === undefined
    ? undefined
    : setInterval(() => {
      // MemAvailable (what can be had without swapping), or the container's cgroup limit if lower.
      const available = process.availableMemory() / 2 ** 20
      if (available < floor) abort(`the machine's available memory fell to ${Math.round(available)} MiB, below the run's floor of ${floor} MiB`, 4)
    }, init.memoryCheckMs ?? MEMORY_CHECK_MS)
  memoryWatch?.unref()

  return {
    stale,
    nodesDir,
    staleNodeDirs,
    teardown,
    release: () => {
      teardown()
      for (const signal of signals) process.off(signal, onSignal)
      process.off('exit', onExit)
      clearTimeout(deadline)
      clearInterval(memoryWatch)
      rmSync(lock, { force: true })
    }
  }
}
