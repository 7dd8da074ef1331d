import { equals as uint8ArrayEquals } from 'uint8arrays/equals'
import { routingKeyFor } from '../record/index.js'
import { DHT_REPLICATION } from './constants.js'
import { silentLogger } from '../util/log.js'
import type { KeydirMetrics } from '../metrics/index.js'
import type { EquivocationProof, KeyRecord, RevocationCertificate } from '../record/index.js'
import type { KeydirLogger } from '../util/log.js'
import type { AbortOptions, PeerId } from '@libp2p/interface'
import type { KadDHT } from '@libp2p/kad-dht'

/** Putting this node's `/pqk/` values (its record, revocation certificates) to the closest peers kad-dht finds. */
export interface DhtRecordsComponents {
  dht: Pick<KadDHT, 'put'>
  metrics: KeydirMetrics
  logger?: KeydirLogger
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

export class DhtRecords {
  private readonly components: DhtRecordsComponents
  private readonly log: KeydirLogger

  constructor (components: DhtRecordsComponents) {
    this.components = components
    this.log = components.logger ?? silentLogger
  }

  /**
   * Put `record` to the closest peers the DHT finds. Returns how many of
   * them were asked and how many stored it, so the caller can publish again
   * soon when too few did.
   */
  async publish (record: KeyRecord, options: AbortOptions = {}): Promise<PublishCoverage> {
    return this.put(record.peerId, record.bytes, { seq: record.seq, expiresAt: record.expiresAt }, options)
  }

  /**
   * Put an equivocation proof under its peer's `/pqk/` key, where its
   * records live: it outranks every record there, so the storers serve it
   * from then on, and a node resolving the peer later finds it.
   */
  async publishEvidence (proof: EquivocationProof, options: AbortOptions = {}): Promise<PublishCoverage> {
    return this.put(proof.peerId, proof.bytes, { evidence: true, seq: proof.seq }, options)
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
}
