/**
 * How `keydir verify` shows a checklist: the file's facts, a line per
 * check (✓ holds, ✗ does not, ? not checked), and what it proves; or the
 * same as JSON, each check named with `ok` and a failing check's `code`.
 */
import { evidenceJson, fingerprintHex } from '../../api/index.js'
import { complete, firstFailure, holds, isoTime, type Check, type Checklist, type DetectedFile, type EnvelopeChecklist, type Unchecked } from '../../offline/index.js'
import { printFields, printJson, println } from '../output.js'

export interface VerifyReport {
  path: string
  file: DetectedFile
  list: Checklist | EnvelopeChecklist
  /** Unix milliseconds the times were checked at, and whether --at chose it. */
  at: number
  atGiven: boolean
}

/** Every check holds and nothing the caller could have let it check is left. */
export function isValid (list: Checklist): boolean {
  return holds(list) && complete(list)
}

export function printReportJson (report: VerifyReport): void {
  const { file, list } = report
  printJson({
    kind: file.kind,
    valid: isValid(list),
    form: file.form,
    ...(file.kind === 'equivocation-proof' ? {} : { checkedAt: report.at }),
    ...subjectJson(report),
    ...checklistJson(list)
  })
}

export function printReport (report: VerifyReport): void {
  const { file, list } = report
  printFields([
    ...subjectFields(report),
    ['file', `${report.path} (${formLabel(file)})`],
    // A proof stays a proof when its records expire: no time is checked.
    ...(file.kind === 'equivocation-proof' ? [] : [['checked at', `${isoTime(report.at)}${report.atGiven ? '' : ' (now)'}`] satisfies [string, string]])
  ])
  println()
  for (const check of list.checks) println(checkLine(check))
  for (const item of list.unchecked) println(uncheckedLine(item))
  println()
  const failure = firstFailure(list)
  printFields([
    ['what this proves', failure === undefined ? list.proves : refusalText(failure)],
    ['what it does not', list.doesNotProve]
  ])
}

function checkLine (check: Check): string {
  return check.ok ? `✓ ${check.text}` : `✗ ${check.text}  [${check.code ?? 'ERR_UNEXPECTED'}]`
}

function uncheckedLine (item: Unchecked): string {
  return `? not checked: ${item.text}${item.needs === undefined ? '' : `: pass ${item.needs.join(' and ')}`}`
}

function checklistJson (list: Checklist): Record<string, unknown> {
  return {
    checks: list.checks.map(check => ({ name: check.name, ok: check.ok, ...(check.ok ? {} : { code: check.code }), text: check.text })),
    unchecked: list.unchecked,
    proves: list.proves,
    doesNotProve: list.doesNotProve
  }
}

function formLabel (file: DetectedFile): string {
  switch (file.form) {
    case 'bytes': return 'the bytes'
    case 'base64': return 'their base64'
    case 'json': return `the API's JSON, its "${file.field ?? ''}" field`
  }
}

/** The facts the file states, as JSON: its peer, seq and times; for a proof, the shape of GET /v1/evidence/{peerId}. */
function subjectJson ({ file, list }: VerifyReport): Record<string, unknown> {
  switch (file.kind) {
    case 'key-record': {
      const { record } = file
      return { peerId: record.peerId.toString(), version: record.x25519PublicKey === undefined ? 1 : 2, seq: record.seq, issuedAt: record.issuedAt, expiresAt: record.expiresAt, mlDsaFingerprint: fingerprintHex(record.mlDsaPublicKey) }
    }
    case 'revocation': {
      const { revocation } = file
      return { peerId: revocation.peerId.toString(), reason: revocation.reason, issuedAt: revocation.issuedAt, mlDsaFingerprint: fingerprintHex(revocation.mlDsaPublicKey) }
    }
    case 'equivocation-proof':
      return { ...evidenceJson(file.proof) }
    case 'envelope': {
      const { envelope } = file
      const opened = list as EnvelopeChecklist
      return {
        sender: envelope.sender.toString(),
        recipient: envelope.recipient.toString(),
        recipientSeq: envelope.recipientSeq,
        ...(opened.senderSeq === undefined ? {} : { senderSeq: opened.senderSeq, messageBytes: opened.messageBytes }),
        ...(opened.senderRecord === undefined ? {} : { senderRecord: { valid: isValid(opened.senderRecord), ...checklistJson(opened.senderRecord) } })
      }
    }
  }
}

function subjectFields ({ file, list }: VerifyReport): Array<[string, string]> {
  switch (file.kind) {
    case 'key-record': {
      const { record } = file
      return [
        ['kind', `key record (version ${record.x25519PublicKey === undefined ? 1 : 2})`],
        ['PeerId', record.peerId.toString()],
        ['seq', String(record.seq)],
        ['issued', isoTime(record.issuedAt)],
        ['expires', isoTime(record.expiresAt)],
        ['ML-DSA-65', fingerprintHex(record.mlDsaPublicKey)]
      ]
    }
    case 'revocation': {
      const { revocation } = file
      return [
        ['kind', 'revocation certificate'],
        ['PeerId', revocation.peerId.toString()],
        ['reason', revocation.reason],
        ['issued', isoTime(revocation.issuedAt)],
        ['ML-DSA-65', fingerprintHex(revocation.mlDsaPublicKey)]
      ]
    }
    case 'equivocation-proof': {
      const shown = evidenceJson(file.proof)
      const [a, b] = shown.records
      return [
        ['kind', 'equivocation proof'],
        ['PeerId', shown.peerId],
        ['seq', String(shown.seq)],
        ['record A', `sha256 ${a.sha256}, issued ${isoTime(a.issuedAt)}, ML-DSA-65 ${a.mlDsaFingerprint}`],
        ['record B', `sha256 ${b.sha256}, issued ${isoTime(b.issuedAt)}, ML-DSA-65 ${b.mlDsaFingerprint}`],
        ['differ in', shown.differs.join(', ')]
      ]
    }
    case 'envelope': {
      const { envelope } = file
      const opened = list as EnvelopeChecklist
      return [
        ['kind', 'sealed envelope'],
        ['sender', envelope.sender.toString()],
        ['recipient', envelope.recipient.toString()],
        ['recipient seq', String(envelope.recipientSeq)],
        ...(opened.senderSeq === undefined
          ? []
          : [['sender seq', String(opened.senderSeq)], ['message', `${opened.messageBytes ?? 0} bytes (not shown: keydir open prints it)`]] satisfies Array<[string, string]>)
      ]
    }
  }
}

/**
 * What a failed check means to a node. A broken hand-over is refused only
 * by a node pinned at a key before it: one that never saw the peer takes
 * the record, since link signatures are checked only when following a pin.
 */
function refusalText (failure: Check): string {
  if (failure.name === 'rotation-proofs') {
    return `nothing a node pinned at an earlier key of this peer would act on: it refuses this record (${failure.code ?? 'ERR_UNEXPECTED'}); a node that never saw the peer takes it, by its signatures alone`
  }
  return `nothing a node would act on: it refuses this file (${failure.code ?? 'ERR_UNEXPECTED'})`
}
