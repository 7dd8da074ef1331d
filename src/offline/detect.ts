import { MAX_ENVELOPE_BYTES, unmarshalEnvelope, type DecodedEnvelope } from '../envelope/index.js'
import { KeydirError, UnverifiableFileError, type VerifyAttempt } from '../errors.js'
import {
  MAX_EVIDENCE_BYTES, MAX_RECORD_BYTES, MAX_REVOCATION_BYTES, unmarshalEquivocationProof, unmarshalKeyRecord, unmarshalRevocation,
  type EquivocationProof, type KeyRecord, type RevocationCertificate
} from '../record/index.js'

/**
 * What a file handed to `keydir verify` is. Each kind's own strict decoder
 * (structure only, no signature) is tried on the file's bytes, then, if
 * they are text, on what the text carries: base64 of the bytes, or the
 * JSON the API answers with the bytes in base64. The kinds' decoders
 * accept disjoint bytes (each starts with its own field tag), so at most
 * one accepts; a file's name is never looked at.
 */

export const VERIFIABLE_KINDS = ['key-record', 'revocation', 'equivocation-proof', 'envelope'] as const
export type VerifiableKind = typeof VERIFIABLE_KINDS[number]

/** How the file holds the bytes: as they are, their base64, or the API's JSON with them in a base64 field. */
export type FileForm = 'bytes' | 'base64' | 'json'

export const KIND_NAMES: Record<VerifiableKind, string> = {
  'key-record': 'key record',
  revocation: 'revocation certificate',
  'equivocation-proof': 'equivocation proof',
  envelope: 'sealed envelope'
}

/** Where each kind comes from, for the message about a file that is none of them. */
const KIND_SOURCES: Record<VerifiableKind, string> = {
  'key-record': 'GET /v1/keys/{peerId} with Accept: application/vnd.keydir.key-record, keydir resolve --record, keydir rotate --json',
  revocation: '<dir>/revocation.cert, GET /v1/revocations, keydir revoke --json',
  'equivocation-proof': 'GET /v1/evidence/{peerId}',
  envelope: 'keydir seal'
}

/** The largest bytes of each kind any decoder takes. */
export const MAX_KIND_BYTES: Record<VerifiableKind, number> = {
  'key-record': MAX_RECORD_BYTES,
  revocation: MAX_REVOCATION_BYTES,
  'equivocation-proof': MAX_EVIDENCE_BYTES,
  envelope: MAX_ENVELOPE_BYTES
}

/** Room in a file beyond the base64 of the largest kind: a JSON answer's other fields (about 4.5 KB for a record's keys). */
const JSON_SLACK_BYTES = 16 * 1024

/**
 * The largest file that can hold one of `kinds` in any form: the base64 of
 * the largest, line breaks (CRLF every 64 characters) and a JSON answer's
 * other fields. A larger file is none of them and is not read.
 */
export function maxFileBytes (kinds: readonly VerifiableKind[] = VERIFIABLE_KINDS): number {
  const base64 = Math.ceil(Math.max(...kinds.map(kind => MAX_KIND_BYTES[kind])) / 3) * 4
  return base64 + Math.ceil(base64 / 32) + JSON_SLACK_BYTES
}

export type DetectedValue =
  | { kind: 'key-record', record: KeyRecord }
  | { kind: 'revocation', revocation: RevocationCertificate }
  | { kind: 'equivocation-proof', proof: EquivocationProof }
  | { kind: 'envelope', envelope: DecodedEnvelope }

export type DetectedFile = DetectedValue & {
  form: FileForm
  /** The JSON field that held the bytes (form `json`). */
  field?: string
  /** The PeerId the JSON claims beside the bytes (form `json`): unsigned, so checked against them. */
  claimedPeerId?: string
}

/** The JSON fields that carry each kind's bytes in base64, as the API names them. */
const JSON_FIELDS: Array<[string, VerifiableKind]> = [['record', 'key-record'], ['certificate', 'revocation'], ['proof', 'equivocation-proof']]
/** JSON lists the API answers (GET /v1/revocations, GET /v1/evidence), whose one entry is taken. */
const JSON_LISTS = ['revocations', 'evidence']

export interface DetectOptions {
  /** The kinds to try; default every one. */
  kinds?: readonly VerifiableKind[]
  /** The file's name, for messages. */
  name?: string
}

/**
 * Decode `bytes` as one of the kinds, in whichever form they hold it.
 * Throws UnverifiableFileError (ERR_NOT_VERIFIABLE) naming each kind tried
 * and its decoder's refusal.
 */
export function detectFile (bytes: Uint8Array, options: DetectOptions = {}): DetectedFile {
  const kinds = options.kinds ?? VERIFIABLE_KINDS
  const name = options.name ?? 'the file'
  const raw = tryKinds(bytes, kinds)
  if (raw.value !== undefined) return { ...raw.value, form: 'bytes' }

  const text = asText(bytes)
  if (text?.trimStart().startsWith('{') === true) {
    const json = fromJson(text, kinds)
    if ('problem' in json) throw notVerifiable(name, kinds, [], `it is JSON, but ${json.problem}`)
    const decoded = strictBase64(json.base64)
    if (decoded === undefined) throw notVerifiable(name, kinds, [], `it is JSON, but its "${json.field}" field is not base64`)
    const inJson = tryKinds(decoded, [json.kind])
    if (inJson.value !== undefined) return { ...inJson.value, form: 'json', field: json.field, ...(json.claimedPeerId === undefined ? {} : { claimedPeerId: json.claimedPeerId }) }
    throw notVerifiable(name, kinds, inJson.tried.map(t => ({ ...t, form: 'json' })), `it is JSON, and its "${json.field}" field is not ${aKind(json.kind)}`)
  }
  const decoded = text === undefined ? undefined : strictBase64(text)
  if (decoded !== undefined) {
    const inBase64 = tryKinds(decoded, kinds)
    if (inBase64.value !== undefined) return { ...inBase64.value, form: 'base64' }
    throw notVerifiable(name, kinds, inBase64.tried.map(t => ({ ...t, form: 'base64' })), 'it is base64, and the bytes it holds are none of them')
  }
  throw notVerifiable(name, kinds, raw.tried.map(t => ({ ...t, form: 'bytes' })), 'it is not base64 or the API\'s JSON either')
}

/** Each kind's decoder in turn: the first that accepts, and every refusal. */
function tryKinds (bytes: Uint8Array, kinds: readonly VerifiableKind[]): { value?: DetectedValue, tried: Array<Omit<VerifyAttempt, 'form'>> } {
  const tried: Array<Omit<VerifyAttempt, 'form'>> = []
  for (const kind of kinds) {
    try {
      return { value: decode(kind, bytes), tried }
    } catch (err) {
      // A decoder that throws anything untyped has a bug: let it surface rather than call the file "none of the kinds".
      if (!(err instanceof KeydirError)) throw err
      tried.push({ kind, code: err.code, message: err.message })
    }
  }
  return { tried }
}

function decode (kind: VerifiableKind, bytes: Uint8Array): DetectedValue {
  switch (kind) {
    case 'key-record': return { kind, record: unmarshalKeyRecord(bytes) }
    case 'revocation': return { kind, revocation: unmarshalRevocation(bytes) }
    case 'equivocation-proof': return { kind, proof: unmarshalEquivocationProof(bytes) }
    case 'envelope': return { kind, envelope: unmarshalEnvelope(bytes) }
  }
}

/** The bytes as UTF-8 text, or undefined when they are not. */
function asText (bytes: Uint8Array): string | undefined {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes)
  } catch {
    return undefined
  }
}

/**
 * Standard base64 (the API's), line breaks and spaces ignored, padded,
 * and in its one canonical form: text whose unused bits are not zero is
 * refused rather than read as the bytes it is closest to.
 */
export function strictBase64 (text: string): Uint8Array | undefined {
  const compact = text.replace(/[\t\n\r ]+/g, '')
  if (compact.length === 0 || compact.length % 4 !== 0 || !/^[A-Za-z0-9+/]+={0,2}$/.test(compact)) return undefined
  const bytes = Buffer.from(compact, 'base64')
  if (bytes.toString('base64') !== compact) return undefined
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength)
}

type JsonFind = { kind: VerifiableKind, field: string, base64: string, claimedPeerId?: string } | { problem: string }

/** The base64 field of one of the API's JSON answers that carries bytes of the kinds asked for. */
function fromJson (text: string, kinds: readonly VerifiableKind[]): JsonFind {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    return { problem: 'it does not parse' }
  }
  if (!isObject(value)) return { problem: 'not an object' }
  let object = value
  for (const list of JSON_LISTS) {
    const entries = object[list]
    if (!Array.isArray(entries)) continue
    const [entry] = entries as unknown[]
    if (entries.length !== 1 || !isObject(entry)) {
      return { problem: `its "${list}" list holds ${entries.length} entries, and one file is checked at a time: give one, such as \`jq '.${list}[0]'\`` }
    }
    object = entry
  }
  const claimedPeerId = typeof object.peerId === 'string' ? object.peerId : undefined
  for (const [field, kind] of JSON_FIELDS) {
    const base64 = object[field]
    if (typeof base64 !== 'string') continue
    if (!kinds.includes(kind)) return { problem: `its "${field}" field holds ${aKind(kind)}, and only ${kindList(kinds)} is checked here` }
    return { kind, field, base64, ...(claimedPeerId === undefined ? {} : { claimedPeerId }) }
  }
  if (typeof object.mlDsaPublicKey === 'string') {
    return {
      problem: 'it carries keys without their signatures (GET /v1/keys/{peerId} as JSON, keydir resolve --json), so nothing in it can be checked: ' +
      'fetch the signed record with Accept: application/vnd.keydir.key-record'
    }
  }
  return { problem: `it has no ${JSON_FIELDS.map(([field]) => `"${field}"`).join(', ')} field with bytes in base64` }
}

function isObject (value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** "a key record", "an equivocation proof" */
export function aKind (kind: VerifiableKind): string {
  return `${/^[aeiou]/.test(KIND_NAMES[kind]) ? 'an' : 'a'} ${KIND_NAMES[kind]}`
}

function kindList (kinds: readonly VerifiableKind[]): string {
  const names = kinds.map(aKind)
  return names.length === 1 ? names[0] : `${names.slice(0, -1).join(', ')} or ${names[names.length - 1]}`
}

function notVerifiable (name: string, kinds: readonly VerifiableKind[], tried: VerifyAttempt[], why: string): UnverifiableFileError {
  const refusals = tried.map(t => `not ${aKind(t.kind as VerifiableKind)} (${t.code}: ${t.message})`)
  const sources = kinds.map(kind => `${aKind(kind)} (${KIND_SOURCES[kind]})`).join('; ')
  return new UnverifiableFileError(
    `${name} is not ${kindList(kinds)}: ${why}${refusals.length > 0 ? `. Tried as ${formName(tried[0].form)}: ${refusals.join('; ')}` : ''}. ` +
    `Give the bytes, their base64 or the API's JSON of ${sources}`, tried)
}

function formName (form: FileForm): string {
  switch (form) {
    case 'bytes': return 'raw bytes'
    case 'base64': return 'the bytes its base64 holds'
    case 'json': return 'the bytes its JSON holds'
  }
}
