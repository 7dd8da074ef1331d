import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { readdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { describe, it } from 'node:test'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { isAlive } from '../helpers-daemon/process.js'
import { waitUntil } from '../helpers/network.js'
import { makeTempDir } from '../helpers/temp-dir.js'

const NETWORK = pathToFileURL(fileURLToPath(new URL('../../bench/network.js', import.meta.url))).href

/**
 * A coordinator that starts one node in a bench host process, prints the
 * host's pid on a line of its own, and waits to be killed. A file, not
 * `node -e`: a host is forked with its coordinator's execArgv, which would
 * hold the -e code.
 */
const COORDINATOR = `
const { Host } = await import(${JSON.stringify(NETWORK)})
const host = new Host(() => {})
await host.call({ op: 'start', kind: 'keydir', count: 1 })
console.log('host pid ' + String(host.pid))
setInterval(() => {}, 1000)
`

/** The pid the coordinator prints; the host shares its stdout, so other lines may come first. */
async function hostPidOf (coordinator: ReturnType<typeof spawn>, timeoutMs: number): Promise<number> {
  const lines = createInterface({ input: coordinator.stdout! })
  const timer = setTimeout(() => { coordinator.kill('SIGKILL') }, timeoutMs)
  try {
    for await (const line of lines) {
      const match = /^host pid (\d+)$/.exec(line)
      if (match !== null) return Number(match[1])
    }
    throw new Error(`the coordinator ended (${coordinator.exitCode ?? coordinator.signalCode}) before its node started`)
  } finally {
    clearTimeout(timer)
    lines.close()
  }
}

describe('bench host processes', () => {
  it('a killed coordinator\'s host process removes its node dirs and exits', async () => {
    const nodesDir = await makeTempDir('keydir-bench-nodes-')
    const scriptDir = await makeTempDir('keydir-bench-coordinator-')
    const script = join(scriptDir.path, 'coordinator.mjs')
    await writeFile(script, COORDINATOR)
    const coordinator = spawn(process.execPath, [script], {
      env: { ...process.env, KEYDIR_BENCH_NODES_DIR: nodesDir.path },
      stdio: ['ignore', 'pipe', 'inherit']
    })
    let hostPid: number | undefined
    try {
      hostPid = await hostPidOf(coordinator, 60_000)
      assert.equal((await readdir(nodesDir.path)).length, 1, 'the node\'s dir, while it runs')
      coordinator.kill('SIGKILL')
      await waitUntil(async () => (await readdir(nodesDir.path)).length === 0, 'the node\'s dir removed', 30_000)
      const pid = hostPid
      await waitUntil(() => !isAlive(pid) || isZombie(pid), 'the host process exited', 30_000)
    } finally {
      coordinator.kill('SIGKILL')
      if (hostPid !== undefined && isAlive(hostPid)) process.kill(hostPid, 'SIGKILL')
      await nodesDir.remove()
      await scriptDir.remove()
    }
  })
})

/** An exited process its new parent has not reaped yet (the coordinator that forked it was killed). */
function isZombie (pid: number): boolean {
  try {
    return /\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'))
  } catch {
    return false
  }
}
