import { errorCode, ResolveError } from '../errors.js'
import { routingKeyFor, unmarshalKeyRecord } from '../record/index.js'
import { silentLogger } from '../util/log.js'
import type { KeydirMetrics } from '../metrics/index.js'
import type { KeyRecord } from '../record/index.js'
import type { KeydirLogger } from '../util/log.js'
import type { AbortOptions, PeerId } from '@libp2p/interface'
import type { KadDHT, ValueEvent } from '@libp2p/kad-dht'

export interface DhtRecordsComponents {
  dht: Pick<KadDHT, 'get' | 'put'>
  metrics: KeydirMetrics
  logger?: KeydirLogger
}

export interface FindOptions extends AbortOptions {
  /** Only a record with at least this seq ends the lookup early (what the registry already holds). */
  minSeq?: number
}

/**
 * Puts and gets key records in the DHT. A get ends at the first valid
 * record that is not older than what we hold: kad-dht's `get` only returns
 * after its whole query, but hands every value it has validated (with our
 * `/pqk/` validator) to `onProgress` on the way, which is where the answer
 * is taken and the rest of the query aborted.
 */
export class DhtRecords {
  private readonly components: DhtRecordsComponents
  private readonly log: KeydirLogger

  constructor (components: DhtRecordsComponents) {
    this.components = components
    this.log = components.logger ?? silentLogger
  }

  async publish (record: KeyRecord, options: AbortOptions = {}): Promise<void> {
    try {
      for await (const event of this.components.dht.put(routingKeyFor(record.peerId), record.bytes, options)) {
        void event
      }
      this.components.metrics.recordsPublished.inc({ result: 'success' })
      this.log.info({ seq: record.seq, expiresAt: record.expiresAt }, 'published key record to the DHT')
    } catch (err) {
      this.components.metrics.recordsPublished.inc({ result: 'failure' })
      this.log.warn({ seq: record.seq, err: (err as Error).message }, 'DHT publish failed')
      throw err
    }
  }

  /** The first valid record of `peerId` the DHT yields; ResolveError ERR_NOT_FOUND when the query ends with none. */
  async find (peerId: PeerId, options: FindOptions = {}): Promise<KeyRecord> {
    const started = performance.now()
    const query = new AbortController()
    const signal = options.signal == null ? query.signal : AbortSignal.any([options.signal, query.signal])
    const minSeq = options.minSeq ?? 0
    let found: KeyRecord | undefined
    let outcome = 'not_found'

    const onProgress = (event: CustomEvent<ValueEvent> | Event): void => {
      if (found != null || event.type !== 'kad-dht:query:value') return
      // kad-dht has already run our validator on this value
      const record = unmarshalKeyRecord((event as CustomEvent<ValueEvent>).detail.value)
      if (record.peerId.equals(peerId) && record.seq >= minSeq) {
        found = record
        query.abort()
      }
    }

    try {
      for await (const event of this.components.dht.get(routingKeyFor(peerId), { signal, onProgress })) {
        void event
      }
    } catch (err) {
      if (found == null) {
        outcome = options.signal?.aborted === true ? 'timeout' : 'error'
        this.log.debug({ peer: peerId.toString(), code: errorCode(err) }, 'DHT lookup failed')
        if (options.signal?.aborted === true) throw err
      }
    } finally {
      if (found != null) outcome = 'found'
      this.components.metrics.dhtResolveSeconds.observe({ outcome }, (performance.now() - started) / 1000)
    }
    if (found == null) {
      throw new ResolveError('ERR_NOT_FOUND', `no valid key record for ${peerId.toString()} in the DHT`)
    }
    return found
  }
}
