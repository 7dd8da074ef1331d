import { EnvelopeError } from '../errors.js'

/** A KEM seed a rotation retired: it still opens envelopes sealed to records up to `lastSeq`, for the grace time after `retiredAt`. */
export interface RetiredKemSeed {
  /** Empty once erased, past the grace time. */
  kemSeed: Uint8Array
  /** The seq of the last record this node published with it. */
  lastSeq: number
  /** Unix milliseconds. */
  retiredAt: number
}

/** This node's X-Wing KEM seeds (32 bytes each). */
export interface EnvelopeKemKeys {
  current: { kemSeed: Uint8Array } | undefined
  retired: RetiredKemSeed[]
}

/**
 * The seed that opens an envelope sealed to this node's record `seq`: the
 * retired key whose records reach `seq` (the one with the lowest lastSeq at
 * or above it), else the current key. ERR_ENVELOPE_KEY_RETIRED when that
 * key was retired `graceMs` ago or longer (its seed is erased then), and
 * ERR_ENVELOPE_KEY_UNKNOWN for a seq above this node's newest record.
 */
export function kemSeedFor (seq: number, keys: EnvelopeKemKeys, ownSeq: number, now: number, graceMs: number): Uint8Array {
  if (seq > ownSeq) {
    throw new EnvelopeError('ERR_ENVELOPE_KEY_UNKNOWN', `the envelope is sealed to this node's record seq ${seq}, but its newest record is seq ${ownSeq}: the header was altered`)
  }
  const retired = keys.retired.filter(key => key.lastSeq >= seq).sort((a, b) => a.lastSeq - b.lastSeq)[0]
  if (retired !== undefined) {
    if (retired.kemSeed.length === 0 || now - retired.retiredAt >= graceMs) {
      throw new EnvelopeError('ERR_ENVELOPE_KEY_RETIRED', `the envelope is sealed to this node's record seq ${seq}, whose KEM key was retired by a rotation ${Math.round((now - retired.retiredAt) / 60_000)} minutes ago, past the ${Math.round(graceMs / 60_000)}-minute grace time: ask the sender to seal it again`)
    }
    return retired.kemSeed
  }
  if (keys.current === undefined) {
    throw new EnvelopeError('ERR_ENVELOPE_NO_HYBRID_KEY', 'this node has no X-Wing KEM key, so it can open no envelope: restart it with this keydir version, which adds one')
  }
  return keys.current.kemSeed
}
