import { EvidenceError } from '../errors.js'
import { checkEquivocationAgainstPin, compareEquivocationProofs, createEquivocationProof, EquivocationValidator } from '../record/index.js'
import { EQUIVOCATIONS } from './constants.js'
import { CORRUPT } from './database.js'
import { tryParsePeer } from './peer-key.js'
import type { RegistryState } from './state.js'
import type { EvidenceSource, KeyChange } from './types.js'
import type { PeerId } from '@libp2p/interface'
import type { EquivocationProof, KeyRecord } from '../record/index.js'

export interface EquivocationsInit {
  onKeyChange: (change: KeyChange) => void
  onEquivocation: (proof: EquivocationProof, source: EvidenceSource) => void
}

/**
 * Peers proven to equivocate: two records of one seq with different
 * signed content (docs/record-format.md, "Equivocation proof"). A proof
 * is kept for good, like a revocation: no record of its peer is admitted
 * after it (ERR_EQUIVOCATION), and the resolver refuses the peer. Unlike a
 * revocation it leaves the stored record and pin in place (they show what
 * this node had before; the refusal does not depend on them). Kept in
 * memory too; proofs enter only for peers this node meets. A peer learned
 * unasked (and never asked for) is the exception: its proof goes with its
 * record and pin when the bounded store of such peers evicts it, or its
 * record expires or is removed, so the proofs of free PeerIds are bounded
 * with them.
 */
export class Equivocations {
  private readonly held = new Map<string, EquivocationProof>()

  constructor (
    private readonly state: RegistryState,
    private readonly validator: EquivocationValidator,
    private readonly init: EquivocationsInit
  ) {}

  /** Read (and validate again) the stored proofs; a bad one is reported and skipped. */
  async load (): Promise<void> {
    this.held.clear()
    for (const [key, bytes] of await this.state.store.readEquivocations()) {
      const peer = tryParsePeer(key, err => { this.state.store.report(`${EQUIVOCATIONS}/${key}`, err) })
      if (peer === undefined) continue
      try {
        this.held.set(key, this.validator.validate(bytes, peer.peerId))
      } catch (err) {
        this.state.store.report(`${EQUIVOCATIONS}/${key}`, err as Error)
      }
    }
  }

  /** A peer learned unasked left the registry without a trace (evicted, its record expired or removed): its proof was deleted on disk in the same batch. */
  forget (key: string): void {
    this.held.delete(key)
  }

  get (peerId: PeerId | string): EquivocationProof | undefined {
    return this.held.get(peerId.toString())
  }

  list (): EquivocationProof[] {
    return [...this.held.values()]
  }

  /** Whether store() would take this validated proof: for a pinned peer, only one whose records both link to the pin. */
  applies (proof: EquivocationProof): boolean {
    try {
      this.checkPin(proof)
      return true
    } catch {
      return false
    }
  }

  /**
   * Keep a proof from outside (bytes are validated, for `expected` when
   * given; a proof object is taken as validated). For a pinned peer, both
   * records must link to the pin (checkEquivocationAgainstPin:
   * ERR_EVIDENCE_KEY_UNKNOWN otherwise), so an Ed25519 key alone cannot get
   * a peer refused. 'unchanged' when a proof of the peer is already held.
   */
  async store (input: EquivocationProof | Uint8Array, source: EvidenceSource, expected?: PeerId): Promise<'stored' | 'unchanged'> {
    const proof = input instanceof Uint8Array ? this.validator.validate(input, expected) : input
    const { key } = this.state.openPeer(proof.peerId)
    return this.state.locks.run(key, async () => {
      if (this.held.has(key)) return 'unchanged'
      this.checkPin(proof)
      return this.keepLocked(proof, source)
    })
  }

  /** Two validated records that conflict (a lookup's two answers): store() of their proof. */
  async note (a: KeyRecord, b: KeyRecord, source: EvidenceSource): Promise<'stored' | 'unchanged'> {
    return this.store(createEquivocationProof(a, b), source)
  }

  /**
   * Keep a proof the registry found itself (admission rule 4: both records
   * passed the pin rules), with the peer's lock held. Memory first, so the
   * refusal holds at once; then disk; then the key change and the count.
   */
  async keepLocked (proof: EquivocationProof, source: EvidenceSource): Promise<'stored' | 'unchanged'> {
    const key = proof.peerId.toString()
    const held = this.held.get(key)
    if (held !== undefined && compareEquivocationProofs(held, proof) <= 0) return 'unchanged'
    this.held.set(key, proof)
    try {
      await this.state.commit(key, { equivocation: proof.bytes })
    } catch (err) {
      if (held === undefined) this.held.delete(key)
      else this.held.set(key, held)
      throw err
    }
    if (held === undefined) {
      this.init.onKeyChange({ peerId: proof.peerId, change: 'equivocated', seq: proof.seq })
      this.init.onEquivocation(proof, source)
    }
    return 'stored'
  }

  private checkPin (proof: EquivocationProof): void {
    const key = proof.peerId.toString()
    const pin = this.state.store.readPin(key)
    if (pin === undefined) return
    if (pin === CORRUPT) {
      throw new EvidenceError('ERR_EVIDENCE_KEY_UNKNOWN', `the stored pin of ${key} is corrupt: this node cannot check which keys the proof's records must be signed by`)
    }
    checkEquivocationAgainstPin(this.state.crypto, proof, { fingerprint: pin.fingerprint, mlDsaPublicKey: pin.mlDsaPublicKey })
  }
}
