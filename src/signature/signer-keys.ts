import { equals as uint8ArrayEquals } from 'uint8arrays/equals'
import { fingerprint } from '../crypto/index.js'
import type { RetiredSigningKey } from './key-log.js'
import type { KeyRecord } from '../record/index.js'
import type { Pin } from '../registry/index.js'

/** An ML-DSA-65 key of a peer's rotation chain, with the seq of the record that carried it. */
export interface SignerKey {
  mlDsaPublicKey: Uint8Array
  seq: number
  /** The key of the peer's current record. */
  current: boolean
}

/**
 * The keys a signature of the peer may be checked against, current first:
 * the current record's key; the retired keys this node saw the peer rotate
 * away from (with the seq of their last record), when the pin followed the
 * chain through them; then the keys the current record's history links
 * hand over to, which that record carries (its seq).
 */
export function signerKeysOf (record: KeyRecord, retired: RetiredSigningKey[], pin: Pin | undefined): SignerKey[] {
  const keys: SignerKey[] = [{ mlDsaPublicKey: record.mlDsaPublicKey, seq: record.seq, current: true }]
  const known = (key: Uint8Array): boolean => keys.some(k => uint8ArrayEquals(k.mlDsaPublicKey, key))
  const followed = pin?.superseded ?? []
  for (const key of retired) {
    const print = fingerprint(key.mlDsaPublicKey)
    if (!known(key.mlDsaPublicKey) && followed.some(f => uint8ArrayEquals(f, print))) keys.push({ ...key, current: false })
  }
  for (const link of record.history ?? []) {
    if (!known(link.mlDsaPublicKey)) keys.push({ mlDsaPublicKey: link.mlDsaPublicKey, seq: record.seq, current: false })
  }
  return keys
}
