import { setTimeout as sleep } from 'node:timers/promises'
import { isKeyChangeKind } from '../../node/events.js'
import { KeydirError } from '../../errors.js'
import { openEventStream } from '../client.js'
import { EXIT_CODES_HELP } from '../exit.js'
import { dataDirOf, dirOption, jsonOption } from '../options.js'
import { formatTime, note, println } from '../output.js'
import { SseParser, type SseEvent } from '../sse.js'
import type { KeyChangeJson } from '../../api/index.js'
import type { Command } from 'commander'

const second = 1000
/** The first wait before connecting again to a node that went away; it doubles up to MAX_RETRY_MS. */
const FIRST_RETRY_MS = second / 2
const MAX_RETRY_MS = 5 * second

/**
 * Failures that mean the node is away for now (stopped, restarting, its
 * address file not yet rewritten): after a first connection, watch waits
 * and connects again. Anything else (a process that is not our node, no
 * token, too many streams) ends it.
 */
const TRANSIENT = new Set(['ERR_NO_NODE', 'ERR_API_UNREACHABLE', 'ERR_API_TIMEOUT', 'ERR_SHUTTING_DOWN'])

interface WatchOptions {
  dir?: string
  json?: boolean
}

export function registerWatch (program: Command): void {
  program.command('watch')
    .summary('print the running node\'s key changes as they happen')
    .description(
      'Print a line for each change of a peer\'s keys the running node sees: new (first keys of a peer), ' +
      'rotated (a new ML-DSA-65 key with a rotation proof), revoked, equivocated. It reads GET /v1/events. ' +
      'When the node stops or restarts, watch waits for it and resumes where it left off (Last-Event-ID), ' +
      'noting on stderr when events may have been missed. Ctrl-C (or SIGTERM) ends it with exit code 0.')
    .addOption(dirOption())
    .addOption(jsonOption('print each event as the node sends it: one JSON line { peerId, change, seq, at }'))
    .addHelpText('after', `
Output:
  2026-12-02 10:15:04Z  rotated      12D3KooW…  seq 1795869612345

Examples:
  keydir watch
  keydir watch --json | jq -r 'select(.change == "rotated") | .peerId'
${EXIT_CODES_HELP}`)
    .action(async (options: WatchOptions) => {
      const dataDir = dataDirOf(options)
      const stop = new AbortController()
      const onSignal = (): void => { stop.abort() }
      // A reader that went away (`| head -1`) ends the watch too.
      const onStdoutError = (err: NodeJS.ErrnoException): void => {
        if (err.code !== 'EPIPE') throw err
        stop.abort()
      }
      process.once('SIGINT', onSignal)
      process.once('SIGTERM', onSignal)
      process.stdout.on('error', onStdoutError)
      try {
        await watch(dataDir, options.json === true, stop.signal)
      } finally {
        process.off('SIGINT', onSignal)
        process.off('SIGTERM', onSignal)
        process.stdout.off('error', onStdoutError)
      }
    })
}

/** Read the node's events until `signal`; connect again when the node goes away after a first connection. */
async function watch (dataDir: string, json: boolean, signal: AbortSignal): Promise<void> {
  const parser = new SseParser()
  let connected = false
  let away = false
  let retryMs = FIRST_RETRY_MS
  while (!signal.aborted) {
    try {
      const body = await openEventStream(dataDir, { lastEventId: parser.lastEventId, signal })
      if (away) note('keydir: connected to the node again')
      else if (!connected) note('keydir: watching the node\'s key changes (Ctrl-C to stop)')
      connected = true
      away = false
      retryMs = FIRST_RETRY_MS
      for await (const text of body.pipeThrough(new TextDecoderStream())) {
        for (const event of parser.push(text)) show(event, json)
      }
    } catch (err) {
      if (signal.aborted) return
      // Before a first connection, fail as the other commands do; a stream cut off midway (not a KeydirError) is the node going away.
      if (!connected || (err instanceof KeydirError && !TRANSIENT.has(err.code))) throw err
    }
    if (signal.aborted) return
    if (!away) note('keydir: the node went away; waiting for it to come back (Ctrl-C to stop)')
    away = true
    await sleep(retryMs, undefined, { signal }).catch(() => {})
    retryMs = Math.min(retryMs * 2, MAX_RETRY_MS)
  }
}

function show (event: SseEvent, json: boolean): void {
  if (event.event === 'missed') {
    const reason = (parseJson(event.data) as { reason?: unknown } | undefined)?.reason
    note(reason === 'restart'
      ? 'keydir: the node restarted; changes while it was away were not recorded and may have been missed'
      : 'keydir: the node no longer holds every change since the last one shown; some may have been missed')
    return
  }
  if (event.event !== 'key-change') return
  const change = parseJson(event.data) as Partial<KeyChangeJson> | undefined
  if (change === undefined || typeof change.peerId !== 'string' || !isKeyChangeKind(change.change) || typeof change.seq !== 'number') {
    note(`keydir: skipped an event that is not a key change: ${event.data.slice(0, 200)}`)
    return
  }
  if (json) {
    println(event.data)
    return
  }
  const at = typeof change.at === 'number' ? change.at : Date.now()
  println(`${formatTime(at)}  ${change.change.padEnd(11)}  ${change.peerId}  seq ${change.seq}`)
}

function parseJson (text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}
