#!/usr/bin/env node
/**
 * The `keydir` command. Exit codes: 0 done, 1 failed, 2 usage.
 */
import { runCli } from './program.js'

const code = await runCli(process.argv)
// Let buffered output reach a pipe before exiting; libp2p may leave handles
// (sockets, timers) that would keep the process alive otherwise.
await new Promise<void>(resolve => { process.stdout.write('', () => { resolve() }) })
await new Promise<void>(resolve => { process.stderr.write('', () => { resolve() }) })
process.exit(code)
