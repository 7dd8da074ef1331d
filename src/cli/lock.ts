import { open, readFile, unlink } from 'node:fs/promises'
import { join } from 'node:path'
import { KeydirError } from '../errors.js'

/** `<dataDir>/daemon.lock`: the pid of the node running on this data dir. */
export const LOCK_FILE = 'daemon.lock'

export interface DataDirLock {
  release (): Promise<void>
}

function isAlive (pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0 || pid === process.pid) return false
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}

export function alreadyRunning (dataDir: string, pid?: number): KeydirError {
  return new KeydirError('ERR_ALREADY_RUNNING',
    `another keydir node${pid === undefined ? '' : ` (pid ${pid})`} is already running on data dir ${dataDir}: ` +
    `stop it first, query it with \`keydir status --dir ${dataDir}\`, or start this one with another --dir`)
}

/**
 * Take the data dir for this process, or refuse with ERR_ALREADY_RUNNING when
 * a live process holds it. A lock left by a dead process is taken over.
 * LevelDB's own lock stays the last line of defence.
 */
export async function lockDataDir (dataDir: string): Promise<DataDirLock> {
  const path = join(dataDir, LOCK_FILE)
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const handle = await open(path, 'wx', 0o644)
      await handle.writeFile(`${process.pid}\n`)
      await handle.close()
      return {
        release: async () => {
          const held = await readFile(path, 'utf8').catch(() => '')
          if (Number(held.trim()) === process.pid) await unlink(path).catch(() => {})
        }
      }
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
    }
    const pid = Number((await readFile(path, 'utf8').catch(() => '')).trim())
    if (isAlive(pid)) throw alreadyRunning(dataDir, pid)
    await unlink(path).catch(() => {})
  }
  throw alreadyRunning(dataDir)
}

/** Whether an error (or its causes) is LevelDB refusing a database another process holds open. */
export function isLockError (err: unknown): boolean {
  for (let e = err as { code?: unknown, message?: unknown, cause?: unknown } | undefined, depth = 0; e != null && depth < 8; e = e.cause as typeof e, depth++) {
    if (e.code === 'LEVEL_LOCKED') return true
    if (typeof e.message === 'string' && /\block\b.*(held|unavailable|temporarily)|LOCK: /i.test(e.message)) return true
  }
  return false
}
