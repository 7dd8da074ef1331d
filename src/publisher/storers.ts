import { LRUCache } from 'lru-cache'
import { putToPeers, type DirectPutComponents } from '../dht/index.js'
import { MAX_REMEMBERED_STORERS } from './constants.js'
import type { PublishCoverage } from '../dht/index.js'
import type { KeyRecord } from '../record/index.js'
import type { KeydirLogger } from '../util/log.js'
import type { PeerId } from '@libp2p/interface'

/**
 * The DHT peers that stored this node's records since it started. The
 * closest set moves as peers come and go, so after a rotation some of them
 * are no longer among the peers a put reaches, yet they keep serving the
 * old record until it expires: the publisher puts the new one to them too.
 * In memory and bounded; a restart forgets them (their copies then age out).
 */
export class RecordStorers {
  private readonly peers = new LRUCache<string, PeerId>({ max: MAX_REMEMBERED_STORERS })

  note (coverage: PublishCoverage): void {
    for (const peer of coverage.storers) this.peers.set(peer.toString(), peer)
  }

  /** Remembered storers that `coverage` did not reach. */
  missedBy (coverage: PublishCoverage): PeerId[] {
    const reached = new Set(coverage.storers.map(peer => peer.toString()))
    return [...this.peers.values()].filter(peer => !reached.has(peer.toString()))
  }

  /** Put `record` also to the remembered storers `coverage` did not reach, then remember its own storers. */
  async replaceMissed (record: KeyRecord, coverage: PublishCoverage, put: { components: DirectPutComponents, protocol: string, signal: AbortSignal, log: KeydirLogger }): Promise<void> {
    const missed = this.missedBy(coverage)
    this.note(coverage)
    if (missed.length === 0) return
    const stored = await putToPeers(put.components, put.protocol, missed, record, { signal: put.signal })
    put.log.info({ previousStorers: missed.length, stored }, 'put the rotated record to peers that held the previous one')
  }
}
