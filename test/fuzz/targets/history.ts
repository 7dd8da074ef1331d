import fc from 'fast-check'
import { fingerprint, selectPqCrypto } from '../../../src/crypto/index.js'
import { checkChainStructure, createRotationProof, followHistory, KeyRecordValidator, recordHash, unmarshalKeyRecord } from '../../../src/record/index.js'
import { makeIdentity, makeRotatedPeer, signRecordBytes } from '../../helpers/records.js'
import { attempt, Outcomes } from '../harness.js'
import type { FuzzTarget } from '../harness.js'
import type { RotationLink, RotationProof } from '../../../src/record/index.js'

const RECORD_ERRORS = ['InvalidRecordError']
const FOLLOW_CODES = new Set(['ERR_KEY_CHANGED', 'ERR_BROKEN_CHAIN', 'ERR_FORKED_CHAIN', 'ERR_HISTORY_BEYOND_BOUND'])
const FIELDS = ['previousFingerprint', 'signature', 'mlDsaPublicKey'] as const

/**
 * A record's history as its own signer could write it: the holder of K3 (and
 * the libp2p key) signs records whose rotation proof, history links and
 * previous record hash are picked from genuine hand-overs (K0 -> K1 -> K2 ->
 * K3 -> K4), hand-overs by strangers and proofs moved onto other keys, in any
 * order and number, with bytes flipped; a holder pinned at any of the keys
 * (by key or fingerprint, with any keys marked as left behind) follows it,
 * sometimes with earlier links. Every refusal is typed; a record that decodes
 * has a well-formed chain and validates; and a follow succeeds only along
 * hand-overs their keys' holders signed (from a genuine ancestor K_j through
 * 3 - j of them, or from the stranger's key through its own hand-over): no
 * arrangement of borrowed or damaged links takes a pin anywhere else.
 */
export const historyTarget: FuzzTarget = {
  name: 'history',
  description: 'unmarshalKeyRecord, KeyRecordValidator and followHistory on records whose history (links, proof, hash) its signer arranged and damaged',
  ciRuns: 300,
  async prepare () {
    const crypto = selectPqCrypto()
    const outcomes = new Outcomes()
    const peer = await makeRotatedPeer(4, crypto)
    const signer = peer.keys[3]
    const now = Date.now()
    const validator = new KeyRecordValidator({ crypto, now: () => now })
    const stranger = await makeIdentity(crypto)
    const strangerLink: RotationLink = { ...createRotationProof(signer.peerId, stranger.mlDsaSigner, peer.keys[2].mlDsaSigner.publicKey), mlDsaPublicKey: peer.keys[2].mlDsaSigner.publicKey }
    // A genuine signature moved onto another key.
    const moved: RotationLink = { ...peer.links[0], mlDsaPublicKey: peer.keys[2].mlDsaSigner.publicKey }
    const pool = [...peer.links, strangerLink, moved]
    const keys = [...peer.keys.map(k => k.mlDsaSigner.publicKey), stranger.mlDsaSigner.publicKey]
    // The only chains whose every hand-over its key's holder signed: K_j -> … -> K3, and the stranger's -> K2 -> K3.
    const reachable = new Map([[0, 3], [1, 2], [2, 1], [3, 0], [5, 2]])

    const linkArb: fc.Arbitrary<RotationLink> = fc.tuple(
      fc.nat({ max: pool.length - 1 }),
      fc.option(fc.tuple(fc.constantFrom(...FIELDS), fc.nat(), fc.integer({ min: 1, max: 255 })), { freq: 4, nil: undefined })
    ).map(([i, flip]) => {
      if (flip === undefined) return pool[i]
      const [field, at, mask] = flip
      const bytes = pool[i][field].slice()
      bytes[at % bytes.length] ^= mask
      return { ...pool[i], [field]: bytes }
    })
    const proofArb: fc.Arbitrary<RotationProof | undefined> = fc.oneof(
      { weight: 4, arbitrary: fc.constant({ previousFingerprint: peer.links[2].previousFingerprint, signature: peer.links[2].signature }) },
      { weight: 2, arbitrary: linkArb.map(l => ({ previousFingerprint: l.previousFingerprint, signature: l.signature })) },
      { weight: 1, arbitrary: fc.constant(undefined) }
    )
    const genuineHistory = [peer.links[1], peer.links[0]]
    const historyArb = fc.oneof(
      { weight: 2, arbitrary: fc.constant(genuineHistory) },
      { weight: 3, arbitrary: fc.array(linkArb, { maxLength: 3 }) },
      { weight: 2, arbitrary: fc.tuple(fc.nat({ max: 1 }), linkArb).map(([i, l]) => genuineHistory.map((g, j) => j === i ? l : g)) }
    )
    const hashArb = fc.oneof(
      { weight: 4, arbitrary: fc.constant(undefined) },
      { weight: 4, arbitrary: fc.constant(recordHash(new Uint8Array(1))) },
      { weight: 1, arbitrary: fc.uint8Array({ maxLength: 40 }) }
    )
    // None fetched (undefined), or a fetched answer: empty (the peer had nothing) or some links.
    const earlierArb = fc.oneof(
      { weight: 2, arbitrary: fc.constant(undefined) },
      { weight: 1, arbitrary: fc.constant([]) },
      { weight: 1, arbitrary: fc.array(linkArb, { minLength: 1, maxLength: 2 }) }
    )
    const pinArb = fc.record({
      at: fc.nat({ max: keys.length - 1 }),
      byFingerprint: fc.boolean(),
      superseded: fc.subarray(keys.map(k => fingerprint(k)), { maxLength: 4 })
    })

    const property = fc.asyncProperty(proofArb, historyArb, hashArb, pinArb, earlierArb, async (rotation, history, previousRecordHash, pin, earlier) => {
      const bytes = await signRecordBytes(signer, { seq: 5, issuedAt: now - 60_000, expiresAt: now + 3_600_000, rotation, history, previousRecordHash })
      const decoded = attempt(outcomes, 'unmarshal', () => unmarshalKeyRecord(bytes), RECORD_ERRORS)
      if (!decoded.ok) return true
      checkChainStructure(decoded.value)
      // Its own signer signed it: a record that decodes must validate.
      const validated = attempt(outcomes, 'validate', () => validator.validate(signer.peerId, bytes), RECORD_ERRORS)
      if (!validated.ok) throw new Error(`a record its own keys signed was refused: ${validated.code}`)
      const pinned = { fingerprint: fingerprint(keys[pin.at]), mlDsaPublicKey: pin.byFingerprint ? undefined : keys[pin.at], superseded: pin.superseded }
      const followed = attempt(outcomes, 'follow', () => followHistory(crypto, validated.value, pinned, { earlier }), RECORD_ERRORS)
      if (!followed.ok) {
        if (!FOLLOW_CODES.has(followed.code)) throw new Error(`followHistory refused with ${followed.code}`)
        return true
      }
      if (followed.value.rotations !== reachable.get(pin.at)) {
        throw new Error(`followed ${followed.value.rotations} rotations from key ${pin.at} to K3`)
      }
      return true
    })
    return { property, outcomes }
  }
}
