import { equals as uint8ArrayEquals } from 'uint8arrays/equals'
import { errorCode, ResolveError } from '../errors.js'
import { compareKeyRecords, decodePqkValue, routingKeyFor } from '../record/index.js'
import { DHT_REPLICATION } from './constants.js'
import { silentLogger } from '../util/log.js'
import type { KeydirMetrics } from '../metrics/index.js'
import type { KeyRecord, PqkValue, RevocationCertificate } from '../record/index.js'
import type { KeydirLogger } from '../util/log.js'
import type { AbortOptions, PeerId } from '@libp2p/interface'
import type { PqkRecordCheck, PqkValueCheck } from './pqk-validator.js'
import type { KadDHT, PeerResponseEvent, ValueEvent } from '@libp2p/kad-dht'

export interface DhtRecordsComponents {
  dht: Pick<KadDHT, 'get' | 'put'>
  /**
   * The `/pqk/` validator's checks (createPqkValueCheck, or the record-only
   * createPqkCheck, over the same validators and datastore), run on each
   * answer as it arrives.
   */
  check: PqkRecordCheck | PqkValueCheck
  metrics: KeydirMetrics
  logger?: KeydirLogger
}

export interface FindOptions extends AbortOptions {
  /** Records below this seq are rollbacks: refused and counted (the registry's high-water mark). */
  minSeq?: number
  /**
   * Whether a valid revocation counts (the registry's check against its pin).
   * One that does not is counted and the lookup goes on, so a certificate
   * made with the Ed25519 key alone cannot end lookups of a pinned peer.
   */
  acceptRevocation?: (revocation: RevocationCertificate) => boolean
  /**
   * This node's PeerId: its own store's answer then counts only when its seq
   * is above `minSeq`. The copy this node keeps for others is often just the
   * record its registry holds (a node stopped while the peer rotated keeps
   * the one it had), and kad-dht yields it first: taken, it would end every
   * lookup for something newer at once. Default: the own store answers like
   * any peer.
   */
  self?: PeerId
}

/** How far a publish reached: the closest peers sent the record, and those that stored it. */
export interface PublishCoverage {
  targeted: number
  stored: number
  /** The peers that stored it. */
  storers: PeerId[]
}

/**
 * Whether a publish reached enough peers: at least half of the K closest,
 * or of the DHT peers this node knows when it knows fewer. A burst of
 * lookups (many nodes starting or publishing at once) times out part of a
 * put's closest-peer search, and a record can land on a handful of peers.
 */
export function isWellCovered (coverage: Pick<PublishCoverage, 'targeted' | 'stored'>, knownPeers: number): boolean {
  return coverage.stored * 2 >= Math.min(DHT_REPLICATION, knownPeers)
}

export interface DhtRecordsInit {
  /**
   * How many peers (this node's own store counts as one) must have answered
   * with a valid record, not older than `minSeq`, before the lookup ends
   * early with the best of them. Default 1: the first good answer. Higher
   * values make one stale or hostile peer unable to answer alone, at the
   * price of waiting for more round trips.
   */
  quorum?: number
}

const DEFAULT_QUORUM = 1

export class DhtRecords {
  private readonly components: DhtRecordsComponents
  private readonly log: KeydirLogger
  private readonly quorum: number

  constructor (components: DhtRecordsComponents, init: DhtRecordsInit = {}) {
    this.components = components
    this.log = components.logger ?? silentLogger
    this.quorum = Math.max(1, init.quorum ?? DEFAULT_QUORUM)
  }

  /**
   * Put `record` to the closest peers the DHT finds. Returns how many of
   * them were asked and how many stored it, so the caller can publish again
   * soon when too few did.
   */
  async publish (record: KeyRecord, options: AbortOptions = {}): Promise<PublishCoverage> {
    return this.put(record.peerId, record.bytes, { seq: record.seq, expiresAt: record.expiresAt }, options)
  }

  /** Put a revocation certificate under its peer's `/pqk/` key, as publish puts a record. */
  async publishRevocation (revocation: RevocationCertificate, options: AbortOptions = {}): Promise<PublishCoverage> {
    return this.put(revocation.peerId, revocation.bytes, { revocation: true, issuedAt: revocation.issuedAt }, options)
  }

  private async put (peerId: PeerId, bytes: Uint8Array, logged: Record<string, unknown>, options: AbortOptions): Promise<PublishCoverage> {
    const coverage: PublishCoverage = { targeted: 0, stored: 0, storers: [] }
    try {
      // kad-dht's put reports each PUT_VALUE it sends and each peer that answered it (it does not pass on FINAL_PEER).
      for await (const event of this.components.dht.put(routingKeyFor(peerId), bytes, options)) {
        if (event.name === 'SEND_QUERY' && event.messageName === 'PUT_VALUE') coverage.targeted++
        // A peer stored it if it echoed the value back (kad-dht reports another value as an error, after this event).
        if (event.name === 'PEER_RESPONSE' && event.messageName === 'PUT_VALUE' && event.record != null && uint8ArrayEquals(event.record.value, bytes)) {
          coverage.stored++
          coverage.storers.push(event.from)
        }
      }
      this.components.metrics.recordsPublished.inc({ result: 'success' })
      this.log.info({ ...logged, targeted: coverage.targeted, stored: coverage.stored }, 'published to the DHT')
      return coverage
    } catch (err) {
      this.components.metrics.recordsPublished.inc({ result: 'failure' })
      this.log.warn({ ...logged, err: (err as Error).message }, 'DHT publish failed')
      throw err
    }
  }

  /** The best valid record of `peerId` from the first `quorum` answers; ResolveError ERR_NOT_FOUND when there is none, ERR_REVOKED for a revocation. */
  async find (peerId: PeerId, options: FindOptions = {}): Promise<KeyRecord> {
    const value = await this.findValue(peerId, options)
    if (value.kind === 'revocation') throw new ResolveError('ERR_REVOKED', `${peerId.toString()} is revoked: the DHT holds its revocation certificate`)
    return value.record
  }

  /**
   * The best valid `/pqk/` value of `peerId`: a revocation (the first valid
   * one ends the lookup: it beats every record), else the best record from
   * the first `quorum` answers. ResolveError ERR_NOT_FOUND when there is none.
   */
  async findValue (peerId: PeerId, options: FindOptions = {}): Promise<PqkValue> {
    const started = performance.now()
    const key = routingKeyFor(peerId)
    const query = new AbortController()
    const signal = options.signal == null ? query.signal : AbortSignal.any([options.signal, query.signal])
    const minSeq = options.minSeq ?? 0
    const answerers = new Set<string>()
    // Each peer's answer is reported twice (on arrival, then as validated): the first report counts.
    const heard = new Set<string>()
    const quorum = Promise.withResolvers<void>()
    let best: KeyRecord | undefined
    let revocation: RevocationCertificate | undefined

    let answered = false
    const finish = (): void => {
      answered = true
      quorum.resolve()
      // Aborting runs every in-flight RPC's abort handlers (stream resets,
      // frames written) synchronously: let the resolve return first.
      setImmediate(() => { query.abort() })
    }
    const accept = (from: PeerId, value: PqkValue): void => {
      const answerer = from.toString()
      if (answered || heard.has(answerer)) return
      heard.add(answerer)
      if (value.kind === 'revocation') {
        if (!value.revocation.peerId.equals(peerId)) return
        if (options.acceptRevocation?.(value.revocation) === false) {
          this.components.metrics.verificationFailures.inc({ source: 'dht', reason: 'ERR_REVOCATION_KEY_UNKNOWN' })
          return
        }
        revocation = value.revocation
        finish()
        return
      }
      const record = value.record
      if (!record.peerId.equals(peerId)) return
      if (record.seq < minSeq) {
        this.components.metrics.verificationFailures.inc({ source: 'dht', reason: 'ERR_ROLLBACK' })
        return
      }
      if (best != null && record.seq !== best.seq) {
        // one of the two is a stale record someone still serves
        this.components.metrics.verificationFailures.inc({ source: 'dht', reason: 'ERR_ROLLBACK' })
      }
      if (best == null || compareKeyRecords(record, best) < 0) best = record
      answerers.add(answerer)
      if (answerers.size >= this.quorum) finish()
    }
    // The handlers run inside kad-dht's query, which must not see our errors.
    const cannotTake = (err: unknown): void => {
      this.log.warn({ peer: peerId.toString(), err: (err as Error).message }, 'could not take a DHT answer')
    }
    const onProgress = (event: Event): void => {
      if (answered) return
      if (event.type === 'kad-dht:query:peer-response') {
        // Another peer's answer, as it arrives. kad-dht runs the same checks
        // on it next (a verified-cache hit by then), but reports it valid
        // only after it has queued the closer peers the answer names: a few
        // ms on a busy event loop. A refusal is counted there, not here.
        const { from, record } = (event as CustomEvent<PeerResponseEvent>).detail
        if (record == null || !uint8ArrayEquals(record.key, key)) return
        this.components.check(key, record.value)
          .then(valid => { accept(from, asPqkValue(valid)) }, () => {})
          .catch(cannotTake)
      } else if (event.type === 'kad-dht:query:value') {
        // This node's own store (it has no peer response), or an answer whose check above has not settled yet.
        const { from, value } = (event as CustomEvent<ValueEvent>).detail
        // Most answers were taken on arrival: no second decode for those.
        if (heard.has(from.toString())) return
        try {
          // kad-dht has already run our validator on this value
          const decoded = decodePqkValue(value)
          if (options.self?.equals(from) === true && decoded.kind === 'record' && decoded.record.seq <= minSeq) return
          accept(from, decoded)
        } catch (err) {
          cannotTake(err)
        }
      }
    }

    let queryError: Error | undefined
    const drain = (async () => {
      try {
        for await (const event of this.components.dht.get(key, { signal, onProgress })) {
          void event
        }
      } catch (err) {
        if (!query.signal.aborted) queryError = err as Error
      }
    })()
    // An aborted query still waits for its in-flight RPCs; the answer does not.
    await Promise.race([drain, quorum.promise])

    const outcome = revocation != null || best != null ? 'found' : options.signal?.aborted === true ? 'timeout' : 'not_found'
    this.components.metrics.dhtResolveSeconds.observe({ outcome }, (performance.now() - started) / 1000)
    if (revocation != null) return { kind: 'revocation', revocation }
    if (best != null) return { kind: 'record', record: best }
    if (options.signal?.aborted === true) {
      throw new ResolveError('ERR_RESOLVE_TIMEOUT', `DHT lookup for ${peerId.toString()} was cut short by its timeout`)
    }
    if (queryError != null) {
      this.log.debug({ peer: peerId.toString(), code: errorCode(queryError), err: queryError.message }, 'DHT query ended with an error')
    }
    throw new ResolveError('ERR_NOT_FOUND', `no valid key record for ${peerId.toString()} in the DHT${queryError == null ? '' : ` (query failed: ${queryError.message})`}`)
  }
}

/** A check's result as a /pqk/ value: the record-only check gives records. */
function asPqkValue (checked: KeyRecord | PqkValue): PqkValue {
  return 'kind' in checked ? checked : { kind: 'record', record: checked }
}
