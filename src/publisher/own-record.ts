import { createKeyRecord, MAX_HISTORY_LINKS, recordHash } from '../record/index.js'
import type { Identity } from '../identity/index.js'
import type { KeyRecord } from '../record/index.js'
import type { PeerKeyRegistry } from '../registry/index.js'

export interface OwnRecordContext {
  registry: PeerKeyRegistry
  /** The record this node serves now, if any. */
  current: KeyRecord | undefined
  lifetimeMs: number
}

/**
 * The next own record of `identity`'s keys (version 2, with the X25519
 * key, when the identity has one): the next seq, its rotation
 * proof, the newest MAX_HISTORY_LINKS hand-overs before it, and the hash of
 * the record it replaces (the one this node served last, or after a restart
 * the one its registry holds; none when that has expired: holders' copies
 * have too). Signed, not stored.
 */
export async function signOwnRecordOf (identity: Identity, context: OwnRecordContext): Promise<KeyRecord> {
  const previous = context.current ?? (await context.registry.get(identity.peerId))?.record
  return createKeyRecord({
    privateKey: identity.privateKey,
    mlDsaSigner: identity.mlDsaSigner,
    mlKemPublicKey: identity.mlKem.publicKey,
    seq: await nextOwnSeq(identity, context),
    lifetimeMs: context.lifetimeMs,
    rotation: identity.rotation,
    history: identity.history?.slice(0, MAX_HISTORY_LINKS),
    previousRecordHash: previous === undefined ? undefined : recordHash(previous.bytes),
    // Version 2 once the identity has its X-Wing KEM seed (every identity a node loads does).
    x25519PublicKey: identity.x25519PublicKey
  })
}

/**
 * The next seq. It never goes below the clock in milliseconds, so a node
 * whose registry was lost still outranks the records it published before.
 */
async function nextOwnSeq (identity: Identity, context: OwnRecordContext): Promise<number> {
  const pin = await context.registry.getPin(identity.peerId)
  return Math.max((pin?.highestSeq ?? 0) + 1, (context.current?.seq ?? 0) + 1, Date.now())
}
