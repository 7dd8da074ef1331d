import { setTimeout as delay } from 'node:timers/promises'
import { isWellCovered } from '../dht/index.js'
import { errorCode } from '../errors.js'
import { LOW_COVERAGE_RETRIES, LOW_COVERAGE_RETRY_MS, PUBLISH_TIMEOUT_MS } from './constants.js'
import type { OwnRecordLock } from './own-record-lock.js'
import type { DhtRecords, PublishCoverage } from '../dht/index.js'
import type { KeyRecord } from '../record/index.js'
import type { KeydirLogger } from '../util/log.js'

export interface LowCoverageRepublisherInit {
  lock: OwnRecordLock
  dht: DhtRecords
  /** The current own record. */
  record: () => KeyRecord
  /** DHT peers this node knows. */
  routingTableSize: () => number
  /** Aborted when the node stops. */
  stopping: () => AbortSignal
  /** A retry found no DHT peers (ERR_NO_PEERS): the publisher publishes again once one joins. */
  noPeers: (err: unknown) => void
  logger: KeydirLogger
}

/** The publisher's retries of a publish that too few of the closest peers took. */
export class LowCoverageRepublisher {
  private active = false

  constructor (private readonly init: LowCoverageRepublisherInit) {}

  /** A low-coverage republish loop is running. */
  get running (): boolean {
    return this.active
  }

  /**
   * Publish again soon while too few of the closest peers took the record
   * (isWellCovered): when many nodes start or publish at once, part of a
   * put's search times out, a record can land on a handful of peers, and
   * the regular round is hours away. The current record is put again as it
   * is (no new seq). The waits double from
   * LOW_COVERAGE_RETRY_MS, each drawn from half to one and a half of it so
   * that nodes hit by the same burst do not retry together. One such loop
   * runs at a time; a well covered publish starts none.
   */
  async republishWhileUncovered (coverage: PublishCoverage): Promise<void> {
    if (this.active || isWellCovered(coverage, this.init.routingTableSize())) return
    this.active = true
    let yielded: AbortSignal | undefined
    try {
      for (let attempt = 0; attempt < LOW_COVERAGE_RETRIES; attempt++) {
        this.init.logger.info({ targeted: coverage.targeted, stored: coverage.stored, attempt }, 'few peers stored our record: publishing again soon')
        await delay(LOW_COVERAGE_RETRY_MS * 2 ** attempt * (0.5 + Math.random()), undefined, { signal: this.init.stopping() })
        // The current record again, not a new seq: what publish() returned stays the record out there.
        // Taken with the lock held, so it is never an older record than one put before it.
        coverage = await this.init.lock.run(async ({ yieldSignal }) => {
          yielded = yieldSignal
          return this.init.dht.publish(this.init.record(), { signal: AbortSignal.any([AbortSignal.any([this.init.stopping(), AbortSignal.timeout(PUBLISH_TIMEOUT_MS)]), yieldSignal]) })
        }, { background: true })
        if (isWellCovered(coverage, this.init.routingTableSize())) return
      }
    } catch (err) {
      // A publish or rotation that took over starts its own retries when it needs them.
      if (errorCode(err) === 'ERR_NO_PEERS') {
        this.init.noPeers(err)
      } else if (!this.init.stopping().aborted && yielded?.aborted !== true && errorCode(err) !== 'ERR_SUPERSEDED') {
        this.init.logger.warn({ code: errorCode(err), err: (err as Error).message }, 'could not publish key record again')
      }
    } finally {
      this.active = false
    }
  }
}
