import { setTimeout as sleep } from 'node:timers/promises'
import { readApiAddress } from '../../api/index.js'
import { KeydirError } from '../../errors.js'
import { callApi, isNodeAlive } from '../client.js'
import { STOP_TIMEOUT_MS } from '../daemon.js'
import { EXIT_CODES_HELP } from '../exit.js'
import { dataDirOf, dirOption, jsonOption } from '../options.js'
import { printJson, println } from '../output.js'
import type { ShutdownJson } from '../../api/index.js'
import type { Command } from 'commander'

const second = 1000
/** How long `keydir stop` waits for the process to exit: the node's own stop deadline, then exit 1, plus a margin. */
export const STOP_WAIT_MS = STOP_TIMEOUT_MS + 5 * second
const POLL_MS = 100

/** Wait until the process is gone, at most `timeoutMs`; whether it is. */
export async function waitForExit (pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs
  while (isNodeAlive(pid)) {
    if (Date.now() >= deadline) return false
    await sleep(POLL_MS)
  }
  return true
}

export function registerStop (program: Command): void {
  program.command('stop')
    .summary('stop the running node of the data dir, as SIGTERM does')
    .description(
      'Ask the running node of the data dir to stop (POST /v1/shutdown, with the API token in <dir>/api.token), ' +
      `then wait until its process has exited, at most ${STOP_WAIT_MS / second} s. The node stops as on SIGTERM: ` +
      'the API stops accepting, in-flight requests finish, the node stops and closes its databases. ' +
      'Without a running node it fails (exit 1) and says so.')
    .addOption(dirOption())
    .addOption(jsonOption())
    .addHelpText('after', `
Examples:
  keydir stop --dir /var/lib/keydir
  keydir stop && keydir start           # restart
${EXIT_CODES_HELP}`)
    .action(async (options: { dir?: string, json?: boolean }) => {
      const dataDir = dataDirOf(options)
      let pid: number
      try {
        pid = (await callApi<ShutdownJson>(dataDir, '/v1/shutdown', { method: 'POST', auth: true })).pid
      } catch (err) {
        if (err instanceof KeydirError && err.code === 'ERR_NO_NODE') {
          throw new KeydirError('ERR_NO_NODE', `no keydir node is running for data dir ${dataDir}: nothing to stop (is it another --dir?)`, { cause: err })
        }
        // Stopping already (a signal, another keydir stop): wait for it like for our own request. Its api.json goes when it has stopped.
        const stopping = err instanceof KeydirError && err.code === 'ERR_SHUTTING_DOWN' ? await readApiAddress(dataDir) : undefined
        if (stopping === undefined) throw err
        pid = stopping.pid
      }
      if (!await waitForExit(pid, STOP_WAIT_MS)) {
        throw new KeydirError('ERR_STOP_TIMEOUT',
          `the node of data dir ${dataDir} (pid ${pid}) was asked to stop but still runs after ${STOP_WAIT_MS / second} s: ` +
          `see its log, then kill -TERM ${pid} (kill -KILL ${pid} if it hangs)`)
      }
      if (options.json === true) {
        printJson({ stopped: true, pid, dataDir })
        return
      }
      println(`Stopped the keydir node of data dir ${dataDir} (pid ${pid}).`)
    })
}
