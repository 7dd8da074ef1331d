import type { PeerId } from '@libp2p/interface'

/** What a lookup learned of a peer: valid and fresh, stale, invalid, withheld a record it should hold, or timed out. */
export type LookupOutcome = 'valid' | 'stale' | 'invalid' | 'withheld' | 'timeout'

/**
 * The lookup's view of peer reputation (the node's PeerReputation): which
 * peers to ask first, which to skip, and what each answer says of its peer.
 */
export interface LookupScores {
  score: (peer: PeerId) => number
  isBelowThreshold: (peer: PeerId) => boolean
  note: (peer: PeerId, outcome: LookupOutcome) => void
}
