/**
 * The API's JSON shapes, following the Delegated Routing V1 HTTP API's
 * conventions: PeerIds as strings, bytes as base64, times as Unix
 * milliseconds.
 */
import { fingerprintHex } from '../crypto/index.js'
import { differingFields, recordDigest } from '../record/index.js'
import type { EquivocationProof, KeyRecord, RevocationCertificate } from '../record/index.js'
import type { AnchorEntry, NodeStatus, ResolvedKeys } from '../node/types.js'
import type { RegistryEntry, TrustLevel } from '../registry/index.js'

/** The key fingerprint the JSON shows (one function, in crypto). */
export { fingerprintHex }

export function base64 (bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64')
}

/** SHA-256 of an ML-DSA-65 public key, hex: the short form people compare. */

/**
 * `GET /v1/keys/{peerId}`: the keys and what vouches for them. The signed
 * record, which holds both keys again, is its own representation
 * (`Accept: application/vnd.keydir.key-record`), as the Delegated Routing API
 * serves IPNS records: a JSON client does not carry 6.5 KB it does not check.
 */
export interface KeysJson {
  peerId: string
  mlDsaPublicKey: string
  mlKemPublicKey: string
  /** Present for a version-2 record: the X25519 key, 32 bytes, base64. */
  x25519PublicKey?: string
  seq: number
  issuedAt: number
  expiresAt: number
  trust: TrustLevel
  source: ResolvedKeys['source']
  /** Served from the registry past maxStaleMs: the network could not be reached to re-check it. */
  stale: boolean
  /** Present when this request followed a rotation of the peer's keys: from seq `fromSeq` to `toSeq`, through `handOvers` rotation proofs from the pinned key, each verified. */
  rotated?: { fromSeq: number, toSeq: number, handOvers: number }
  /** The ML-DSA PeerId of mlDsaPublicKey (RFC 0004 draft), `Qm…`. */
  mlDsaPeerId: string
  /** Which PeerId the request named: `peerId`, `mlDsaPeerId`, or `previousMlDsaPeerId` (an earlier key's, linked by verified hand-overs). */
  asked: ResolvedKeys['asked']
  /** Present when `asked` is `previousMlDsaPeerId`: the ML-DSA PeerId the request named. */
  previousMlDsaPeerId?: string
}

export function keysJson (keys: ResolvedKeys): KeysJson {
  return {
    peerId: keys.peerId.toString(),
    mlDsaPeerId: keys.mlDsaPeerId,
    asked: keys.asked,
    ...(keys.previousMlDsaPeerId === undefined ? {} : { previousMlDsaPeerId: keys.previousMlDsaPeerId }),
    mlDsaPublicKey: base64(keys.mlDsaPublicKey),
    mlKemPublicKey: base64(keys.mlKemPublicKey),
    ...(keys.x25519PublicKey === undefined ? {} : { x25519PublicKey: base64(keys.x25519PublicKey) }),
    seq: keys.seq,
    issuedAt: keys.issuedAt,
    expiresAt: keys.expiresAt,
    trust: keys.trust,
    source: keys.source,
    stale: keys.stale,
    ...(keys.rotated === undefined ? {} : { rotated: { ...keys.rotated } })
  }
}

/**
 * Serialized `keysJson` bodies by record, then by trust, source and staleness: a record
 * is immutable and everything in the body comes from it, its trust and the
 * path that answered, so a cached peer's ~4.4 KB of base64 JSON is built once
 * instead of on every request. Weak keys: a record the registry dropped takes
 * its bodies with it.
 */
const keysBodies = new WeakMap<KeyRecord, Map<string, Buffer>>()

/** `keysJson(keys)` as UTF-8 JSON bytes, from the cache when this record was served before. */
export function keysJsonBody (keys: ResolvedKeys): Buffer {
  // Said once, by the request that followed the rotation (or named an earlier key): not cached for the record's later answers.
  if (keys.rotated !== undefined || keys.previousMlDsaPeerId !== undefined) return Buffer.from(JSON.stringify(keysJson(keys)))
  let byVariant = keysBodies.get(keys.record)
  if (byVariant === undefined) {
    byVariant = new Map()
    keysBodies.set(keys.record, byVariant)
  }
  const variant = `${keys.trust} ${keys.source} ${keys.stale} ${keys.asked}`
  let body = byVariant.get(variant)
  if (body === undefined) {
    body = Buffer.from(JSON.stringify(keysJson(keys)))
    byVariant.set(variant, body)
  }
  return body
}

/** One entry of `GET /v1/peers` */
export interface PeerJson {
  peerId: string
  trust: TrustLevel
  verified: boolean
  seq: number
  issuedAt: number
  expiresAt: number
  storedAt: number
  /** SHA-256 of the ML-DSA-65 public key, hex. */
  mlDsaFingerprint: string
  /** This node's score of the peer, decayed to now, 2 decimals; 0 for a peer it never scored (docs/reputation.md). */
  score: number
}

/** A score as the API and metrics show it: 2 decimals, never -0. */
export function shownScore (score: number): number {
  return Math.round(score * 100) / 100 + 0
}

export function peerJson (entry: RegistryEntry, score: number): PeerJson {
  return {
    peerId: entry.record.peerId.toString(),
    trust: entry.trust,
    verified: entry.verified,
    seq: entry.record.seq,
    issuedAt: entry.record.issuedAt,
    expiresAt: entry.record.expiresAt,
    storedAt: entry.storedAt,
    mlDsaFingerprint: fingerprintHex(entry.record.mlDsaPublicKey),
    score: shownScore(score)
  }
}

export interface AnchorJson {
  multiaddr: string
  peerId: string
  mlDsaPublicKey?: string
  mlDsaFingerprint?: string
}

export function anchorJson (entry: AnchorEntry): AnchorJson {
  const out: AnchorJson = { multiaddr: entry.multiaddr, peerId: entry.peerId }
  if (entry.mlDsaPublicKey !== undefined) {
    out.mlDsaPublicKey = typeof entry.mlDsaPublicKey === 'string' ? entry.mlDsaPublicKey : base64(entry.mlDsaPublicKey)
  }
  if (entry.mlDsaFingerprint !== undefined) {
    out.mlDsaFingerprint = typeof entry.mlDsaFingerprint === 'string' ? entry.mlDsaFingerprint : Buffer.from(entry.mlDsaFingerprint).toString('hex')
  }
  return out
}

/** `GET /v1/status` */
export interface StatusJson extends Omit<NodeStatus, 'record'> {
  record: NonNullable<NodeStatus['record']> | null
  anchor: AnchorJson
}

export function statusJson (status: NodeStatus, anchor: AnchorEntry): StatusJson {
  return { ...status, record: status.record ?? null, anchor: anchorJson(anchor) }
}

/**
 * `GET /v1/activity`: counts since the node started of what an operator
 * watches the rate of (the status page shows them per minute). The same
 * numbers as keydir_registry_lookups_total and keydir_key_exchanges_total.
 */
export interface ActivityJson {
  /** When the counts were read, Unix milliseconds: rates are differences over differences of `at`. */
  at: number
  /** Resolves answered from the registry (`hit`), and those that went to the network (`miss`). */
  lookups: { hit: number, miss: number }
  /** Direct KeyRequest / KeyResponse exchanges this node made (`requester`) and answered (`responder`). */
  exchanges: {
    requester: { success: number, failure: number }
    responder: { success: number, failure: number }
  }
}

/** `POST /v1/publish`, `POST /v1/rotate`: the record this node now publishes. */
export interface OwnRecordJson {
  peerId: string
  seq: number
  issuedAt: number
  expiresAt: number
  mlDsaPublicKey: string
  mlKemPublicKey: string
  /** Present on a version-2 record. */
  x25519PublicKey?: string
  mlDsaFingerprint: string
  rotated: boolean
  record: string
}

export function ownRecordJson (record: KeyRecord): OwnRecordJson {
  return {
    peerId: record.peerId.toString(),
    seq: record.seq,
    issuedAt: record.issuedAt,
    expiresAt: record.expiresAt,
    mlDsaPublicKey: base64(record.mlDsaPublicKey),
    mlKemPublicKey: base64(record.mlKemPublicKey),
    ...(record.x25519PublicKey === undefined ? {} : { x25519PublicKey: base64(record.x25519PublicKey) }),
    mlDsaFingerprint: fingerprintHex(record.mlDsaPublicKey),
    rotated: record.rotation !== undefined,
    record: base64(record.bytes)
  }
}

/** The media type of a revocation certificate's bytes (POST /v1/revocations). */
export const REVOCATION_CONTENT_TYPE = 'application/vnd.keydir.revocation'

/** A revocation, as `POST /v1/revoke` and `POST /v1/revocations` answer. */
export interface RevocationJson {
  peerId: string
  reason: string
  issuedAt: number
  /** SHA-256 of the ML-DSA-65 key that signed it, hex. */
  mlDsaFingerprint: string
  /** The certificate's bytes, base64: keep a copy. */
  certificate: string
}

export function revocationJson (revocation: RevocationCertificate): RevocationJson {
  return {
    peerId: revocation.peerId.toString(),
    reason: revocation.reason,
    issuedAt: revocation.issuedAt,
    mlDsaFingerprint: fingerprintHex(revocation.mlDsaPublicKey),
    certificate: base64(revocation.bytes)
  }
}

/** An equivocation proof's bytes as raw, `Accept: application/vnd.keydir.equivocation` (and `POST /v1/evidence`'s body). */
export const EQUIVOCATION_CONTENT_TYPE = 'application/vnd.keydir.equivocation'

/** One of a proof's two records, as people check it. */
export interface EvidenceRecordJson {
  /** SHA-256 of the record's bytes, hex: how the proof orders (and `keydir verify` names) the records. */
  sha256: string
  issuedAt: number
  expiresAt: number
  mlDsaFingerprint: string
}

/** An equivocation proof, as `GET /v1/evidence/{peerId}` and `POST /v1/evidence` answer. */
export interface EvidenceJson {
  peerId: string
  seq: number
  records: [EvidenceRecordJson, EvidenceRecordJson]
  /** What the two records disagree on (field names). */
  differs: string[]
  /** The proof's bytes, base64: check them offline with `keydir verify --evidence FILE`. */
  proof: string
}

export function evidenceJson (proof: EquivocationProof): EvidenceJson {
  const record = (r: KeyRecord): EvidenceRecordJson => ({
    sha256: Buffer.from(recordDigest(r)).toString('hex'),
    issuedAt: r.issuedAt,
    expiresAt: r.expiresAt,
    mlDsaFingerprint: fingerprintHex(r.mlDsaPublicKey)
  })
  return {
    peerId: proof.peerId.toString(),
    seq: proof.seq,
    records: [record(proof.records[0]), record(proof.records[1])],
    differs: differingFields(proof.records[0], proof.records[1]),
    proof: base64(proof.bytes)
  }
}

/** A sealed envelope's bytes: `POST /v1/seal/{peerId}` answers them, `POST /v1/open` reads them. */
export const ENVELOPE_CONTENT_TYPE = 'application/vnd.keydir.envelope'
/** Raw bytes: the message to seal or sign, and the raw answers of open and sign. */
export const OCTET_STREAM = 'application/octet-stream'
/** `POST /v1/open` under `Accept: application/octet-stream`: who sealed the data. */
export const FROM_HEADER = 'keydir-from'

/** An opened envelope, as `POST /v1/open` answers it. */
export interface OpenedJson {
  /** The sender, whose signature inside the envelope the node checked against the directory. */
  from: string
  /** The message, base64. */
  data: string
}

export function openedJson (opened: { from: { toString: () => string }, data: Uint8Array }): OpenedJson {
  return { from: opened.from.toString(), data: base64(opened.data) }
}

/** A detached signature, as `POST /v1/sign` answers it. */
export interface SignatureJson {
  /** The signer: this node. */
  peerId: string
  /** The ML-DSA-65 signature (3309 bytes), base64. */
  signature: string
}

/** `POST /v1/verify/{peerId}`'s body: both base64. */
export interface VerifyRequestJson {
  data: string
  signature: string
}

/** What `POST /v1/verify/{peerId}` answers (the node's SignatureCheck). */
export interface SignatureCheckJson {
  /** By the peer's current ML-DSA-65 key or an earlier key of its rotation chain. */
  valid: boolean
  /** By the current key. */
  current: boolean
  /** The seq of the record that carried the signing key; when not valid, the current record's. */
  seq: number
}
