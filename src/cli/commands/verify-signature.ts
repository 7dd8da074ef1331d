import { readFile, stat } from 'node:fs/promises'
import { Option, type Command } from 'commander'
import { MAX_SIGNED_DATA, type SignatureCheckJson } from '../../api/index.js'
import { ML_DSA_65 } from '../../crypto/index.js'
import { KeydirError } from '../../errors.js'
import { callApi } from '../client.js'
import { EXIT_CODES_HELP, EXIT_SIGNATURE_EARLIER_KEY, EXIT_SIGNATURE_INVALID, UsageError } from '../exit.js'
import { readInput } from '../io.js'
import { checkPeerIdArgument, dataDirOf, dirOption, jsonOption } from '../options.js'
import { printJson, println } from '../output.js'

/** A signature file is the raw signature, its base64, or `keydir sign --json`'s output: never larger than this. */
const MAX_SIGNATURE_FILE = 16 * 1024

export function registerVerifySignature (program: Command): void {
  program.command('verify-signature')
    .summary('check a peer\'s signature of a message against the directory')
    .description(
      'Ask the running node whether SIGNATURE_FILE is the peer\'s ML-DSA-65 signature of the message (`keydir sign` ' +
      'on that peer), checked against the keys the directory holds for it: its current key, then the earlier keys ' +
      'of its rotation chain. Needs no token. Reads the message from stdin or --in. The signature file holds the ' +
      'raw 3309 bytes, their base64, or `keydir sign --json`\'s output. Exit 0: valid by the current key; 6: valid ' +
      'by an earlier key only (the peer has rotated since: ask for a fresh signature); 7: not valid. Not `keydir ' +
      'verify`, which checks a record, certificate, proof or envelope offline.')
    .argument('<PEER_ID>', 'the signer, such as 12D3KooW…')
    .addOption(new Option('--signature <file>', 'the signature to check').makeOptionMandatory())
    .option('--in <file>', 'read the message from FILE (default: stdin)')
    .addOption(dirOption())
    .addOption(jsonOption('print { "peerId", "valid", "current", "seq" }'))
    .addHelpText('after', `
Examples:
  keydir verify-signature 12D3KooW… --signature release.tar.gz.sig --in release.tar.gz
  keydir verify-signature 12D3KooW… --signature release.tar.gz.sig --json < release.tar.gz
${EXIT_CODES_HELP}`)
    .action(async (peer: string, options: { signature: string, in?: string, dir?: string, json?: boolean }) => {
      const peerId = checkPeerIdArgument(peer)
      const signature = await readSignature(options.signature)
      const data = await readInput(options.in, MAX_SIGNED_DATA, 'the message', () =>
        new UsageError(`the message is larger than ${MAX_SIGNED_DATA} bytes (1 MiB), more than keydir signs: was its hash signed?`))
      const body = JSON.stringify({ data: Buffer.from(data).toString('base64'), signature: Buffer.from(signature).toString('base64') })
      const check = await callApi<SignatureCheckJson>(dataDirOf(options), `/v1/verify/${peerId}`, {
        method: 'POST',
        // Checking resolves the signer: wait as long as the node's lookup may take.
        timeoutMs: null,
        body: { bytes: Buffer.from(body), contentType: 'application/json' }
      })
      process.exitCode = check.valid ? (check.current ? 0 : EXIT_SIGNATURE_EARLIER_KEY) : EXIT_SIGNATURE_INVALID
      if (options.json === true) {
        printJson({ peerId, valid: check.valid, current: check.current, seq: check.seq })
        return
      }
      if (check.valid && check.current) println(`valid: signed by ${peerId} with its current key (record seq ${check.seq})`)
      else if (check.valid) println(`valid, but by an earlier key: ${peerId} signed with the key of its record seq ${check.seq}, and has rotated away from it since`)
      else println(`NOT valid: no key the directory holds for ${peerId} (current or earlier) made this signature of this message`)
    })
}

/** The signature's bytes from a file: raw, base64, or `{ "signature": base64 }`. */
async function readSignature (path: string): Promise<Uint8Array> {
  const info = await stat(path).catch(err => {
    throw new KeydirError('ERR_INPUT_UNREADABLE', `cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? String(err)}): give the path of a signature file`)
  })
  const notASignature = new UsageError(`${path} is not an ML-DSA-65 signature: ${ML_DSA_65.signature} bytes, their base64, or \`keydir sign --json\`'s output`)
  if (!info.isFile() || info.size === 0 || info.size > MAX_SIGNATURE_FILE) throw notASignature
  const bytes = await readFile(path)
  if (bytes.length === ML_DSA_65.signature) return new Uint8Array(bytes)
  let text = bytes.toString('latin1').trim()
  if (text.startsWith('{')) {
    try {
      const json = JSON.parse(text) as { signature?: unknown }
      text = typeof json.signature === 'string' ? json.signature : ''
    } catch {
      throw notASignature
    }
  }
  text = text.replace(/\s+/g, '')
  const decoded = /^[A-Za-z0-9+/]+={0,2}$/.test(text) ? Buffer.from(text, 'base64') : undefined
  if (decoded?.length !== ML_DSA_65.signature) throw notASignature
  return new Uint8Array(decoded)
}
