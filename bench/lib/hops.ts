import type { PeerId } from '@libp2p/interface'

/** A lookup's hops: of the first answer that carried a record, and the deepest peer it asked. */
export interface Hops {
  firstRecord?: number
  deepestAsked: number
}

/**
 * Hops of one lookup, from what it asks and what the answers name, counted
 * the same way for kad-dht's query (its events) and keydir's walk (its
 * ask): a peer asked that no answer named came from the asker's routing
 * table (hop 1); one named first by an answer from hop h is at hop h + 1.
 */
export class HopCount {
  private readonly hop = new Map<string, number>()
  private deepestAsked = 0
  private firstRecord: number | undefined

  asked (peer: PeerId): void {
    const id = peer.toString()
    const hop = this.hop.get(id) ?? 1
    this.hop.set(id, hop)
    this.deepestAsked = Math.max(this.deepestAsked, hop)
  }

  answered (from: PeerId, closer: Array<{ id: PeerId }>, withRecord: boolean): void {
    const hop = this.hop.get(from.toString()) ?? 1
    for (const { id } of closer) if (!this.hop.has(id.toString())) this.hop.set(id.toString(), hop + 1)
    if (withRecord) this.firstRecord ??= hop
  }

  /** Undefined when the lookup asked no one (a direct resolve, or one its registry answered). */
  summary (): Hops | undefined {
    return this.deepestAsked === 0 ? undefined : { firstRecord: this.firstRecord, deepestAsked: this.deepestAsked }
  }
}
