import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { fingerprint } from '../crypto/index.js'
import { KeydirError } from '../errors.js'
import { checkX25519PublicKey, marshalKeyRecord, unmarshalKeyRecord } from './codec.js'
import { DEFAULT_RECORD_LIFETIME_MS, MAX_HISTORY_LINKS, MAX_RECORD_LIFETIME_MS, RECORD_HASH_LENGTH } from './constants.js'
import { recordContext, recordSignedBytes, ROTATION_CONTEXT, rotationSignedBytes } from './signed-bytes.js'
import type { KeyRecord, KeyRecordContent, RotationLink, RotationProof } from './types.js'
import type { MlDsaSigner } from '../crypto/types.js'
import type { PeerId, PrivateKey } from '@libp2p/interface'

export interface CreateKeyRecordInit {
  /** The node's libp2p identity key (Ed25519). */
  privateKey: PrivateKey
  mlDsaSigner: MlDsaSigner
  mlKemPublicKey: Uint8Array
  seq: number
  /** Unix milliseconds. Default now. */
  issuedAt?: number
  /** Default 24 hours. */
  lifetimeMs?: number
  /** Carried in every record after a rotation, so peers that pinned the old key can follow. */
  rotation?: RotationProof
  /** The hand-overs before `rotation`, newest first, at most MAX_HISTORY_LINKS: peers pinned further back follow them. */
  history?: RotationLink[]
  /** SHA-256 of the record this one replaces (recordHash); absent on a first record. */
  previousRecordHash?: Uint8Array
  /**
   * The node's X25519 public key (32 bytes, canonical, not of small order):
   * given, the record is version 2 (docs/record-format.md, "Version 2");
   * absent, version 1.
   */
  x25519PublicKey?: Uint8Array
}

/** Build and sign a key record with both keys over the same canonical bytes. */
export async function createKeyRecord (init: CreateKeyRecordInit): Promise<KeyRecord> {
  if (init.privateKey.type !== 'Ed25519') {
    throw new KeydirError('ERR_UNSUPPORTED_KEY_TYPE', `key records need an Ed25519 libp2p key, got ${init.privateKey.type}`)
  }
  const lifetimeMs = init.lifetimeMs ?? DEFAULT_RECORD_LIFETIME_MS
  if (!Number.isSafeInteger(lifetimeMs) || lifetimeMs <= 0 || lifetimeMs > MAX_RECORD_LIFETIME_MS) {
    throw new KeydirError('ERR_BAD_LIFETIME', `record lifetime must be 1 ms to ${MAX_RECORD_LIFETIME_MS} ms`)
  }
  const history = init.history ?? []
  if (history.length > MAX_HISTORY_LINKS) {
    throw new KeydirError('ERR_HISTORY_TOO_LONG', `a record carries at most ${MAX_HISTORY_LINKS} history links, got ${history.length}`)
  }
  if (init.previousRecordHash !== undefined && init.previousRecordHash.length !== RECORD_HASH_LENGTH) {
    throw new KeydirError('ERR_BAD_HASH_LENGTH', `the previous record hash must be ${RECORD_HASH_LENGTH} bytes, got ${init.previousRecordHash.length}`)
  }
  if (init.x25519PublicKey !== undefined) checkX25519PublicKey(init.x25519PublicKey)
  const issuedAt = init.issuedAt ?? Date.now()
  const content: KeyRecordContent = {
    peerId: peerIdFromPrivateKey(init.privateKey),
    mlDsaPublicKey: init.mlDsaSigner.publicKey,
    mlKemPublicKey: init.mlKemPublicKey,
    seq: init.seq,
    issuedAt,
    expiresAt: issuedAt + lifetimeMs,
    rotation: init.rotation
  }
  if (init.previousRecordHash !== undefined) content.previousRecordHash = init.previousRecordHash
  if (history.length > 0) content.history = history
  if (init.x25519PublicKey !== undefined) content.x25519PublicKey = init.x25519PublicKey
  const signed = recordSignedBytes(content)
  const libp2pSignature = await init.privateKey.sign(signed)
  const mlDsaSignature = init.mlDsaSigner.sign(signed, recordContext(content))
  return unmarshalKeyRecord(marshalKeyRecord(content, libp2pSignature, mlDsaSignature))
}

/** The previous key's signature handing `peerId` over to `newMlDsaPublicKey`. */
export function createRotationProof (peerId: PeerId, previousSigner: MlDsaSigner, newMlDsaPublicKey: Uint8Array): RotationProof {
  const previousFingerprint = fingerprint(previousSigner.publicKey)
  const signature = previousSigner.sign(rotationSignedBytes(peerId, previousFingerprint, newMlDsaPublicKey), ROTATION_CONTEXT)
  return { previousFingerprint, signature }
}
