import { ENVELOPE_CONTENT_TYPE, type OpenedJson } from '../../api/index.js'
import { MAX_ENVELOPE_BYTES } from '../../envelope/constants.js'
import { KeydirError } from '../../errors.js'
import { callApi } from '../client.js'
import { EXIT_CODES_HELP } from '../exit.js'
import { checkBinaryOutput, readInput, writeOutput, type IoOptions } from '../io.js'
import { dataDirOf, dirOption, jsonOption } from '../options.js'
import { note } from '../output.js'
import type { Command } from 'commander'

export function registerOpen (program: Command): void {
  program.command('open')
    .summary('open an envelope sealed to this node, and say who sealed it')
    .description(
      'Ask the running node to open an envelope sealed to it (`keydir seal` on another node): it decrypts it and ' +
      'checks the sender\'s ML-DSA-65 signature inside against the key the directory holds for the sender. ' +
      'Reads the envelope from stdin or --in, writes the message (binary) to stdout or --out (a new file is made ' +
      'readable by the owner only) and `from <PeerId>` to stderr. --json prints { "from", "data" } (data in base64) ' +
      'instead. Uses the API token in <dir>/api.token.')
    .addOption(dirOption())
    .option('--in <file>', 'read the envelope from FILE (default: stdin)')
    .option('--out <file>', 'write the message (or the JSON) to FILE (default: stdout, never a terminal without --json)')
    .addOption(jsonOption('print { "from", "data" } (data in base64) instead of the raw message'))
    .addHelpText('after', `
Examples:
  keydir open --in report.pdf.sealed --out report.pdf
  keydir open < note.sealed | cat
  keydir open --in note.sealed --json | jq -r .from
${EXIT_CODES_HELP}`)
    .action(async (options: IoOptions & { dir?: string, json?: boolean }) => {
      if (options.json !== true) checkBinaryOutput(options.out, 'the opened message')
      const envelope = await readInput(options.in, MAX_ENVELOPE_BYTES, 'the envelope', () =>
        new KeydirError('ERR_ENVELOPE_TOO_LARGE', `the input is larger than any envelope (${MAX_ENVELOPE_BYTES} bytes): it is not one`))
      // JSON, not the raw answer: the proof of the node's answer covers its body, so `from` is proved with the data.
      const opened = await callApi<OpenedJson>(dataDirOf(options), '/v1/open', {
        method: 'POST',
        auth: true,
        // Opening resolves the sender: wait as long as the node's lookup may take.
        timeoutMs: null,
        body: { bytes: envelope, contentType: ENVELOPE_CONTENT_TYPE }
      })
      if (options.json === true) {
        await writeOutput(options.out, Buffer.from(JSON.stringify(opened, null, 2) + '\n'), 0o600)
        return
      }
      await writeOutput(options.out, Buffer.from(opened.data, 'base64'), 0o600)
      note(`from ${opened.from}`)
    })
}
