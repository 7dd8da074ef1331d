import { equals as uint8ArrayEquals } from 'uint8arrays/equals'
import { RegistryError } from '../errors.js'
import { admitRecord } from './admission.js'
import { RECORDS } from './constants.js'
import { CORRUPT, type WriteOps } from './database.js'
import { recordToStore } from './intake.js'
import { keyChangeOf } from './key-change.js'
import { indexedKeys, mlDsaKeyLink, type MlDsaIndexRow } from './ml-dsa-index.js'
import { summarize } from './store-entry.js'
import { UnsolicitedBound } from './unsolicited.js'
import type { RegistryState } from './state.js'
import type { Equivocations } from './equivocations.js'
import type { EvidenceSource, FollowedRotation, KeyChange, Pin, RegistryEntry, StoreAdmission, StoreOptions, TrustLevel } from './types.js'
import type { KeyRecord } from '../record/index.js'
import type { PeerId } from '@libp2p/interface'

export interface AdmitterInit {
  maxUnsolicitedPeers: number
  maxNewUnsolicitedPerMinute: number
  /** A peer learned unasked was dropped to make room (its record, pin and nonce). */
  onUnsolicitedEvicted: (peerId: string) => void
  /** A peer's keys changed; called once the write has landed. */
  onKeyChange: (change: KeyChange) => void
}

type Admitted = {
  outcome: 'stored' | 'unchanged'
  entry: RegistryEntry | undefined
  /** Writes the change to disk with the peer's lock held; absent when nothing changes. */
  commit?: () => Promise<void>
  followed?: FollowedRotation
} | {
  outcome: 'refused'
  /** Thrown to the caller once `commit` (keeping the proof) has run. */
  refusal: RegistryError
  commit: () => Promise<void>
}

/**
 * The way in for peers' records: the pin and rollback rules (admission.ts)
 * applied under the peer's lock, the change served from memory at once and
 * written behind it, and the bounded store of peers learned unasked, whose
 * oldest member goes when a new one comes.
 */
export class Admitter {
  private readonly unsolicited: UnsolicitedBound

  constructor (
    private readonly state: RegistryState,
    private readonly init: AdmitterInit,
    private readonly revoked: (key: string) => boolean,
    private readonly equivocations: Equivocations
  ) {
    this.unsolicited = new UnsolicitedBound(init.maxUnsolicitedPeers, init.maxNewUnsolicitedPerMinute, state.now)
  }

  /** PeerKeyRegistry.admitPeerKeys: see there. */
  async admit (input: KeyRecord | Uint8Array, trust: TrustLevel, options: StoreOptions): Promise<StoreAdmission> {
    const { state } = this
    state.assertOpen()
    options.signal?.throwIfAborted()
    const record = recordToStore(state.validator, state.now(), input, trust, options.peerId)
    const key = record.peerId.toString()
    if (state.locks.isIdle(key)) {
      // Nothing is reading or writing this peer: admit in this turn of the
      // event loop, and hold the peer until the write lands.
      const admitted = this.admitLocked(key, record, trust, options)
      if (admitted.outcome === 'refused') {
        // Refused whether or not the proof reached the disk: it is held in memory, and the next conflict writes it again.
        await state.locks.run(key, admitted.commit).catch(() => {})
        throw admitted.refusal
      }
      const { outcome, entry, commit, followed } = admitted
      const written = commit === undefined ? Promise.resolve() : state.locks.run(key, commit)
      // The caller sees a failed write through `written`; a caller that ignores it must not crash the process.
      written.catch(() => {})
      return withFollowed({ outcome, entry, written }, followed)
    }
    const admitted = Promise.withResolvers<StoreAdmission>()
    const written = state.locks.run(key, async () => {
      const result = this.admitLocked(key, record, trust, options)
      if (result.outcome === 'refused') {
        await result.commit().catch(() => {})
        throw result.refusal
      }
      const { outcome, entry, commit, followed } = result
      const write = commit?.() ?? Promise.resolve()
      admitted.resolve(withFollowed({ outcome, entry, written: write }, followed))
      await write
    })
    // A refusal before admission rejects `admitted`; after it, only `written`.
    written.catch(err => { admitted.reject(err) })
    return admitted.promise
  }

  /**
   * Apply the pin and rollback rules to `record` and serve the result from
   * memory; call with the peer's lock held or free. `commit` writes it to
   * disk (with the lock held), and takes it out of memory again if the write
   * fails.
   */
  private admitLocked (key: string, record: KeyRecord, trust: TrustLevel, options: StoreOptions): Admitted {
    const { state } = this
    if (this.revoked(key)) {
      throw new RegistryError('ERR_REVOKED', `${key} is revoked: this node holds its revocation certificate and takes no record of it`)
    }
    const proof = this.equivocations.get(key)
    if (proof !== undefined) throw equivocated(key, proof.seq)
    const pin = state.store.readPin(key)
    if (pin === CORRUPT) {
      // Fail closed: without the pin there is no key-change or rollback check.
      throw new RegistryError('ERR_CORRUPT_PIN', `the stored pin of ${key} is corrupt; configure it as an anchor to reset it`)
    }
    const current = state.entryLocked(key, record.peerId)
    const known = state.hot.summary(key)
    // A peer with a pin but no record was known before (a pin of an unsolicited peer goes with its record).
    const newUnsolicited = options.unsolicited === true && known === undefined && pin === undefined
    const unsolicited = newUnsolicited || (options.unsolicited === true && known?.unsolicited === true)
    const result = admitRecord({
      crypto: state.crypto, record, trust, verified: options.verified === true, pin, current, now: state.now(), earlierHistory: options.earlierHistory
    })
    if (result.outcome === 'equivocation') {
      const source: EvidenceSource = options.evidenceSource ?? (trust === 'dht' ? 'dht_lookup' : 'exchange')
      return { outcome: 'refused', refusal: equivocated(key, record.seq), commit: async () => { await this.equivocations.keepLocked(result.proof, source) } }
    }
    const entry = result.entry === undefined ? undefined : Object.freeze(result.entry)
    // The network confirmed the held record: only its summary's checkedAt moves.
    const confirmed = options.checked === true && known !== undefined
    if (entry === undefined && (known === undefined || (known.unsolicited === unsolicited && !confirmed))) {
      return { outcome: result.outcome, entry: current }
    }
    options.signal?.throwIfAborted()
    const summary = entry === undefined
      ? { ...known!, unsolicited, checkedAt: confirmed ? state.now() : known!.checkedAt }
      : summarize(entry, unsolicited)
    // Checked last, so that only a record that is really stored uses the new-peer budget.
    const displaced = newUnsolicited && this.unsolicited.admit(state.hot.counts.unsolicited) ? state.hot.oldestUnsolicited() : undefined
    const ops: WriteOps = { entry, summary, pin: result.outcome === 'stored' ? result.pin : undefined }
    if (result.outcome === 'stored') {
      // An unsolicited peer's index holds its current key only; any other's, the keys its pin remembers.
      ops.mlDsaIds = this.indexRows(key, record, pin, result.pin, unsolicited)
      ops.mlDsaKept = unsolicited ? [result.pin.fingerprint] : [result.pin.fingerprint, ...(result.pin.superseded ?? [])]
      state.store.stageIndexRows(ops.mlDsaIds)
    }
    const change = result.outcome === 'stored' ? keyChangeOf(record, pin, current, result.pin, result.handOvers) : undefined
    if (entry !== undefined) state.hot.put(key, entry, summary)
    else state.hot.setSummary(key, summary)
    if (displaced !== undefined) this.evictUnsolicited(displaced)
    const commit = async (): Promise<void> => {
      try {
        await state.store.write(key, ops)
      } catch (err) {
        state.hot.evict(key, known)
        throw err
      }
      if (change !== undefined) this.init.onKeyChange(change)
    }
    return { outcome: result.outcome, entry: entry ?? current, commit, followed: change?.followed }
  }

  /**
   * The ML-DSA PeerId index rows a stored record brings (ml-dsa-index.ts),
   * less those already there. A row of another peer whose pin still holds
   * or left behind that key stays: only the key's holder can sign a record
   * naming it, and the first peer it was seen with keeps it.
   */
  private indexRows (key: string, record: KeyRecord, pinBefore: Pin | undefined, pinAfter: Pin, unsolicited: boolean): Array<[string, MlDsaIndexRow]> {
    const { store } = this.state
    const rows: Array<[string, MlDsaIndexRow]> = []
    const keys = indexedKeys(record, pinBefore, pinAfter)
    for (const [id, keyFingerprint] of unsolicited ? keys.slice(0, 1) : keys) {
      const held = store.readIndexRow(id)
      if (held !== undefined) {
        const holder = held.peerId.toString()
        if (holder === key ? uint8ArrayEquals(held.fingerprint, keyFingerprint) : linkedToPin(store.readPin(holder), held.fingerprint)) continue
      }
      rows.push([id, { peerId: record.peerId, fingerprint: keyFingerprint }])
    }
    return rows
  }

  /**
   * Drop an unsolicited peer to make room for a newer one: its record, pin
   * and last nonce go, as if it had never asked. In the background; a peer
   * that meanwhile became solicited stays.
   */
  private evictUnsolicited (key: string): void {
    const { state } = this
    state.hot.releaseUnsolicited(key)
    state.locks.run(key, async () => {
      if (state.hot.summary(key)?.unsolicited !== true) return
      await state.commit(key, { deleteEntry: true, deletePeer: state.dropsPeer(key) })
      this.init.onUnsolicitedEvicted(key)
    }).catch(err => {
      // Not deleted after all: it counts again (as the newest), and the next admission makes room.
      const summary = state.hot.summary(key)
      if (summary !== undefined) state.hot.setSummary(key, summary)
      state.store.report(`${RECORDS}/${key}`, err as Error)
    })
  }

  /** PeerKeyRegistry.noteResolved: see there. */
  noteResolved (peerId: PeerId | string): void {
    const { state } = this
    const key = typeof peerId === 'string' ? peerId : peerId.toString()
    if (state.hot.summary(key)?.unsolicited !== true) return
    state.locks.run(key, async () => {
      const summary = state.hot.summary(key)
      if (summary?.unsolicited !== true) return
      await state.commit(key, { summary: { ...summary, unsolicited: false } })
    }).catch(err => { state.store.report(`${RECORDS}/${key}`, err as Error) })
  }

  /** PeerKeyRegistry.markVerified: see there. */
  async markVerified (peerId: PeerId | string): Promise<void> {
    const { state } = this
    const { key, peerId: id } = state.openPeer(peerId)
    await state.locks.run(key, async () => {
      const current = state.entryLocked(key, id)
      if (current === undefined) {
        throw new RegistryError('ERR_NO_RECORD', `no unexpired record of ${key} to mark verified`)
      }
      if (current.verified) {
        return
      }
      const entry = Object.freeze({ ...current, verified: true })
      const known = state.hot.summary(key)
      await state.commit(key, { entry, summary: summarize(entry, known?.unsolicited ?? false, known?.checkedAt) })
    })
  }
}

/** An admission, with the rotation it followed when it followed one (the field is absent otherwise). */
function withFollowed (admission: StoreAdmission, followed: FollowedRotation | undefined): StoreAdmission {
  return followed === undefined ? admission : { ...admission, followed }
}

function linkedToPin (pin: Pin | undefined | typeof CORRUPT, keyFingerprint: Uint8Array): boolean {
  return pin !== CORRUPT && mlDsaKeyLink(pin, keyFingerprint) !== undefined
}

/** The refusal of every record of a peer proven to equivocate. */
export function equivocated (key: string, seq: number): RegistryError {
  return new RegistryError('ERR_EQUIVOCATION', `${key} signed two different records with seq ${seq}: this node holds the proof (GET /v1/evidence/${key}) and takes no record of it; do not use its keys`)
}
