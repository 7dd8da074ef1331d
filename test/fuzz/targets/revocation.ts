import { Libp2pRecord } from '@libp2p/record'
import fc from 'fast-check'
import { equals as uint8ArrayEquals } from 'uint8arrays/equals'
import { fingerprint, selectPqCrypto } from '../../../src/crypto/index.js'
import { conflictingRecords, createPqkValidator, createPqkValueCheck, dhtRecordKey, pqkSelector } from '../../../src/dht/index.js'
import { createKeydirMetrics } from '../../../src/metrics/index.js'
import {
  checkRevocationAgainstPin, comparePqkValues, decodePqkValue, isRevocationBytes, KeyRecordValidator, marshalRevocation, pqkValueBytes, RevocationValidator,
  routingKeyFor, unmarshalRevocation
} from '../../../src/record/index.js'
import { makeRevocation } from '../../helpers/revocations.js'
import { rotateIdentity, withForeignPqKeys } from '../../helpers/records.js'
import { corpus, hex } from '../corpus.js'
import { attempt, attemptAsync, Outcomes } from '../harness.js'
import { hostileBytes, hostileCase } from '../mutate.js'
import type { Corpus } from '../corpus.js'
import type { FuzzTarget } from '../harness.js'
import type { KnownPeerKeys, PqkValue, RevocationCertificate } from '../../../src/record/index.js'
import type { Datastore, Key } from 'interface-datastore'

const minute = 60_000
const REVOCATION_ERRORS = ['RevocationError']
const VALUE_ERRORS = ['InvalidRecordError', 'RevocationError', 'EvidenceError']

interface RevocationCorpus {
  certs: RevocationCertificate[]
  /** Hex of every valid certificate's bytes, by PeerId string. */
  validCerts: Map<string, Set<string>>
  /** What a node that pinned each peer at its first key knows, by PeerId string. */
  pins: Map<string, KnownPeerKeys>
}

let shared: Promise<RevocationCorpus> | undefined

/**
 * Certificates of the corpus's three peers, valid at its `now`: one
 * pre-signed a year ago, one after a rotation (with the hand-over), one
 * issued within the clock skew ahead, one for each reason, and one by the
 * first peer's libp2p key with the third peer's ML-DSA-65 key (valid on its
 * own, linked to no pin).
 */
async function revocationCorpus (c: Corpus): Promise<RevocationCorpus> {
  shared ??= (async () => {
    const [a, b, third] = c.peers
    const { identity: a2, rotation } = rotateIdentity(a)
    const certs = [
      await makeRevocation(a, { issuedAt: c.now - 365 * 24 * 60 * minute }),
      await makeRevocation(a2, { rotation, reason: 'key-compromise', issuedAt: c.now - minute }),
      await makeRevocation(b, { reason: 'retired', issuedAt: c.now + 4 * minute }),
      await makeRevocation(third, { reason: 'superseded', issuedAt: c.now - 2 * minute }),
      await makeRevocation(withForeignPqKeys(a, third), { issuedAt: c.now - 3 * minute })
    ]
    const validCerts = new Map<string, Set<string>>()
    for (const cert of certs) {
      const key = cert.peerId.toString()
      validCerts.set(key, (validCerts.get(key) ?? new Set()).add(hex(cert.bytes)))
    }
    const pins = new Map(c.peers.map(p => [p.peerId.toString(), { fingerprint: fingerprint(p.mlDsaSigner.publicKey), mlDsaPublicKey: p.mlDsaSigner.publicKey }]))
    return { certs, validCerts, pins }
  })()
  return shared
}

/**
 * unmarshalRevocation, RevocationValidator and the pin check over mutated
 * certificates and noise: every refusal a RevocationError with a code;
 * anything decoded is the canonical encoding of itself; anything validated
 * is byte for byte a certificate its peer signed (no mutation makes a
 * second valid one); a pin links only a certificate by its key, or handed
 * over from it; decodePqkValue agrees with the first bytes; inputs are
 * never modified.
 */
export const revocationTarget: FuzzTarget = {
  name: 'revocation',
  description: 'unmarshalRevocation + RevocationValidator.validate / validateForRoutingKey + checkRevocationAgainstPin + decodePqkValue on mutated certificates and noise',
  ciRuns: 4000,
  async prepare () {
    const c = await corpus()
    const r = await revocationCorpus(c)
    const crypto = selectPqCrypto()
    const outcomes = new Outcomes()
    const validator = new RevocationValidator({ crypto, now: () => c.now })
    const peers = c.peers.map(p => p.peerId)
    // Records as donors too: a field transplanted across the two messages.
    const seeds = [...r.certs.map(cert => cert.bytes), ...c.records.slice(0, 2).map(record => record.bytes)]

    const property = fc.property(hostileCase(seeds, { maxNoise: 512 }), fc.nat({ max: 3 }), ({ bytes, seed }, other) => {
      const input = bytes.slice()
      const decoded = attempt(outcomes, 'unmarshal', () => unmarshalRevocation(bytes), REVOCATION_ERRORS)
      if (decoded.ok) {
        const again = marshalRevocation(decoded.value, decoded.value.libp2pSignature, decoded.value.mlDsaSignature)
        if (!uint8ArrayEquals(again, bytes)) throw new Error('decoded a certificate whose bytes are not its canonical encoding')
      }
      const seedPeer = seed < r.certs.length ? r.certs[seed].peerId : c.records[seed - r.certs.length]?.peerId ?? peers[0]
      const peer = other === 0 ? peers[(peers.findIndex(p => p.equals(seedPeer)) + 1) % peers.length] : seedPeer
      const checked = attempt(outcomes, 'validate', () => validator.validate(peer, bytes), REVOCATION_ERRORS)
      if (checked.ok && r.validCerts.get(peer.toString())?.has(hex(bytes)) !== true) {
        throw new Error('the validator accepted bytes that are not a valid certificate of the peer')
      }
      const byKey = attempt(outcomes, 'validateForRoutingKey', () => validator.validateForRoutingKey(routingKeyFor(peer), bytes), REVOCATION_ERRORS)
      if (byKey.ok !== checked.ok) throw new Error('validate and validateForRoutingKey disagree')
      if (checked.ok) {
        const pin = r.pins.get(peer.toString())!
        const linked = attempt(outcomes, 'pin check', () => checkRevocationAgainstPin(crypto, checked.value, pin), REVOCATION_ERRORS)
        const byPinnedKey = uint8ArrayEquals(fingerprint(checked.value.mlDsaPublicKey), pin.fingerprint)
        const handedOver = checked.value.rotation != null && uint8ArrayEquals(checked.value.rotation.previousFingerprint, pin.fingerprint)
        if (linked.ok !== (byPinnedKey || handedOver)) throw new Error(`the pin check ${linked.ok ? 'linked' : 'refused'} a certificate it should ${linked.ok ? 'not' : ''} link`)
      }
      const value = attempt(outcomes, 'decodePqkValue', () => decodePqkValue(bytes), VALUE_ERRORS)
      if (value.ok && (value.value.kind === 'revocation') !== isRevocationBytes(bytes)) throw new Error('decodePqkValue chose the decoder against the first bytes')
      if (!uint8ArrayEquals(input, bytes)) throw new Error('a decoder changed its input')
      return true
    })
    return { property, outcomes }
  }
}

/** The little of a datastore the pqk check reads: `get`, from a map the case fills. */
function mapDatastore (values: Map<string, Uint8Array>): Datastore {
  return {
    async get (key: Key) {
      const value = values.get(key.toString())
      if (value === undefined) throw Object.assign(new Error('Not Found'), { name: 'NotFoundError' })
      return value
    }
  } as unknown as Datastore
}

function tryDecode (value: Uint8Array): PqkValue | undefined {
  try {
    return decodePqkValue(value)
  } catch {
    return undefined
  }
}

/**
 * The `/pqk/` validator and selector over records and revocations, as a
 * PUT or a GET answer meets them, with whatever the node holds under the
 * key (a record, a revocation, garbage, nothing): every refusal typed and
 * counted once; an accepted value is a valid record or certificate of the
 * key's peer and never ranks below the held one (but for a record of the held one's seq with other content: an equivocation), so once a revocation is
 * held no record is ever accepted; the selector picks a revocation over any
 * record, the same one in any order.
 */
export const pqkValueTarget: FuzzTarget = {
  name: 'pqk-value',
  description: 'the /pqk/ kad-dht validator and selector over mutated records and revocations, with held records, revocations and garbage',
  ciRuns: 2000,
  async prepare () {
    const c = await corpus()
    const r = await revocationCorpus(c)
    const crypto = selectPqCrypto()
    const outcomes = new Outcomes()
    const metrics = createKeydirMetrics()
    const held = new Map<string, Uint8Array>()
    const validate = createPqkValidator({
      check: createPqkValueCheck({
        validator: new KeyRecordValidator({ crypto, now: () => c.now }),
        revocationValidator: new RevocationValidator({ crypto, now: () => c.now }),
        datastore: mapDatastore(held)
      }),
      metrics
    })
    const seeds = [...r.certs.map(cert => cert.bytes), ...c.records.map(record => record.bytes)]
    const seedPeer = (i: number): string => (i < r.certs.length ? r.certs[i].peerId : c.records[i - r.certs.length].peerId).toString()
    const heldArb = fc.oneof(
      { weight: 2, arbitrary: fc.constant(undefined) },
      { weight: 3, arbitrary: fc.nat({ max: seeds.length - 1 }).map(i => seeds[i]) },
      { weight: 1, arbitrary: hostileBytes(seeds) }
    )
    let failures = 0
    const validateProperty = fc.asyncProperty(hostileCase(seeds, { maxNoise: 256 }), heldArb, async ({ bytes, seed }, heldValue) => {
      const peer = c.peers.find(p => p.peerId.toString() === seedPeer(seed))!.peerId
      const key = routingKeyFor(peer)
      held.clear()
      if (heldValue !== undefined) held.set(dhtRecordKey(key).toString(), new Libp2pRecord(key, heldValue, new Date()).serialize())
      const result = await attemptAsync(outcomes, 'validate', async () => validate(key, bytes), VALUE_ERRORS)
      const counted = (await metrics.verificationFailures.get()).values.filter(v => v.labels.source === 'dht' || v.labels.source === 'evidence').reduce((n, v) => n + v.value, 0)
      if (!result.ok) failures++
      if (counted !== failures) throw new Error(`refusals counted ${counted}, refused ${failures}`)
      if (result.ok) {
        const value = decodePqkValue(bytes)
        const valid = value.kind === 'record' ? c.validRecords : r.validCerts
        if (valid.get(peer.toString())?.has(hex(bytes)) !== true) throw new Error('the validator accepted a value that is not a valid record or certificate of the key\'s peer')
        const heldDecoded = heldValue === undefined ? undefined : tryDecode(heldValue)
        // One exception: a record of the held one's seq with other signed content is an equivocation, taken to make a proof.
        if (heldDecoded !== undefined && comparePqkValues(heldDecoded, value) < 0 && conflictingRecords(heldDecoded, value) === undefined) {
          throw new Error(`the validator accepted a ${value.kind} that ranks below the held ${heldDecoded.kind}`)
        }
      }
      return true
    })
    return { property: validateProperty, outcomes }
  }
}

/**
 * The `/pqk/` selector over lists of records, revocations, mutated values
 * and garbage: never throws, returns an index in range, picks the best
 * value that decodes (a revocation over any record) whatever the order.
 */
export const pqkSelectorTarget: FuzzTarget = {
  name: 'pqk-selector',
  description: 'the /pqk/ kad-dht selector on lists of records, revocations, mutated values and garbage, in any order',
  ciRuns: 1000,
  async prepare () {
    const c = await corpus()
    const r = await revocationCorpus(c)
    const outcomes = new Outcomes()
    const seeds = [...r.certs.map(cert => cert.bytes), ...c.records.map(record => record.bytes)]
    const value = fc.oneof(
      { weight: 2, arbitrary: fc.nat({ max: seeds.length - 1 }).map(i => seeds[i]) },
      { weight: 2, arbitrary: hostileBytes(seeds) }
    )
    const key = routingKeyFor(c.peers[0].peerId)
    const selectProperty = fc.property(fc.array(value, { minLength: 1, maxLength: 8 }), fc.infiniteStream(fc.nat()), (values, randomness) => {
      const index = pqkSelector(key, values) as number // pure and synchronous
      if (!Number.isInteger(index) || index < 0 || index >= values.length) throw new Error(`selector returned ${index} for ${values.length} values`)
      const decoded = values.map(tryDecode)
      const chosen = decoded[index]
      if (decoded.every(v => v === undefined)) {
        outcomes.add('select: garbage only')
        return true
      }
      if (chosen === undefined) throw new Error('the selector chose a value that does not decode over one that does')
      if (decoded.some(v => v !== undefined && comparePqkValues(v, chosen) < 0)) throw new Error('the selector did not choose the best value')
      if (decoded.some(v => v?.kind === 'revocation') && chosen.kind !== 'revocation') throw new Error('a record was chosen over a revocation')
      const it = randomness[Symbol.iterator]()
      const shuffled = values.map(v => ({ v, k: it.next().value as number })).sort((x, y) => x.k - y.k).map(x => x.v)
      if (hex(shuffled[pqkSelector(key, shuffled) as number]) !== hex(pqkValueBytes(chosen))) throw new Error('the selector\'s choice depends on the order')
      outcomes.add(`select: a ${chosen.kind}`)
      return true
    })

    return { property: selectProperty, outcomes }
  }
}
