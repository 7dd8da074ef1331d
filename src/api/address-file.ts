import { readFile, rename, unlink, writeFile } from 'node:fs/promises'
import { join } from 'node:path'

/**
 * `<dataDir>/api.json`: where the running node's HTTP API listens, so the
 * other commands find it without flags. The node writes it once the API is
 * up and removes it when it stops.
 */
export const API_ADDRESS_FILE = 'api.json'
const MAX_ADDRESS_FILE_BYTES = 4096

export interface ApiAddressFile {
  /** `http://127.0.0.1:7357` */
  url: string
  pid: number
  peerId: string
  /** Unix milliseconds. */
  startedAt: number
}

export function apiAddressPath (dataDir: string): string {
  return join(dataDir, API_ADDRESS_FILE)
}

/** Written to a temporary file and renamed, so a reader never sees half of it. */
export async function writeApiAddress (dataDir: string, address: ApiAddressFile): Promise<void> {
  const path = apiAddressPath(dataDir)
  const tmp = `${path}.${process.pid}.tmp`
  await writeFile(tmp, JSON.stringify(address, null, 2) + '\n', { mode: 0o644 })
  await rename(tmp, path)
}

/** The address file, or undefined when there is none or it is not one of ours. */
export async function readApiAddress (dataDir: string): Promise<ApiAddressFile | undefined> {
  let text: string
  try {
    text = await readFile(apiAddressPath(dataDir), 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw err
  }
  if (text.length > MAX_ADDRESS_FILE_BYTES) return undefined
  try {
    const parsed = JSON.parse(text) as Partial<ApiAddressFile>
    if (typeof parsed.url !== 'string' || !/^https?:\/\//.test(parsed.url) || typeof parsed.pid !== 'number') return undefined
    return { url: parsed.url, pid: parsed.pid, peerId: String(parsed.peerId ?? ''), startedAt: Number(parsed.startedAt ?? 0) }
  } catch {
    return undefined
  }
}

/** Remove the address file if it is this process's (a newer node may have replaced it). */
export async function removeApiAddress (dataDir: string, pid: number = process.pid): Promise<void> {
  const current = await readApiAddress(dataDir).catch(() => undefined)
  if (current !== undefined && current.pid !== pid) return
  await unlink(apiAddressPath(dataDir)).catch(() => {})
}

/**
 * Remove the address file whoever wrote it: for a node that has just taken
 * the data dir, any api.json there is a crashed node's. Nothing to remove
 * is fine; any other failure is an error (a stale file must not stay).
 */
export async function removeStaleApiAddress (dataDir: string): Promise<void> {
  try {
    await unlink(apiAddressPath(dataDir))
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err
  }
}
