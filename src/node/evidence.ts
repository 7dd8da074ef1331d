import { errorCode } from '../errors.js'
import { PUBLISH_TIMEOUT_MS } from '../publisher/index.js'
import type { DhtRecords } from '../dht/index.js'
import type { KeydirMetrics } from '../metrics/index.js'
import type { EquivocationProof, EquivocationValidator } from '../record/index.js'
import type { EvidenceSource, PeerKeyRegistry } from '../registry/index.js'
import type { KeydirLogger } from '../util/log.js'
import type { AbortOptions, PeerId } from '@libp2p/interface'

export interface NodeEvidenceParts {
  registry: PeerKeyRegistry
  validator: EquivocationValidator
  dht: Pick<DhtRecords, 'publishEvidence'>
  metrics: KeydirMetrics
  logger: KeydirLogger
}

/**
 * A node's equivocation proofs: taking one from outside (validated,
 * counted, kept by the registry, put into the DHT), counting and spreading
 * each one the registry takes, and putting the held ones into the DHT
 * again (kad-dht drops a value 48 hours after it received it).
 */
export class NodeEvidence {
  constructor (private readonly parts: NodeEvidenceParts) {}

  get (peerId: PeerId | string): EquivocationProof | undefined {
    return this.parts.registry.getEquivocation(peerId)
  }

  list (): EquivocationProof[] {
    return this.parts.registry.listEquivocations()
  }

  /**
   * A proof from outside (HTTP, a file): validated, kept (for a pinned
   * peer, only when both records link to the pin), and put into the DHT.
   * Refusals are EvidenceErrors, counted under source `evidence`; none
   * marks a peer.
   */
  async submit (bytes: Uint8Array, options: AbortOptions & { stopping: AbortSignal }): Promise<EquivocationProof> {
    let proof: EquivocationProof
    try {
      proof = this.parts.validator.validate(bytes)
      await this.parts.registry.storeEquivocation(proof, 'api')
      // The operator's evidence: kept for good, also for a peer held as learned unasked.
      this.parts.registry.noteResolved(proof.peerId)
    } catch (err) {
      this.parts.metrics.verificationFailures.inc({ source: 'evidence', reason: errorCode(err) })
      throw err
    }
    const bounded = AbortSignal.timeout(PUBLISH_TIMEOUT_MS)
    await this.parts.dht.publishEvidence(proof, {
      signal: AbortSignal.any([options.stopping, bounded, ...(options.signal === undefined ? [] : [options.signal])])
    })
    return proof
  }

  /**
   * The registry took a proof (its onEquivocation): counted in
   * keydir_equivocations_total and logged; one found by this node (not one
   * an API caller put, which submit puts itself) is put into the DHT in the
   * background, so that nodes that never met the peer's records learn it.
   */
  taken (proof: EquivocationProof, source: EvidenceSource, stopping: AbortSignal): void {
    this.parts.metrics.equivocations.inc({ source })
    this.parts.logger.warn({ peer: proof.peerId.toString(), seq: proof.seq, source }, 'peer equivocated: it signed two records with one seq, its keys are refused')
    if (source === 'api' || stopping.aborted) return
    this.put(proof, stopping).catch(() => {})
  }

  /** Put every held proof into the DHT again; a failure is logged, the next round tries again. */
  async putAgain (stopping: AbortSignal): Promise<void> {
    for (const proof of this.list()) {
      if (stopping.aborted) return
      await this.put(proof, stopping).catch(() => {})
    }
  }

  private async put (proof: EquivocationProof, stopping: AbortSignal): Promise<void> {
    try {
      await this.parts.dht.publishEvidence(proof, {
        signal: AbortSignal.any([stopping, AbortSignal.timeout(PUBLISH_TIMEOUT_MS)])
      })
    } catch (err) {
      this.parts.logger.debug({ peer: proof.peerId.toString(), code: errorCode(err) }, 'could not put an equivocation proof into the DHT')
      throw err
    }
  }
}
