import { Command, CommanderError } from 'commander'
import { DEBUG_ENV } from '../config/index.js'
import { keydirVersion } from '../util/version.js'
import { registerAnchor } from './commands/anchor.js'
import { registerCompletion } from './commands/completion.js'
import { registerDemo } from './commands/demo.js'
import { registerInit } from './commands/init.js'
import { registerOpen } from './commands/open.js'
import { registerPeers } from './commands/peers.js'
import { registerResolve } from './commands/resolve.js'
import { registerRevoke } from './commands/revoke.js'
import { registerRotate } from './commands/rotate.js'
import { registerSeal } from './commands/seal.js'
import { registerSign } from './commands/sign.js'
import { registerStart } from './commands/start.js'
import { registerStatus } from './commands/status.js'
import { registerStop } from './commands/stop.js'
import { registerVerify } from './commands/verify.js'
import { registerVerifySignature } from './commands/verify-signature.js'
import { registerVersion } from './commands/version.js'
import { registerWatch } from './commands/watch.js'
import { EXIT_CODES_HELP, EXIT_FAILED, EXIT_OK, EXIT_USAGE, exitCodeFor } from './exit.js'

/** The `keydir` command line. Commands throw; `runCli` turns errors into messages and exit codes. */
export function createProgram (): Command {
  const program = new Command('keydir')
    .description('keydir: a post-quantum peer key directory for libp2p networks (ML-DSA-65 / ML-KEM-768 keys in a Kademlia DHT)')
    .version(keydirVersion(), '-V, --version')
    .exitOverride()
    .showSuggestionAfterError()
    .showHelpAfterError('(add --help for usage)')
    .configureOutput({
      writeOut: s => { process.stdout.write(s) },
      writeErr: s => { process.stderr.write(s) },
      // commander's own errors (unknown option, missing argument) in keydir's form: "keydir: ...", as every other error.
      outputError: (s, write) => { write(s.replace(/^error: /, 'keydir: ')) }
    })
    .addHelpText('after', `
Every command but version and completion takes --dir (default: $KEYDIR_DIR, else
~/.keydir); the running node writes its API address there, so the other commands find it.

Quick start:
  keydir init                 # make an identity in ~/.keydir
  keydir start                # run the node (Ctrl-C stops it)
  keydir status               # in another terminal
  keydir resolve <PEER_ID>
${EXIT_CODES_HELP}`)

  registerInit(program)
  registerStart(program)
  registerStop(program)
  registerResolve(program)
  registerPeers(program)
  registerStatus(program)
  registerAnchor(program)
  registerRotate(program)
  registerRevoke(program)
  registerVerify(program)
  registerSeal(program)
  registerOpen(program)
  registerSign(program)
  registerVerifySignature(program)
  registerWatch(program)
  registerDemo(program)
  registerVersion(program)
  registerCompletion(program)
  return program
}

/** Run `keydir` with these arguments (as in process.argv) and return the exit code. */
export async function runCli (argv: string[]): Promise<number> {
  const program = createProgram()
  try {
    await program.parseAsync(argv)
    const code = Number(process.exitCode ?? EXIT_OK)
    return Number.isInteger(code) ? code : EXIT_FAILED
  } catch (err) {
    if (err instanceof CommanderError) {
      // Commander has printed its message (or the help) already.
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version') return EXIT_OK
      if (err.code === 'commander.help') return err.exitCode === 0 ? EXIT_OK : EXIT_USAGE
      return EXIT_USAGE
    }
    const code = exitCodeFor(err)
    const message = err instanceof Error ? err.message : String(err)
    process.stderr.write(`keydir: ${message}\n`)
    if (code === EXIT_USAGE) process.stderr.write('(add --help for usage)\n')
    if (process.env[DEBUG_ENV] === '1' && err instanceof Error && err.stack !== undefined) process.stderr.write(`${err.stack}\n`)
    return code
  }
}
