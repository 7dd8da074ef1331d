import { setImmediate as yieldEventLoop } from 'node:timers/promises'
import { LIST_SLICE } from './constants.js'
import { matchesFilter } from './trust.js'
import type { RegistryState } from './state.js'
import type { ListPeersFilter, RegistryEntry } from './types.js'

/**
 * Valid, unexpired entries in PeerId order, optionally filtered and paged
 * (`after`, `limit`). The filter is applied to the in-memory summaries
 * first; only matching records are loaded (and re-validated, when not in
 * memory), LIST_SLICE at a time between yields of the event loop, so a
 * large registry never stalls the node.
 */
export async function listEntries (state: RegistryState, filter: ListPeersFilter): Promise<RegistryEntry[]> {
  state.assertOpen()
  const limit = filter.limit ?? Infinity
  const entries: RegistryEntry[] = []
  let loaded = 0
  for await (const key of state.store.summaryKeys(filter.after)) {
    if (entries.length >= limit) break
    const summary = state.hot.summary(key)
    if (summary === undefined || summary.expiresAt <= state.now() || !matchesFilter(summary, filter)) continue
    let entry = state.hot.get(key)
    if (entry === undefined) {
      if (++loaded % LIST_SLICE === 0) await yieldEventLoop()
      entry = await state.loadByKey(key)
    }
    if (entry !== undefined && matchesFilter(entry, filter)) entries.push(entry)
  }
  return entries
}
