import type { Equivocations } from './equivocations.js'
import type { Revocations } from './revocations.js'
import type { EvidenceSource } from './types.js'
import type { EquivocationProof, KeyRecord, RevocationCertificate } from '../record/index.js'
import type { PeerId } from '@libp2p/interface'

/**
 * The part of the PeerKeyRegistry about peers whose keys must not be used
 * whatever their records say: revoked peers (their revocation certificate)
 * and peers proven to equivocate (two records of one seq). Both are kept
 * for good, and no record of such a peer is admitted after.
 */
export class RefusedPeers {
  constructor (
    protected readonly revocations: Revocations,
    protected readonly equivocations: Equivocations
  ) {}

  /** Whether the peer is revoked or proven to equivocate. */
  isRefused (peerId: PeerId | string): boolean {
    return this.revocations.get(peerId) !== undefined || this.equivocations.get(peerId) !== undefined
  }

  /** Keep a peer's revocation for good (Revocations.store): its record goes, no record of it is admitted after (ERR_REVOKED). */
  async storeRevocation (input: RevocationCertificate | Uint8Array, options: { unsolicited?: boolean } = {}): Promise<'stored' | 'unchanged'> {
    return this.revocations.store(input, options)
  }

  /** Whether storeRevocation would take this validated certificate (for a pinned peer, one linked to the pin); stores nothing. */
  revocationApplies (certificate: RevocationCertificate): boolean {
    return this.revocations.applies(certificate)
  }

  /** The peer's revocation certificate, if this node holds one. */
  getRevocation (peerId: PeerId | string): RevocationCertificate | undefined {
    return this.revocations.get(peerId)
  }

  /** Every revocation this node holds. */
  listRevocations (): RevocationCertificate[] {
    return this.revocations.list()
  }

  /** Keep a proof that a peer equivocated, for good (Equivocations.store): its records are refused after (ERR_EQUIVOCATION), and so is the peer. */
  async storeEquivocation (input: EquivocationProof | Uint8Array, source: EvidenceSource, expected?: PeerId): Promise<'stored' | 'unchanged'> {
    return this.equivocations.store(input, source, expected)
  }

  /** Two validated records of one peer, one seq, different signed content (a lookup's answers): keep their proof. The lookup's onEquivocation. */
  async noteEquivocation (a: KeyRecord, b: KeyRecord, source: EvidenceSource = 'dht_lookup'): Promise<'stored' | 'unchanged'> {
    return this.equivocations.note(a, b, source)
  }

  /** Whether storeEquivocation would take this validated proof; stores nothing. */
  equivocationApplies (proof: EquivocationProof): boolean {
    return this.equivocations.applies(proof)
  }

  getEquivocation (peerId: PeerId | string): EquivocationProof | undefined {
    return this.equivocations.get(peerId)
  }

  listEquivocations (): EquivocationProof[] {
    return this.equivocations.list()
  }
}
