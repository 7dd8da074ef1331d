import { verifyEd25519 } from '../crypto/ed25519.js'
import { fingerprint } from '../crypto/index.js'
import { KeyRecordValidator, oldestFingerprint, recordContext, recordSignedBytes } from '../record/index.js'
import { provenEarlierKeys } from '../signature/index.js'
import { checkThat, failed, isoTime, passed, refusalOf, shortHex, validatorCheck, type Check, type Checklist, type Unchecked } from './checklist.js'
import type { PqCrypto } from '../crypto/types.js'
import type { KeyRecord } from '../record/index.js'

export interface OfflineCheckOptions {
  crypto: PqCrypto
  /** The time validity is checked at, Unix milliseconds. */
  at: number
}

/** The validator's refusals that are about the record's times, in the order it checks them. */
const TIME_CODES = new Set(['ERR_BAD_TIMES', 'ERR_LIFETIME_TOO_LONG', 'ERR_RECORD_EXPIRED', 'ERR_ISSUED_IN_FUTURE'])

/** The codes a record's signature failures carry; a proof's records fail with the proof's own code. */
export interface SignatureCodes {
  libp2p: string
  mlDsa: string
}

const RECORD_SIGNATURE_CODES: SignatureCodes = { libp2p: 'ERR_BAD_LIBP2P_SIGNATURE', mlDsa: 'ERR_BAD_ML_DSA_SIGNATURE' }

/**
 * A record's two signatures over its signed bytes, each checked on its own
 * (the validator stops at the first that fails, and a record whose
 * Ed25519 signature alone was replaced still carries a good ML-DSA-65 one).
 * `prefix` names the record within a larger file ("record A: ").
 */
export function recordSignatureChecks (crypto: PqCrypto, record: KeyRecord, codes: SignatureCodes = RECORD_SIGNATURE_CODES, prefix = '', name = ''): Check[] {
  const signed = recordSignedBytes(record)
  return [
    checkThat(`${name}ed25519-signature`, verifyEd25519(record.peerId.publicKey!.raw, signed, record.libp2pSignature),
      `${prefix}Ed25519 signature by the PeerId's key`, codes.libp2p,
      `${prefix}the Ed25519 signature by the PeerId's key does not verify: the record was altered, or not signed by ${record.peerId.toString()}`),
    checkThat(`${name}ml-dsa-signature`, crypto.mlDsa65.verify(record.mlDsaPublicKey, signed, record.mlDsaSignature, recordContext(record)),
      `${prefix}ML-DSA-65 signature by the record's key (${shortHex(fingerprint(record.mlDsaPublicKey))})`, codes.mlDsa,
      `${prefix}the ML-DSA-65 signature by the record's key does not verify: the record was altered, or its key did not sign it`)
  ]
}

/**
 * Check a decoded key record (its structure held: unmarshalKeyRecord) as
 * a node that has never seen its peer would: both signatures, the
 * hand-overs it carries in full, and its times at `at`. The record
 * validator has the last word (validatorCheck).
 */
export async function checkKeyRecord (record: KeyRecord, options: OfflineCheckOptions): Promise<Checklist> {
  const checks: Check[] = [
    passed('structure', 'well-formed: the canonical encoding, field lengths and ranges, an Ed25519 PeerId, history links that join up'),
    ...recordSignatureChecks(options.crypto, record)
  ]
  const unchecked: Unchecked[] = []
  const handOvers = await handOverChecks(options.crypto, record)
  checks.push(...handOvers.checks)
  unchecked.push(...handOvers.unchecked)

  const refusal = refusalOf(() => new KeyRecordValidator({ crypto: options.crypto, now: () => options.at, verifiedCacheSize: 1, refusedCacheSize: 1 }).validate(record.peerId, record.bytes))
  const span = `record valid ${isoTime(record.issuedAt)} to ${isoTime(record.expiresAt)}`
  if (refusal !== undefined && TIME_CODES.has(refusal.code)) {
    checks.push(failed('times', refusal.code, refusal.code === 'ERR_RECORD_EXPIRED'
      ? `expired at ${isoTime(record.expiresAt)} (${span}; checked at ${isoTime(options.at)})`
      : `${refusal.message} (${span}; checked at ${isoTime(options.at)})`))
  } else {
    checks.push(passed('times', `valid at ${isoTime(options.at)} (${span})`))
  }

  return {
    checks: validatorCheck(checks, refusal, 'record-validator'),
    unchecked,
    proves: `${record.peerId.toString()}'s Ed25519 key and this ML-DSA-65 key both signed these keys for it at seq ${record.seq}: ` +
      'to anyone who has not pinned the peer, the keys are bound to the PeerId as strongly as Ed25519 (a classical signature); ' +
      'to a node pinned at this key, or at one its verified hand-overs come from, the binding is post-quantum.',
    doesNotProve: 'that this is the peer\'s newest record, or that the peer is not revoked and never equivocated ' +
      '(only the network can say: `keydir resolve`); nor who handed you the file.'
  }
}

/**
 * The hand-overs a record carries: its chain lists its key, then the key
 * each proof comes from; every key but the oldest is in the record in
 * full, so every hand-over but the oldest can be verified here
 * (provenEarlierKeys, as the node credits earlier keys). The oldest comes
 * from a key known only by its fingerprint: a holder pinned at that key
 * checks it.
 */
async function handOverChecks (crypto: PqCrypto, record: KeyRecord): Promise<{ checks: Check[], unchecked: Unchecked[] }> {
  if (record.rotation == null) return { checks: [], unchecked: [] }
  const history = record.history ?? []
  const checks: Check[] = []
  if (history.length > 0) {
    const proven = await provenEarlierKeys(crypto, record)
    // Oldest first, ending at the record's own key: the direction the peer rotated in.
    const keys = [...proven].reverse().map(key => shortHex(fingerprint(key)))
    const path = [...keys, shortHex(fingerprint(record.mlDsaPublicKey))].join(' -> ')
    const plural = (n: number): string => n === 1 ? '1 hand-over' : `${n} hand-overs`
    checks.push(proven.length === history.length
      ? passed('rotation-proofs', `rotation proofs: ${plural(history.length)} ${history.length === 1 ? 'verifies' : 'verify'} (keys ${path})`)
      : failed('rotation-proofs', 'ERR_BROKEN_CHAIN', `rotation proofs: the hand-over from key ${shortHex(fingerprint(history[proven.length].mlDsaPublicKey))} ` +
        `to ${shortHex(fingerprint(proven.length === 0 ? record.mlDsaPublicKey : history[proven.length - 1].mlDsaPublicKey))} does not verify ` +
        `(${proven.length} newer ${proven.length === 1 ? 'one does' : 'ones do'}): the chain is broken or forged`))
  }
  const oldest = oldestFingerprint(record)!
  const into = history.length > 0 ? history[history.length - 1].mlDsaPublicKey : record.mlDsaPublicKey
  return {
    checks,
    unchecked: [{
      name: 'oldest-hand-over',
      text: `the hand-over from key ${shortHex(oldest)} to ${shortHex(fingerprint(into))}: the record names that key by its fingerprint only; ` +
        'a node pinned at it checks this hand-over'
    }]
  }
}
