import { Option, type Command } from 'commander'
import { loadConfig } from '../../config/index.js'
import { selectPqCrypto, type PqCrypto } from '../../crypto/index.js'
import { IdentityError, UnverifiableFileError } from '../../errors.js'
import { DEFAULT_ENVELOPE_GRACE_MS, loadIdentity } from '../../identity/index.js'
import { aKind, checkFile, detectFile, firstFailure, maxFileBytes, recipientKeysOf, VERIFIABLE_KINDS, type RecipientKeys, type VerifiableKind } from '../../offline/index.js'
import { checkDataDirSafe } from '../data-dir.js'
import { EXIT_CODES_HELP, EXIT_USAGE, EXIT_VERIFY_FAILED, UsageError } from '../exit.js'
import { jsonOption } from '../options.js'
import { note, printJson } from '../output.js'
import { parseAt, readFileToCheck } from '../verify/input.js'
import { isValid, printReport, printReportJson } from '../verify/report.js'
import type { KeyRecord } from '../../record/index.js'

interface VerifyOptions {
  evidence?: string
  at?: string
  dir?: string
  senderRecord?: string
  json?: boolean
}

export function registerVerify (program: Command): void {
  program.command('verify')
    .summary('check a key record, revocation certificate, equivocation proof or sealed envelope offline')
    .description(
      'Check FILE offline, with no node running and no network, trusting no one: a key record, a revocation certificate, ' +
      'an equivocation proof or a sealed envelope, as its bytes, their base64 or the API\'s JSON (the kind is found by ' +
      'decoding, never from the name). Prints each check with ✓ (holds), ✗ (does not, with the code a node refuses it ' +
      'with) or ? (not checked, and what would check it), then what the file proves and what it does not. A sealed ' +
      'envelope\'s signature is inside its ciphertext: --dir (the recipient\'s data dir, read only) opens it and ' +
      '--sender-record checks it. Exit 0: everything holds; 5: something does not; 2: an envelope without what ' +
      'checking it needs.')
    .argument('[FILE]', 'the file to check')
    .addOption(new Option('--evidence <FILE>', 'check FILE as an equivocation proof only (what `keydir verify --evidence` always did)'))
    .addOption(new Option('--at <time>', 'check times at this ISO time (with its zone) or Unix ms instead of now'))
    .addOption(new Option('--dir <path>', 'an envelope\'s recipient data dir, to open it with its secret key (read only; no default here)'))
    .addOption(new Option('--sender-record <FILE>', 'an envelope sender\'s key record, to check its signature (itself checked as a record)'))
    .addOption(jsonOption('print { "kind", "valid", "checks": [{ "name", "ok", "code" }], ... }'))
    .addHelpText('after', `
Examples:
  keydir verify ~/.keydir/revocation.cert
  keydir verify peer.record --at 2026-03-01T12:00:00Z
  keydir verify proof.bin --json
  keydir verify note.sealed --dir ~/.keydir --sender-record sender.record

  peer.record:  curl -H 'Accept: application/vnd.keydir.key-record' http://127.0.0.1:7357/v1/keys/12D3KooW… > peer.record
  proof.bin:    curl -H 'Accept: application/vnd.keydir.equivocation' http://127.0.0.1:7357/v1/evidence/12D3KooW… > proof.bin
${EXIT_CODES_HELP}`)
    .action(async (path: string | undefined, options: VerifyOptions) => {
      if (path !== undefined && options.evidence !== undefined) throw new UsageError('give FILE or --evidence FILE, not both')
      const target = path ?? options.evidence
      if (target === undefined) throw new UsageError('give the FILE to check')
      // --evidence keeps its documented meaning: exit 0 only for a valid equivocation proof, never for another kind.
      const kinds: readonly VerifiableKind[] = options.evidence !== undefined ? ['equivocation-proof'] : VERIFIABLE_KINDS
      const at = options.at === undefined ? Date.now() : parseAt(options.at)

      const bytes = await readFileToCheck(target, maxFileBytes(kinds), kindList(kinds))
      let file
      try {
        file = detectFile(bytes, { kinds, name: target })
      } catch (err) {
        if (options.json === true && err instanceof UnverifiableFileError) {
          printJson({ kind: null, valid: false, error: { code: err.code, message: err.message }, tried: err.tried })
        }
        throw err
      }

      let crypto = selectPqCrypto()
      let recipient: RecipientKeys | undefined
      let senderRecord: KeyRecord | undefined
      if (file.kind === 'envelope') {
        if (options.dir !== undefined) ({ crypto, recipient } = await readRecipient(options.dir))
        if (options.senderRecord !== undefined) senderRecord = await readSenderRecord(options.senderRecord)
      } else if (options.dir !== undefined || options.senderRecord !== undefined) {
        note(`note: --dir and --sender-record are for a sealed envelope; ${target} is ${aKind(file.kind)}, so they are not used`)
      }

      const list = await checkFile(file, { crypto, at, recipient, senderRecord })
      const report = { path: target, file, list, at, atGiven: options.at !== undefined }
      if (options.json === true) printReportJson(report)
      else printReport(report)

      const failure = firstFailure(list)
      if (failure !== undefined) {
        note(`keydir: ${target} does not hold: ${failure.code ?? 'ERR_UNEXPECTED'}: ${failure.text}`)
        process.exitCode = EXIT_VERIFY_FAILED
      } else if (!isValid(list)) {
        const needs = list.unchecked.flatMap(item => item.needs ?? [])
        note(`keydir: not everything in ${target} could be checked: pass ${[...new Set(needs)].join(' and ')}`)
        process.exitCode = EXIT_USAGE
      }
    })
}

function kindList (kinds: readonly VerifiableKind[]): string {
  return kinds.length === 1 ? aKind(kinds[0]) : 'a key record, revocation certificate, equivocation proof or sealed envelope'
}

/**
 * The recipient's keys from its data dir, as `keydir anchor` reads an
 * identity with no node: the config (for its crypto and envelopeGraceMs),
 * the dir's safety, the identity files. Nothing is written.
 */
async function readRecipient (dir: string): Promise<{ crypto: PqCrypto, recipient: RecipientKeys }> {
  const config = await loadConfig({ dir })
  await checkDataDirSafe(config.dataDir)
  const crypto = selectPqCrypto(config.crypto)
  const identity = await loadIdentity(config.dataDir, { crypto }).catch(err => {
    // loadIdentity's advice (keydir init) fits a node's own dir, not a recipient's dir mistyped here.
    if (err instanceof IdentityError && err.code === 'ERR_IDENTITY_MISSING') {
      throw new IdentityError(err.code, `--dir ${dir} holds no identity: give the recipient's data dir, the one its node runs with (${err.message})`, { cause: err })
    }
    throw err
  })
  return { crypto, recipient: recipientKeysOf(identity, config.dataDir, config.envelopeGraceMs ?? DEFAULT_ENVELOPE_GRACE_MS) }
}

/** The sender's key record from a file in any form a record comes in; its checks are the envelope's. */
async function readSenderRecord (path: string): Promise<KeyRecord> {
  const kinds: VerifiableKind[] = ['key-record']
  const file = detectFile(await readFileToCheck(path, maxFileBytes(kinds), 'a key record'), { kinds, name: `--sender-record ${path}` })
  if (file.kind !== 'key-record') throw new UsageError(`--sender-record ${path} is not a key record`)
  return file.record
}
