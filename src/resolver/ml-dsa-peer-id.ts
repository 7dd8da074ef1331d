import { equals as uint8ArrayEquals } from 'uint8arrays/equals'
import { fingerprint } from '../crypto/index.js'
import { NO_PEERS_ADVICE } from '../dht/index.js'
import { errorCode, ResolveError } from '../errors.js'
import { followHistory, mlDsaPeerIdBytes } from '../record/index.js'
import type { DhtLookup } from '../dht/index.js'
import type { KeydirMetrics } from '../metrics/index.js'
import type { KeyRecord } from '../record/index.js'
import type { PeerKeyRegistry } from '../registry/index.js'
import type { ResolvedRecord, ResolveOptions } from './resolver.js'
import type { PqCrypto } from '../crypto/types.js'
import type { KeydirLogger } from '../util/log.js'
import type { PeerId } from '@libp2p/interface'

export interface MlDsaPeerIdResolverParts {
  registry: PeerKeyRegistry
  crypto: PqCrypto
  metrics: KeydirMetrics
  log: KeydirLogger
  /** Absent when the DHT path is turned off. */
  dht?: Pick<DhtLookup, 'findValue'>
  timeoutMs: number
  selfRecord: () => KeyRecord
  /** The resolve of a libp2p PeerId, with every rule it applies (revocation, equivocation, pins, freshness). */
  resolvePeer: (peerId: PeerId, options: ResolveOptions) => Promise<ResolvedRecord>
  /** Admit a record found on the network through the registry's pin rules; the entry it now holds. */
  admit: (record: KeyRecord, signal: AbortSignal) => Promise<ResolvedRecord>
  /** Whether a DHT lookup could reach anyone (see ResolverComponents.canReach). */
  canReach?: (peerId: PeerId) => Promise<boolean>
}

/**
 * Resolving an ML-DSA PeerId (RFC 0004 draft: the SHA-256 multihash of an
 * ML-DSA-65 key's libp2p encoding; docs/record-format.md "ML-DSA PeerId").
 * Such a PeerId names one key, not the node, so it is first turned into
 * the libp2p PeerId whose record carries that key, and the answer is that
 * peer's current keys, resolved as for its libp2p PeerId:
 *
 * 1. the registry's index (a key this node admitted, or one its pin
 *    followed away from), without the network; the pin is read only for
 *    an earlier key, to check it still links;
 * 2. else the DHT under `/pqk/` + the ML-DSA PeerId's multihash: a record
 *    whose ML-DSA-65 key has that PeerId (the validator's rule, checked
 *    here again), which names the libp2p PeerId.
 *
 * The key asked for must be the peer's current key, or one its current
 * record descends from through verified hand-overs (followHistory); any
 * other is ERR_ML_DSA_PEER_ID_UNLINKED. No record under the key is
 * ERR_UNKNOWN_ML_DSA_PEER_ID. Each of the two lookups is bounded by the
 * resolve timeout, so the whole takes at most twice that.
 */
export class MlDsaPeerIdResolver {
  constructor (private readonly parts: MlDsaPeerIdResolverParts) {}

  async resolve (asked: PeerId, options: ResolveOptions): Promise<ResolvedRecord> {
    const id = asked.toString()
    const multihash = asked.toMultihash().bytes
    const self = this.parts.selfRecord()
    if (uint8ArrayEquals(keyIdsOf(self).multihash, multihash)) {
      return { ...await this.parts.resolvePeer(self.peerId, options), asked: 'mlDsaPeerId' }
    }
    const known = this.parts.registry.mlDsaIndexRow(id)
    if (known !== undefined) {
      const resolved = await this.parts.resolvePeer(known.peerId, options)
      const answer = await this.linked(resolved, known.fingerprint, id, multihash)
      if (answer !== undefined) return answer
    }
    const found = await this.fromDht(asked, id, multihash, options)
    const resolved = await this.parts.resolvePeer(found.peerId, options)
    return await this.fromFound(found, resolved, id, options)
  }

  /**
   * The answer when the asked-for ML-DSA PeerId is the resolved record's
   * own (compared by the PeerId itself, not by what the row says), or the
   * index row's key is one the peer's pin followed away from.
   */
  private async linked (resolved: ResolvedRecord, keyFingerprint: Uint8Array, id: string, multihash: Uint8Array): Promise<ResolvedRecord | undefined> {
    const current = keyIdsOf(resolved.record)
    if (uint8ArrayEquals(current.multihash, multihash)) return { ...resolved, asked: 'mlDsaPeerId' }
    if (uint8ArrayEquals(current.fingerprint, keyFingerprint)) return undefined
    // An earlier key: the row was written when the pin followed away from it; the pin must still say so.
    const link = await this.parts.registry.mlDsaKeyLink(resolved.record.peerId, keyFingerprint)
    return link === 'previous' ? { ...resolved, asked: 'previousMlDsaPeerId', previousMlDsaPeerId: id } : undefined
  }

  /** A valid record under the ML-DSA PeerId's DHT key whose key has that PeerId. */
  private async fromDht (asked: PeerId, id: string, multihash: Uint8Array, options: ResolveOptions): Promise<KeyRecord> {
    const { dht, canReach } = this.parts
    if (dht === undefined) throw unknown(id, 'and this node\'s DHT path is off')
    if (canReach !== undefined && !await canReach(asked)) {
      throw new ResolveError('ERR_NO_PEERS', `cannot look up ${id}: this node has no DHT peers and no connections; ${NO_PEERS_ADVICE}`)
    }
    const signal = options.signal === undefined ? AbortSignal.timeout(this.parts.timeoutMs) : AbortSignal.any([options.signal, AbortSignal.timeout(this.parts.timeoutMs)])
    let value
    try {
      value = await dht.findValue(asked, { signal })
    } catch (err) {
      if (errorCode(err) === 'ERR_NOT_FOUND') throw unknown(id, 'in this node\'s registry or in the DHT')
      throw err
    }
    // The validator refuses a record under this key whose key has another ML-DSA PeerId, and any other value: checked again, at the one place it matters.
    if (value.kind !== 'record' || !uint8ArrayEquals(mlDsaPeerIdBytes(value.record.mlDsaPublicKey), multihash)) {
      this.parts.metrics.verificationFailures.inc({ source: 'resolve', reason: 'ERR_PEER_ID_MISMATCH' })
      throw unknown(id, 'in the DHT (its answer named another key)')
    }
    return value.record
  }

  /**
   * `found` (a record of the key asked for) against the peer's resolved
   * record: the same key; an earlier one the resolved record's chain comes
   * from; or a later one the registry had not seen, admitted through its
   * pin rules. Else ERR_ML_DSA_PEER_ID_UNLINKED.
   */
  private async fromFound (found: KeyRecord, resolved: ResolvedRecord, id: string, options: ResolveOptions): Promise<ResolvedRecord> {
    const foundFingerprint = fingerprint(found.mlDsaPublicKey)
    if (uint8ArrayEquals(fingerprint(resolved.record.mlDsaPublicKey), foundFingerprint)) return { ...resolved, asked: 'mlDsaPeerId' }
    let why: string
    try {
      followHistory(this.parts.crypto, resolved.record, { fingerprint: foundFingerprint, mlDsaPublicKey: found.mlDsaPublicKey })
      return { ...resolved, asked: 'previousMlDsaPeerId', previousMlDsaPeerId: id }
    } catch (err) {
      why = errorCode(err)
    }
    if (found.seq > resolved.record.seq) {
      try {
        const admitted = await this.parts.admit(found, options.signal ?? AbortSignal.timeout(this.parts.timeoutMs))
        if (uint8ArrayEquals(fingerprint(admitted.record.mlDsaPublicKey), foundFingerprint)) return { ...admitted, asked: 'mlDsaPeerId' }
      } catch (err) {
        why = errorCode(err)
      }
    }
    const peer = found.peerId.toString()
    this.parts.log.info({ peer, mlDsaPeerId: id, code: why }, 'ML-DSA PeerId is not linked to the peer\'s current key')
    throw new ResolveError('ERR_ML_DSA_PEER_ID_UNLINKED', `${id} is the ML-DSA PeerId of a key ${peer} signed a record with, but ${peer}'s current key ` +
      `(seq ${resolved.record.seq}) does not descend from it through verified hand-overs (${why}): resolve ${peer} itself for its current keys`)
  }
}

/** A record's key fingerprint and ML-DSA PeerId multihash, by record: a record is immutable, and a cached resolve should not hash its key twice. */
const keyIds = new WeakMap<KeyRecord, { fingerprint: Uint8Array, multihash: Uint8Array }>()

function keyIdsOf (record: KeyRecord): { fingerprint: Uint8Array, multihash: Uint8Array } {
  let ids = keyIds.get(record)
  if (ids === undefined) {
    ids = { fingerprint: fingerprint(record.mlDsaPublicKey), multihash: mlDsaPeerIdBytes(record.mlDsaPublicKey) }
    keyIds.set(record, ids)
  }
  return ids
}

function unknown (id: string, where: string): ResolveError {
  return new ResolveError('ERR_UNKNOWN_ML_DSA_PEER_ID', `no key record names the ML-DSA PeerId ${id} ${where}: it may belong to a peer that never ran keydir, ` +
    'or it is an RSA PeerId (also a SHA-256 multihash; keydir holds records of Ed25519 PeerIds only)')
}
