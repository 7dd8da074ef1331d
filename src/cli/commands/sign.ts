import { OCTET_STREAM, MAX_SIGNED_DATA, type SignatureJson } from '../../api/index.js'
import { callApi, callApiBytes } from '../client.js'
import { EXIT_CODES_HELP, UsageError } from '../exit.js'
import { checkBinaryOutput, readInput, writeOutput, type IoOptions } from '../io.js'
import { dataDirOf, dirOption, jsonOption } from '../options.js'
import type { Command } from 'commander'

export function registerSign (program: Command): void {
  program.command('sign')
    .summary('sign a message with this node\'s ML-DSA-65 key')
    .description(
      'Ask the running node to sign a message (at most 1 MiB: sign a larger file\'s hash) with its ML-DSA-65 key ' +
      '(FIPS 204, context "keydir/signed-message/v1"). Anyone checks it against the directory with ' +
      '`keydir verify-signature <this PeerId>`. Reads the message from stdin or --in, writes the raw signature ' +
      '(3309 bytes, binary) to stdout or --out; --json prints { "peerId", "signature" } (base64) instead. ' +
      'Uses the API token in <dir>/api.token.')
    .addOption(dirOption())
    .option('--in <file>', 'read the message from FILE (default: stdin)')
    .option('--out <file>', 'write the signature (or the JSON) to FILE (default: stdout, never a terminal without --json)')
    .addOption(jsonOption('print { "peerId", "signature" } (base64) instead of the raw signature'))
    .addHelpText('after', `
Examples:
  keydir sign --in release.tar.gz --out release.tar.gz.sig
  keydir sign --in release.tar.gz --json
${EXIT_CODES_HELP}`)
    .action(async (options: IoOptions & { dir?: string, json?: boolean }) => {
      if (options.json !== true) checkBinaryOutput(options.out, 'the signature')
      const data = await readInput(options.in, MAX_SIGNED_DATA, 'the message', () =>
        new UsageError(`the message is larger than ${MAX_SIGNED_DATA} bytes (1 MiB): sign its hash instead (sha256sum FILE | keydir sign)`))
      const dataDir = dataDirOf(options)
      const body = { bytes: data, contentType: OCTET_STREAM }
      if (options.json === true) {
        const signed = await callApi<SignatureJson>(dataDir, '/v1/sign', { method: 'POST', auth: true, body })
        await writeOutput(options.out, Buffer.from(JSON.stringify(signed, null, 2) + '\n'))
        return
      }
      await writeOutput(options.out, await callApiBytes(dataDir, '/v1/sign', OCTET_STREAM, { method: 'POST', auth: true, body }))
    })
}
