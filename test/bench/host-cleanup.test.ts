import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { readdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { waitUntil } from '../helpers/network.js'
import { makeTempDir } from '../helpers/temp-dir.js'

const NETWORK = pathToFileURL(fileURLToPath(new URL('../../bench/network.js', import.meta.url))).href

/**
 * A coordinator that starts one node in a bench host process, says so with
 * the host's pid, and waits to be killed. A file, not `node -e`: a host is
 * forked with its coordinator's execArgv, which would hold the -e code.
 */
const COORDINATOR = `
const { Host } = await import(${JSON.stringify(NETWORK)})
const host = new Host(() => {})
await host.call({ op: 'start', kind: 'keydir', count: 1 })
console.log(String(host.pid))
setInterval(() => {}, 1000)
`

function alive (pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
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
    try {
      const hostPid = await new Promise<number>((resolve, reject) => {
        coordinator.stdout.once('data', (chunk: Buffer) => { resolve(Number(chunk.toString().trim())) })
        coordinator.once('exit', code => { reject(new Error(`the coordinator exited (${code}) before its node started`)) })
      })
      assert.equal((await readdir(nodesDir.path)).length, 1, 'the node\'s dir, while it runs')
      coordinator.kill('SIGKILL')
      await waitUntil(() => !alive(hostPid), 'the host process exited', 30_000)
      assert.deepEqual(await readdir(nodesDir.path), [])
    } finally {
      coordinator.kill('SIGKILL')
      await nodesDir.remove()
      await scriptDir.remove()
    }
  })
})
