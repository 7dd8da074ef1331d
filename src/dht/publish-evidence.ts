import { equals as uint8ArrayEquals } from 'uint8arrays/equals'
import { routingKeyFor } from '../record/index.js'
import type { PublishCoverage } from './record-lookup.js'
import type { KeydirMetrics } from '../metrics/index.js'
import type { EquivocationProof } from '../record/index.js'
import type { KeydirLogger } from '../util/log.js'
import type { AbortOptions } from '@libp2p/interface'
import type { KadDHT } from '@libp2p/kad-dht'

export interface PublishEvidenceComponents {
  dht: Pick<KadDHT, 'put'>
  metrics: KeydirMetrics
  logger: KeydirLogger
}

/**
 * Put an equivocation proof under its peer's `/pqk/` key, where its
 * records live: it outranks every record there (comparePqkValues), so the
 * storers serve it from then on, and a node resolving the peer later finds
 * it. Counts coverage as DhtRecords.publish does (the PUT_VALUEs sent, the
 * peers that echoed the value back).
 */
export async function publishEvidence (components: PublishEvidenceComponents, proof: EquivocationProof, options: AbortOptions = {}): Promise<PublishCoverage> {
  const coverage: PublishCoverage = { targeted: 0, stored: 0, storers: [] }
  const logged = { peer: proof.peerId.toString(), seq: proof.seq, evidence: true }
  try {
    for await (const event of components.dht.put(routingKeyFor(proof.peerId), proof.bytes, options)) {
      if (event.name === 'SEND_QUERY' && event.messageName === 'PUT_VALUE') coverage.targeted++
      if (event.name === 'PEER_RESPONSE' && event.messageName === 'PUT_VALUE' && event.record != null && uint8ArrayEquals(event.record.value, proof.bytes)) {
        coverage.stored++
        coverage.storers.push(event.from)
      }
    }
    components.logger.info({ ...logged, targeted: coverage.targeted, stored: coverage.stored }, 'published an equivocation proof to the DHT')
    return coverage
  } catch (err) {
    components.logger.warn({ ...logged, err: (err as Error).message }, 'DHT publish of an equivocation proof failed')
    throw err
  }
}
