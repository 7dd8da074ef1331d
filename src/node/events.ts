import type { KeyDirectory } from './types.js'
import type { PeerId } from '@libp2p/interface'

/**
 * The kinds of key change a node reports, in `key-change` events, the
 * `keydir_key_changes_total` metric and `GET /v1/events`:
 * - `new`: the node holds keys for a peer it held no record and no pin of;
 * - `rotated`: the peer's ML-DSA-65 key changed, with a rotation proof by the pinned key;
 * - `revoked`: the peer revoked its keys (comes with revocation);
 * - `equivocated`: the peer signed two records of one seq (comes with the hostile-DHT work).
 */
export const KEY_CHANGE_KINDS = ['new', 'rotated', 'revoked', 'equivocated'] as const

export type KeyChangeKind = typeof KEY_CHANGE_KINDS[number]

export function isKeyChangeKind (value: unknown): value is KeyChangeKind {
  return typeof value === 'string' && (KEY_CHANGE_KINDS as readonly string[]).includes(value)
}

/** The detail of a `key-change` event. */
export interface KeyChangeDetail {
  peerId: PeerId
  change: KeyChangeKind
  /** The seq of the peer's record the change is about. */
  seq: number
}

/**
 * The events a KeyDirectory dispatches, in libp2p's typed-event-target style:
 *
 * ```ts
 * node.addEventListener('key-change', (evt) => {
 *   const { peerId, change, seq } = evt.detail
 * })
 * ```
 */
export interface KeyDirectoryEvents {
  /** A peer's keys in this node's registry changed, once the change is on disk. */
  'key-change': CustomEvent<KeyChangeDetail>
  /** The node has stopped (as libp2p's `stop`); the detail is the node. */
  stop: CustomEvent<KeyDirectory>
}
