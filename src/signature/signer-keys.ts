import { equals as uint8ArrayEquals } from 'uint8arrays/equals'
import { fingerprint } from '../crypto/index.js'
import { ROTATION_CONTEXT, rotationSignedBytes } from '../record/index.js'
import type { RetiredSigningKey } from './key-log.js'
import type { PqCrypto } from '../crypto/index.js'
import type { KeyRecord, RotationProof } from '../record/index.js'
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
 * hand over to, as far as their hand-overs verify (provenEarlierKeys),
 * with that record's seq.
 */
export async function signerKeysOf (crypto: PqCrypto, record: KeyRecord, retired: RetiredSigningKey[], pin: Pin | undefined): Promise<SignerKey[]> {
  const keys: SignerKey[] = [{ mlDsaPublicKey: record.mlDsaPublicKey, seq: record.seq, current: true }]
  const known = (key: Uint8Array): boolean => keys.some(k => uint8ArrayEquals(k.mlDsaPublicKey, key))
  const followed = pin?.superseded ?? []
  for (const key of retired) {
    const print = fingerprint(key.mlDsaPublicKey)
    if (!known(key.mlDsaPublicKey) && followed.some(f => uint8ArrayEquals(f, print))) keys.push({ ...key, current: false })
  }
  for (const key of await provenEarlierKeys(crypto, record)) {
    if (!known(key)) keys.push({ mlDsaPublicKey: key, seq: record.seq, current: false })
  }
  return keys
}

/**
 * The earlier keys a record's chain proves, newest first: `history[0]`'s
 * key if the record's rotation proof is its signature handing over to the
 * record's key, then `history[1]`'s if `history[0]`'s hand-over is its
 * signature, and so on, stopping at the first that does not verify. A
 * record's validation checks only the chain's structure, so a key named in
 * a link is the peer's only once its hand-over verifies: anyone can name
 * another peer's key there.
 */
export async function provenEarlierKeys (crypto: PqCrypto, record: KeyRecord): Promise<Uint8Array[]> {
  const proven: Uint8Array[] = []
  let proof: RotationProof | undefined = record.rotation
  let handedTo = record.mlDsaPublicKey
  for (const link of record.history ?? []) {
    if (proof === undefined || !uint8ArrayEquals(fingerprint(link.mlDsaPublicKey), proof.previousFingerprint)) break
    const signed = rotationSignedBytes(record.peerId, proof.previousFingerprint, handedTo)
    // Off the event loop: a forged envelope or a bad signature may make a node check these.
    if (!await crypto.mlDsa65.verifyAsync(link.mlDsaPublicKey, signed, proof.signature, ROTATION_CONTEXT)) break
    proven.push(link.mlDsaPublicKey)
    proof = link
    handedTo = link.mlDsaPublicKey
  }
  return proven
}
