import { setImmediate as yieldEventLoop } from 'node:timers/promises'
import { COLLECT_SLICE } from './constants.js'
import { tryParsePeer } from './peer-key.js'
import { summarize } from './store-entry.js'
import type { RegistryState } from './state.js'
import type { PeerSummary } from './types.js'
import type { AbortOptions } from '@libp2p/interface'

/**
 * Delete stored records that have expired. Pins stay, except those of
 * unsolicited peers, which go with their record and nonce (anchors and
 * peers the node resolved keep theirs: the pin is their rollback and
 * key-change protection). Works from the in-memory summaries,
 * COLLECT_SLICE at a time between yields of the event loop.
 */
export async function collectExpired (state: RegistryState, options: AbortOptions): Promise<{ records: number, pins: number }> {
  state.assertOpen()
  const expired: string[] = []
  let seen = 0
  for (const [key, summary] of state.hot.storedSummaries()) {
    if (summary.expiresAt <= state.now()) expired.push(key)
    if (++seen % COLLECT_SLICE === 0) await yieldEventLoop()
  }
  let records = 0
  let pins = 0
  for (const key of expired) {
    options.signal?.throwIfAborted()
    if (!state.opened) break
    const removed = await state.locks.run(key, async () => collectOne(state, key))
    if (removed === undefined) continue
    records++
    if (removed.unsolicited) pins++
  }
  return { records, pins }
}

/** Delete one expired record; its summary, or undefined when it stays. Call with the peer's lock held. */
async function collectOne (state: RegistryState, key: string): Promise<PeerSummary | undefined> {
  const summary = state.hot.summary(key)
  // Replaced by a fresh record since it was found, or gone.
  if (summary === undefined || summary.expiresAt > state.now()) return undefined
  // The summary is not trusted to delete a record: one that still validates and has not expired stays, its summary mended.
  const peer = tryParsePeer(key, () => {})
  const live = peer === undefined ? undefined : state.entryLocked(key, peer.peerId)
  if (live !== undefined) {
    await state.commit(key, { summary: summarize(live, summary.unsolicited, summary.checkedAt) })
    return undefined
  }
  await state.commit(key, { deleteEntry: true, deletePeer: state.dropsPeer(key) })
  return summary
}
