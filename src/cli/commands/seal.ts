import { ENVELOPE_CONTENT_TYPE, OCTET_STREAM } from '../../api/index.js'
import { MAX_SEALED_DATA } from '../../envelope/constants.js'
import { callApiBytes } from '../client.js'
import { EXIT_CODES_HELP, UsageError } from '../exit.js'
import { checkBinaryOutput, readInput, writeOutput, type IoOptions } from '../io.js'
import { checkPeerIdArgument, dataDirOf, dirOption } from '../options.js'
import type { Command } from 'commander'

export function registerSeal (program: Command): void {
  program.command('seal')
    .summary('seal a message to a peer: only it can open it, and it learns the message came from this node')
    .description(
      'Ask the running node to seal a message (at most 1 MiB) to a peer: the node resolves the peer through the ' +
      'directory (a revoked peer or one that equivocated is refused), encrypts to its ML-KEM-768 + X25519 keys and ' +
      'signs inside with its own ML-DSA-65 key. Only that peer opens it (`keydir open`). Reads the message from stdin ' +
      'or --in, writes the envelope (binary) to stdout or --out. Uses the API token in <dir>/api.token.')
    .argument('<PEER_ID>', 'the recipient, such as 12D3KooW…')
    .addOption(dirOption())
    .option('--in <file>', 'read the message from FILE (default: stdin)')
    .option('--out <file>', 'write the envelope to FILE (default: stdout, never a terminal)')
    .addHelpText('after', `
Examples:
  keydir seal 12D3KooW… --in report.pdf --out report.pdf.sealed
  echo 'meet at noon' | keydir seal 12D3KooW… > note.sealed
${EXIT_CODES_HELP}`)
    .action(async (peer: string, options: IoOptions & { dir?: string }) => {
      const peerId = checkPeerIdArgument(peer)
      checkBinaryOutput(options.out, 'the envelope')
      const data = await readInput(options.in, MAX_SEALED_DATA, 'the message', () =>
        new UsageError(`the message is larger than an envelope holds (${MAX_SEALED_DATA} bytes, 1 MiB): split it`))
      const envelope = await callApiBytes(dataDirOf(options), `/v1/seal/${peerId}`, ENVELOPE_CONTENT_TYPE, {
        method: 'POST',
        auth: true,
        // Sealing resolves the peer: wait as long as the node's lookup may take.
        timeoutMs: null,
        body: { bytes: data, contentType: OCTET_STREAM }
      })
      await writeOutput(options.out, envelope)
    })
}
