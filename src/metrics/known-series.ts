/**
 * The series of each labelled keydir counter and histogram that exist
 * from the start, at zero: a dashboard's rate() or success ratio then has
 * a 0 series before the first event, not a missing one. Each list is the
 * label values the code that counts uses (metrics imports nothing of
 * keydir's: test/metrics checks the lists against the layers' own where
 * they export one). Labels whose values are error codes have no fixed
 * list: keydir_verification_failures_total has no series until its first
 * refusal, and the others list their successful outcomes only.
 */
export type Series = Readonly<Record<string, string>>

/** One series per value of one label. */
function each (label: string, values: readonly string[]): Series[] {
  return values.map(value => ({ [label]: value }))
}

/** Every combination of the labels' values. */
function every (labels: Record<string, readonly string[]>): Series[] {
  return Object.entries(labels).reduce<Series[]>(
    (combos, [label, values]) => combos.flatMap(combo => values.map(value => ({ ...combo, [label]: value }))),
    [{}]
  )
}

/** reputation's PEER_OUTCOMES. */
export const PEER_OUTCOME_VALUES = ['valid', 'stale', 'invalid', 'withheld', 'timeout', 'refused']
/** node's KEY_CHANGE_KINDS. */
export const KEY_CHANGE_VALUES = ['new', 'rotated', 'revoked', 'equivocated']
/** registry's EvidenceSource. */
export const EVIDENCE_SOURCE_VALUES = ['dht_lookup', 'dht_store', 'exchange', 'push', 'api', 'dht_evidence']

export const KNOWN_SERIES: Readonly<Record<string, readonly Series[]>> = {
  keydir_unsolicited_records_total: each('result', ['rate_limited', 'evicted']),
  keydir_api_refusals_total: each('reason', ['ERR_HOST_NOT_ALLOWED', 'ERR_BAD_CHALLENGE']),
  keydir_registry_collected_total: each('what', ['records', 'pins']),
  keydir_key_exchanges_total: every({ result: ['success', 'failure'], role: ['requester', 'responder'] }),
  // The pusher sends, the receiver takes: only the pairs that happen.
  keydir_key_pushes_total: [
    ...every({ result: ['sent', 'failed'], role: ['pusher'] }),
    ...every({ result: ['stored', 'unchanged', 'refused'], role: ['receiver'] })
  ],
  keydir_registry_refreshes_total: each('result', ['background', 'refreshed', 'stale', 'backed_off']),
  keydir_key_discovery_seconds: each('path', ['anchor', 'dht', 'direct']),
  keydir_dht_resolve_seconds: each('outcome', ['found', 'not_found', 'timeout']),
  keydir_registry_lookups_total: each('result', ['hit', 'miss']),
  keydir_records_published_total: each('result', ['success', 'failure', 'ml_dsa_peer_id_failure']),
  keydir_equivocations_total: each('source', EVIDENCE_SOURCE_VALUES),
  keydir_envelopes_total: every({ op: ['seal', 'open'], result: ['ok'] }),
  keydir_signatures_total: [{ op: 'sign', result: 'ok' }, ...every({ op: ['verify'], result: ['current', 'earlier_key', 'invalid'] })],
  keydir_sessions_total: every({ role: ['initiator', 'responder'], outcome: ['opened'] }),
  keydir_key_changes_total: each('change', KEY_CHANGE_VALUES),
  keydir_peer_outcomes_total: each('outcome', PEER_OUTCOME_VALUES)
}
