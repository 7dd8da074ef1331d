import { equals as uint8ArrayEquals } from 'uint8arrays/equals'
import { errorCode, KeydirError } from '../errors.js'
import { mlDsaPeerIdString, mlDsaRoutingKey, routingKeyFor } from '../record/index.js'
import { DHT_REPLICATION } from './constants.js'
import { isAlone, noPeersError, type DhtPeers } from './dht-peers.js'
import { writeOwnDhtValue } from './own-store.js'
import { silentLogger } from '../util/log.js'
import type { KeydirMetrics } from '../metrics/index.js'
import type { EquivocationProof, KeyRecord, RevocationCertificate } from '../record/index.js'
import type { KeydirLogger } from '../util/log.js'
import type { AbortOptions, PeerId } from '@libp2p/interface'
import type { KadDHT } from '@libp2p/kad-dht'
import type { Datastore } from 'interface-datastore'

/** Putting this node's `/pqk/` values (its record, revocation certificates) to the closest peers kad-dht finds. */
export interface DhtRecordsComponents {
  dht: Pick<KadDHT, 'put'>
  metrics: KeydirMetrics
  logger?: KeydirLogger
  /**
   * The node's DHT peers. kad-dht holds a put until a peer joins its
   * routing table, up to the caller's timeout: on a node with no DHT peer
   * and no connection (none is on its way) the put fails at once with
   * ERR_NO_PEERS instead, and a put that timed out with the routing table
   * still empty is ERR_NO_PEERS too. Absent: no such check.
   */
  peers?: DhtPeers
  /**
   * kad-dht's datastore. A put on a node with no peers writes the value
   * there itself, as kad-dht's put would before asking anyone, so the node
   * serves it to the peers that ask once they come. Absent: not written.
   */
  datastore?: Pick<Datastore, 'put'>
}

/** Failures of a put that say why it could not be made, not that something broke: the caller decides what to log. */
const EXPECTED_FAILURES = new Set(['ERR_NO_PEERS', 'ERR_SUPERSEDED', 'ERR_PUBLISH_TIMEOUT'])

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

export class DhtRecords {
  private readonly components: DhtRecordsComponents
  private readonly log: KeydirLogger

  constructor (components: DhtRecordsComponents) {
    this.components = components
    this.log = components.logger ?? silentLogger
  }

  /** The value in this node's own DHT store, through its guard (which keeps a better value it holds). */
  private async storeLocally (key: Uint8Array, bytes: Uint8Array): Promise<void> {
    if (this.components.datastore === undefined) return
    try {
      await writeOwnDhtValue(this.components.datastore, key, bytes)
    } catch (err) {
      this.log.debug({ code: errorCode(err) }, 'kept the value this node\'s DHT store holds')
    }
  }

  /**
   * Put `record` to the closest peers the DHT finds, under its PeerId's key
   * and, at the same time, under its ML-DSA PeerId's key (`/pqk/` + the
   * SHA-256 multihash of its ML-DSA-65 key's RFC 0004 encoding), so that a
   * node knowing only the ML-DSA PeerId finds it. Returns how many of the
   * PeerId key's closest peers were asked and how many stored it, so the
   * caller can publish again soon when too few did. The second put's
   * failure is only counted and logged: every publish (start, republish, rotation)
   * makes it again, and the PeerId key is the one a rotation's storers and
   * coverage are tracked under.
   */
  async publish (record: KeyRecord, options: AbortOptions = {}): Promise<PublishCoverage> {
    const [coverage] = await Promise.all([
      this.put(routingKeyFor(record.peerId), record.bytes, { seq: record.seq, expiresAt: record.expiresAt }, options),
      this.putUnderMlDsaPeerId(record, options)
    ])
    return coverage
  }

  /** The second put of `publish`: never throws; a failure is counted as keydir_records_published_total{result="ml_dsa_peer_id_failure"}. */
  private async putUnderMlDsaPeerId (record: KeyRecord, options: AbortOptions): Promise<void> {
    const key = mlDsaRoutingKey(record.mlDsaPublicKey)
    const logged = { seq: record.seq, mlDsaPeerId: mlDsaPeerIdString(record.mlDsaPublicKey) }
    try {
      const { peers } = this.components
      if (peers !== undefined && isAlone(peers)) {
        await this.storeLocally(key, record.bytes)
        return
      }
      let stored = 0
      for await (const event of this.components.dht.put(key, record.bytes, options)) {
        if (event.name === 'PEER_RESPONSE' && event.messageName === 'PUT_VALUE' && event.record != null && uint8ArrayEquals(event.record.value, record.bytes)) stored++
      }
      this.log.debug({ ...logged, stored }, 'published under the ML-DSA PeerId')
    } catch (err) {
      // Counted apart from the PeerId key's puts: without this one a node knowing only the ML-DSA PeerId finds nothing.
      const failure = putFailure(err, options.signal, this.components.peers)
      this.components.metrics.recordsPublished.inc({ result: 'ml_dsa_peer_id_failure' })
      if (EXPECTED_FAILURES.has(errorCode(failure))) this.log.debug({ ...logged, code: errorCode(failure) }, 'DHT publish under the ML-DSA PeerId ended')
      else this.log.warn({ ...logged, code: errorCode(failure), err: (failure as Error).message }, 'DHT publish under the ML-DSA PeerId failed; the next publish tries again')
    }
  }

  /**
   * Put an equivocation proof under its peer's `/pqk/` key, where its
   * records live: it outranks every record there, so the storers serve it
   * from then on, and a node resolving the peer later finds it.
   */
  async publishEvidence (proof: EquivocationProof, options: AbortOptions = {}): Promise<PublishCoverage> {
    return this.put(routingKeyFor(proof.peerId), proof.bytes, { evidence: true, seq: proof.seq }, options)
  }

  /** Put a revocation certificate under its peer's `/pqk/` key, as publish puts a record. */
  async publishRevocation (revocation: RevocationCertificate, options: AbortOptions = {}): Promise<PublishCoverage> {
    return this.put(routingKeyFor(revocation.peerId), revocation.bytes, { revocation: true, issuedAt: revocation.issuedAt }, options)
  }

  private async put (key: Uint8Array, bytes: Uint8Array, logged: Record<string, unknown>, options: AbortOptions): Promise<PublishCoverage> {
    const coverage: PublishCoverage = { targeted: 0, stored: 0, storers: [] }
    const { peers } = this.components
    try {
      if (peers !== undefined && isAlone(peers)) {
        await this.storeLocally(key, bytes)
        throw noPeersError('publish to the DHT', 0, peers.bootstrapPeers)
      }
      // kad-dht's put reports each PUT_VALUE it sends and each peer that answered it (it does not pass on FINAL_PEER).
      for await (const event of this.components.dht.put(key, bytes, options)) {
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
      const failure = putFailure(err, options.signal, peers)
      this.components.metrics.recordsPublished.inc({ result: 'failure' })
      if (EXPECTED_FAILURES.has(errorCode(failure))) this.log.debug({ ...logged, code: errorCode(failure) }, 'DHT publish ended')
      else this.log.warn({ ...logged, code: errorCode(failure), err: (failure as Error).message }, 'DHT publish failed')
      throw failure
    }
  }
}

/**
 * What a failed put throws: the reason its signal was aborted with when
 * that is a typed error (ERR_NO_PEERS, ERR_SUPERSEDED, ERR_PUBLISH_TIMEOUT:
 * kad-dht throws its own AbortError instead), a bare timeout as
 * ERR_PUBLISH_TIMEOUT, and a timeout with the routing table still empty as
 * ERR_NO_PEERS (the node's connections never joined its DHT); else the error.
 */
function putFailure (err: unknown, signal: AbortSignal | undefined, peers: DhtPeers | undefined): unknown {
  if (signal?.aborted !== true) return err
  let failure: unknown = signal.reason
  if ((failure as { name?: unknown })?.name === 'TimeoutError') {
    failure = new KeydirError('ERR_PUBLISH_TIMEOUT', 'the DHT put did not end in time: the node\'s DHT peers did not answer (`keydir status` shows how many it has); try again', { cause: err })
  }
  if (!(failure instanceof KeydirError)) return err
  if (failure.code === 'ERR_PUBLISH_TIMEOUT' && peers !== undefined && peers.routingTable.size === 0) {
    return noPeersError('publish to the DHT', peers.connections())
  }
  return failure
}
