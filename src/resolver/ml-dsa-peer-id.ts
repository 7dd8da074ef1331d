import { equals as uint8ArrayEquals } from 'uint8arrays/equals'
import { fingerprint } from '../crypto/index.js'
import { NO_PEERS_ADVICE } from '../dht/index.js'
import { errorCode, ResolveError } from '../errors.js'
import { equivocatedError } from './equivocated.js'
import { followHistory, mlDsaPeerIdBytes } from '../record/index.js'
import { SharedRuns } from './shared-runs.js'
import type { DhtLookup } from '../dht/index.js'
import type { KeydirMetrics } from '../metrics/index.js'
import type { KeyRecord } from '../record/index.js'
import type { PeerKeyRegistry } from '../registry/index.js'
import type { ResolvedRecord, ResolveOptions, ResolveProgressEvents } from './resolver.js'
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
 * ERR_UNKNOWN_ML_DSA_PEER_ID.
 *
 * A peer this node has no pin for is met through the record found under
 * the ML-DSA PeerId: that record is admitted first (it is bound to the
 * libp2p PeerId by the ML-DSA signature of the key the caller asked by),
 * and the libp2p PeerId's own lookup then runs as a refresh against it,
 * following only rotations that key handed over. Its own first contact
 * would pin the highest seq under the libp2p PeerId, perhaps a thief's of
 * its Ed25519 key alone.
 *
 * Concurrent resolves of one ML-DSA PeerId share one run, and a run has
 * one deadline, the resolve timeout, for all of its lookups.
 */
export class MlDsaPeerIdResolver {
  /** Runs under way, by ML-DSA PeerId (and whether a refresh was asked for). */
  private readonly inFlight: SharedRuns

  constructor (private readonly parts: MlDsaPeerIdResolverParts) {
    this.inFlight = new SharedRuns(parts.log)
  }

  async resolve (asked: PeerId, options: ResolveOptions): Promise<ResolvedRecord> {
    const refresh = options.refresh === true
    return this.inFlight.join(`${asked.toString()}/${refresh ? 'refresh' : 'any'}`, options, async onProgress => this.run(asked, refresh, onProgress))
  }

  /** One resolve, bounded as a whole by the resolve timeout, whoever waits for it. */
  private async run (asked: PeerId, refresh: boolean, onProgress: (event: ResolveProgressEvents) => void): Promise<ResolvedRecord> {
    const deadline = AbortSignal.timeout(this.parts.timeoutMs)
    try {
      return await this.resolveWithin(asked, { signal: deadline, onProgress, ...(refresh ? { refresh } : {}) })
    } catch (err) {
      if (deadline.aborted && TIMED_OUT.has(errorCode(err))) {
        throw new ResolveError('ERR_RESOLVE_TIMEOUT', `resolving the ML-DSA PeerId ${asked.toString()} took longer than ${this.parts.timeoutMs} ms`, { cause: err })
      }
      throw err
    }
  }

  private async resolveWithin (asked: PeerId, options: ResolveOptions & { signal: AbortSignal }): Promise<ResolvedRecord> {
    const id = asked.toString()
    const multihash = asked.toMultihash().bytes
    const self = this.parts.selfRecord()
    if (uint8ArrayEquals(keyIdsOf(self).multihash, multihash)) {
      return { ...await this.parts.resolvePeer(self.peerId, options), asked: 'mlDsaPeerId' }
    }
    const known = this.parts.registry.mlDsaIndexRow(id)
    if (known !== undefined) {
      const resolved = await this.resolvePeer(known.peerId, options)
      const answer = await this.linked(resolved, known.fingerprint, id, multihash)
      if (answer !== undefined) return answer
    }
    const found = await this.fromDht(asked, id, multihash, options)
    const resolved = await this.firstContact(found, options) ?? await this.resolvePeer(found.peerId, options)
    return await this.fromFound(found, resolved, id, options.signal)
  }

  /**
   * A peer without a pin, met by the record found under the ML-DSA PeerId:
   * that record is admitted, then refreshed by the peer's own lookup (which
   * now starts from its key). When the refresh finds nothing better, or
   * the deadline ends it, the admitted record is the answer. Undefined when the peer has a pin, or
   * the registry refuses the record (the peer's own resolve then answers).
   */
  private async firstContact (found: KeyRecord, options: ResolveOptions & { signal: AbortSignal }): Promise<ResolvedRecord | undefined> {
    if (await this.parts.registry.getPin(found.peerId) !== undefined) return undefined
    let admitted: ResolvedRecord
    try {
      admitted = await this.parts.admit(found, options.signal)
    } catch {
      return undefined
    }
    try {
      return await this.resolvePeer(found.peerId, { ...options, refresh: true })
    } catch (err) {
      // A verdict on the peer stands; a refresh that found nothing better (or ran out of time) leaves the admitted record.
      if (VERDICTS.has(errorCode(err))) throw err
      return admitted
    }
  }

  /** The libp2p PeerId's resolve; a proof the registry holds of its equivocation, met on the way, is the answer by that PeerId. */
  private async resolvePeer (peerId: PeerId, options: ResolveOptions): Promise<ResolvedRecord> {
    try {
      return await this.parts.resolvePeer(peerId, options)
    } catch (err) {
      const proof = errorCode(err) === 'ERR_NOT_FOUND' ? this.parts.registry.getEquivocation(peerId) : undefined
      if (proof !== undefined) throw equivocatedError(peerId, proof.seq)
      // The caller asked by the ML-DSA PeerId: name the libp2p PeerId the failure is about, where a later proof is kept.
      if (err instanceof ResolveError && err.peerId === undefined) throw new ResolveError(err.code, err.message, { cause: err.cause, paths: err.paths, peerId })
      throw err
    }
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
  private async fromDht (asked: PeerId, id: string, multihash: Uint8Array, { signal, onProgress }: ResolveOptions & { signal: AbortSignal }): Promise<KeyRecord> {
    const { dht, canReach } = this.parts
    if (dht === undefined) throw unknown(id, 'and this node\'s DHT path is off')
    if (canReach !== undefined && !await canReach(asked)) {
      throw new ResolveError('ERR_NO_PEERS', `cannot look up ${id}: this node has no DHT peers and no connections; ${NO_PEERS_ADVICE}`)
    }
    let value
    onProgress?.({ type: 'keydir:resolve:path', detail: { path: 'dht', peer: asked } })
    try {
      value = await dht.findValue(asked, { signal, onProgress })
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
   * record: a newer record than the resolved one (of its key or a later
   * one the registry had not seen) is admitted through the pin rules first;
   * then the same key, or an earlier one the current record's chain comes
   * from. Else ERR_ML_DSA_PEER_ID_UNLINKED.
   */
  private async fromFound (found: KeyRecord, resolved: ResolvedRecord, id: string, signal: AbortSignal): Promise<ResolvedRecord> {
    const foundFingerprint = fingerprint(found.mlDsaPublicKey)
    let current = resolved
    let why: string
    let refused: string | undefined
    if (found.seq > resolved.record.seq) {
      try {
        current = await this.parts.admit(found, signal)
      } catch (err) {
        refused = errorCode(err)
      }
    }
    if (uint8ArrayEquals(fingerprint(current.record.mlDsaPublicKey), foundFingerprint)) return { ...current, asked: 'mlDsaPeerId' }
    try {
      followHistory(this.parts.crypto, current.record, { fingerprint: foundFingerprint, mlDsaPublicKey: found.mlDsaPublicKey })
      return { ...current, asked: 'previousMlDsaPeerId', previousMlDsaPeerId: id }
    } catch (err) {
      why = refused ?? errorCode(err)
    }
    const peer = found.peerId.toString()
    this.parts.log.info({ peer, mlDsaPeerId: id, code: why }, 'ML-DSA PeerId is not linked to the peer\'s current key')
    throw new ResolveError('ERR_ML_DSA_PEER_ID_UNLINKED', `${id} is the ML-DSA PeerId of a key ${peer} signed a record with, but ${peer}'s current key ` +
      `(seq ${current.record.seq}) does not descend from it through verified hand-overs (${why}): resolve ${peer} itself for its current keys`)
  }
}

/** A resolve's verdicts on a peer: a first contact that met one does not fall back to the record it admitted. */
const VERDICTS = new Set(['ERR_REVOKED', 'ERR_EQUIVOCATION'])

/** What a lookup cut short by the run's deadline fails with. */
const TIMED_OUT = new Set(['ERR_ABORTED', 'ERR_RESOLVE_TIMEOUT', 'ERR_UNEXPECTED', 'ERR_NOT_FOUND'])

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
