import { ExchangeError, ResolveError } from '../errors.js'
import { oldestFingerprint } from '../record/index.js'
import type { KeyHistory } from '../exchange/index.js'
import type { KeyRecord } from '../record/index.js'
import type { PeerKeyRegistry, StoreAdmission, StoreOptions, TrustLevel } from '../registry/index.js'

export interface EarlierHistoryParts {
  registry: PeerKeyRegistry
  history: Pick<KeyHistory, 'fetchHistory'>
}

/**
 * A record the registry refused with ERR_HISTORY_BEYOND_BOUND (`refusal`):
 * its history goes on past what a record carries. Ask the peer, the only
 * one that keeps the earlier hand-overs, for those from the pinned key to
 * the oldest key the record names, and admit the record again with them:
 * the registry follows them from the pin, each verified.
 *
 * A peer that answers wrongly throws its ExchangeError (counted
 * `{source="history"}` by the service); one that cannot be reached, does
 * not speak the protocol, refuses or runs out of time is ResolveError
 * ERR_HISTORY_UNREACHABLE, which says both things.
 */
export async function admitWithEarlierHistory (parts: EarlierHistoryParts, record: KeyRecord, trust: TrustLevel, options: StoreOptions,
  refusal: Error, signal: AbortSignal): Promise<StoreAdmission> {
  const pin = await parts.registry.getPin(record.peerId)
  const to = oldestFingerprint(record)
  if (pin === undefined || to === undefined) throw refusal
  let links
  try {
    links = await parts.history.fetchHistory(record.peerId, pin.fingerprint, to, { signal, fromKey: pin.mlDsaPublicKey })
  } catch (err) {
    if (err instanceof ExchangeError && err.code !== 'ERR_REFUSED_BY_PEER') throw err
    throw new ResolveError('ERR_HISTORY_UNREACHABLE', `the record of ${record.peerId.toString()} (seq ${record.seq}) is more rotations past the pinned key than ` +
      'a record carries (ERR_HISTORY_BEYOND_BOUND), and the peer, the only one that keeps the earlier hand-overs, could not be asked for them ' +
      `(${(err as Error).message}): resolve it again once the peer is reachable, or re-anchor it`, { cause: err })
  }
  return parts.registry.admitPeerKeys(record, trust, { ...options, earlierHistory: links })
}
