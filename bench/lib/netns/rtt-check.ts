/**
 * The hosts bench's self-check that its delay is real: one TCP connection
 * from host 0 to host 1, through the namespaces, the bridge and the link
 * delay of both processes, timing one-byte round trips. The first round
 * trip also pays the dial's extra one; the check reads the ones after it.
 */
import { execFile, spawn } from 'node:child_process'
import { once } from 'node:events'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import type { NetnsHost } from './topology.js'

const PROBE = fileURLToPath(new URL('./rtt-probe.js', import.meta.url))

export interface RttCheck {
  /** The round trip the bench adds, ms. */
  configuredMs: number
  /** Round trips measured after the first, ms. */
  samples: number[]
  minMs: number
  /** The first round trip, dial included. */
  firstMs: number
}

/** Measure `count` round trips from `from` to `to`; both run a probe process in their namespace. */
export async function checkRtt (from: NetnsHost, to: NetnsHost, rttMs: number, count = 10): Promise<RttCheck> {
  const server = spawn('ip', ['netns', 'exec', to.ns, process.execPath, PROBE, 'serve', to.address, String(rttMs)], { stdio: ['ignore', 'pipe', 'inherit'] })
  try {
    const [line] = await Promise.race([
      once(server.stdout, 'data') as Promise<[Buffer]>,
      once(server, 'exit').then(([code]) => { throw new Error(`the RTT probe's server in ${to.ns} exited with ${code}`) })
    ])
    const port = line.toString().trim()
    const { stdout } = await promisify(execFile)('ip', ['netns', 'exec', from.ns, process.execPath, PROBE, 'ping', to.address, port, String(count + 1), String(rttMs)], { timeout: 30_000 + count * rttMs * 4 })
    const [firstMs, ...samples] = JSON.parse(stdout) as number[]
    return { configuredMs: rttMs, samples, minMs: Math.min(...samples), firstMs }
  } finally {
    server.kill('SIGKILL')
  }
}
