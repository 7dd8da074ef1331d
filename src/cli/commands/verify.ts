import { readFile, stat } from 'node:fs/promises'
import { Option, type Command } from 'commander'
import { evidenceJson } from '../../api/index.js'
import { selectPqCrypto } from '../../crypto/index.js'
import { KeydirError } from '../../errors.js'
import { isEquivocationBytes, MAX_EVIDENCE_BYTES, validateEquivocationProof } from '../../record/index.js'
import { EXIT_CODES_HELP, UsageError } from '../exit.js'
import { jsonOption } from '../options.js'
import { formatTime, printFields, printJson, println } from '../output.js'

/** Base64 of the largest proof, with line breaks to spare: a file larger than this is neither form. */
const MAX_FILE_BYTES = Math.ceil(MAX_EVIDENCE_BYTES / 3) * 4 + 4096

export function registerVerify (program: Command): void {
  program.command('verify')
    .summary('check an equivocation proof offline')
    .description(
      'Check an equivocation proof offline, with no node running: two key records of one peer with one seq and ' +
      'different signed content, both validly signed by the peer (Ed25519 and ML-DSA-65). A valid proof means the ' +
      'peer (or whoever holds its keys) signed both; an honest keydir node never does. FILE holds the proof\'s bytes ' +
      '(GET /v1/evidence/{peerId} with Accept: application/vnd.keydir.equivocation) or their base64 (the JSON\'s "proof").')
    .addOption(new Option('--evidence <FILE>', 'the equivocation proof to check').makeOptionMandatory())
    .addOption(jsonOption())
    .addHelpText('after', `
Examples:
  curl -H 'Accept: application/vnd.keydir.equivocation' http://127.0.0.1:8080/v1/evidence/12D3KooW… > proof.bin
  keydir verify --evidence proof.bin
${EXIT_CODES_HELP}`)
    .action(async (options: { evidence: string, json?: boolean }) => {
      const proof = validateEquivocationProof(selectPqCrypto(), await readEvidence(options.evidence))
      const shown = evidenceJson(proof)
      if (options.json === true) {
        printJson({ valid: true, ...shown })
        return
      }
      println(`Valid equivocation proof: ${shown.peerId} signed two different records with seq ${shown.seq}. Do not use its keys.`)
      const [a, b] = shown.records
      printFields([
        ['PeerId', shown.peerId],
        ['seq', String(shown.seq)],
        ['record A', `sha256 ${a.sha256}, issued ${formatTime(a.issuedAt)}, ML-DSA-65 ${a.mlDsaFingerprint}`],
        ['record B', `sha256 ${b.sha256}, issued ${formatTime(b.issuedAt)}, ML-DSA-65 ${b.mlDsaFingerprint}`],
        ['differ in', shown.differs.join(', ')]
      ])
    })
}

/** The file's bytes: the proof itself, or its base64 (whitespace ignored). */
async function readEvidence (path: string): Promise<Uint8Array> {
  const info = await stat(path).catch(err => {
    throw new KeydirError('ERR_EVIDENCE_UNREADABLE', `cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? String(err)}): give the path of a proof file`)
  })
  if (!info.isFile() || info.size === 0 || info.size > MAX_FILE_BYTES) {
    throw new UsageError(`${path} is not an equivocation proof (a file of 1 to ${MAX_EVIDENCE_BYTES} bytes, or their base64)`)
  }
  const bytes = new Uint8Array(await readFile(path))
  if (isEquivocationBytes(bytes)) return bytes
  const text = Buffer.from(bytes).toString('latin1').replace(/\s+/g, '')
  return /^[A-Za-z0-9+/]+={0,2}$/.test(text) ? new Uint8Array(Buffer.from(text, 'base64')) : bytes
}
