import fc from 'fast-check'
import { equals as uint8ArrayEquals } from 'uint8arrays/equals'
import { fingerprint, selectPqCrypto } from '../../../src/crypto/index.js'
import {
  checkEquivocationAgainstPin, createEquivocationProof, decodePqkValue, EquivocationValidator, isEquivocationBytes, recordSignedBytes, routingKeyFor,
  unmarshalEquivocationProof
} from '../../../src/record/index.js'
import { makeRecord, withForeignPqKeys } from '../../helpers/records.js'
import { corpus, hex } from '../corpus.js'
import { attempt, Outcomes } from '../harness.js'
import { hostileCase } from '../mutate.js'
import type { FuzzTarget } from '../harness.js'
import type { EquivocationProof, KeyRecord } from '../../../src/record/index.js'

const minute = 60_000
const EVIDENCE_ERRORS = ['EvidenceError']
const VALUE_ERRORS = ['InvalidRecordError', 'RevocationError', 'EvidenceError']

/**
 * unmarshalEquivocationProof, EquivocationValidator and the pin check over
 * mutated proofs (records as donors) and noise: every refusal an
 * EvidenceError with a code; anything decoded is the canonical proof of its
 * two records; anything validated is byte for byte a proof of two records
 * their peer signed with one seq and different content (no mutation makes a
 * proof of records nobody signed, or of two that do not conflict); the pin
 * takes exactly the proofs whose two records are both by the pinned key;
 * decodePqkValue follows the first bytes; inputs are never modified.
 */
export const equivocationTarget: FuzzTarget = {
  name: 'equivocation',
  description: 'unmarshalEquivocationProof + EquivocationValidator.validate / validateForRoutingKey + checkEquivocationAgainstPin + decodePqkValue on mutated proofs and noise',
  ciRuns: 1500,
  async prepare () {
    const c = await corpus()
    const crypto = selectPqCrypto()
    const outcomes = new Outcomes()
    const validator = new EquivocationValidator({ crypto })
    const [a, b] = c.peers
    // Every record of the pool is one its peer signed: seq 1 three ways for a
    // (twice by its key, once by a thief with its Ed25519 key alone), two
    // ways for b, and a record of seq 2.
    const thief = withForeignPqKeys(a, c.peers[2])
    const pool: KeyRecord[] = [
      await makeRecord(a, { seq: 1, issuedAt: c.now - minute }),
      await makeRecord(a, { seq: 1, issuedAt: c.now - 2 * minute }),
      await makeRecord(thief, { seq: 1, issuedAt: c.now - 3 * minute }),
      await makeRecord(a, { seq: 2, issuedAt: c.now - minute }),
      await makeRecord(b, { seq: 1, issuedAt: c.now - minute }),
      await makeRecord(b, { seq: 1, issuedAt: c.now - 2 * minute })
    ]
    // The valid proofs: every pair of the pool that conflicts, as a mutation that swaps records across seeds could make.
    const valid = new Map<string, EquivocationProof>()
    for (const [i, x] of pool.entries()) {
      for (const y of pool.slice(i + 1)) {
        if (x.peerId.equals(y.peerId) && x.seq === y.seq && !uint8ArrayEquals(recordSignedBytes(x), recordSignedBytes(y))) {
          const proof = createEquivocationProof(x, y)
          valid.set(hex(proof.bytes), proof)
        }
      }
    }
    const pinOf = (peer: typeof a): Uint8Array => fingerprint(peer.mlDsaSigner.publicKey)
    const seeds = [...[...valid.values()].map(p => p.bytes), ...pool.slice(0, 2).map(r => r.bytes)]
    const peers = c.peers.map(p => p.peerId)

    const property = fc.property(hostileCase(seeds, { maxNoise: 512 }), fc.nat({ max: 3 }), ({ bytes }, other) => {
      const input = bytes.slice()
      const decoded = attempt(outcomes, 'unmarshal', () => unmarshalEquivocationProof(bytes), EVIDENCE_ERRORS)
      if (decoded.ok) {
        const [x, y] = decoded.value.records
        if (!uint8ArrayEquals(createEquivocationProof(x, y).bytes, bytes)) throw new Error('decoded a proof whose bytes are not its canonical encoding')
      }
      const checked = attempt(outcomes, 'validate', () => validator.validate(bytes), EVIDENCE_ERRORS)
      if (checked.ok && !valid.has(hex(bytes))) throw new Error('the validator accepted bytes that are not a proof of two records their peer signed')
      if (checked.ok) {
        const peer = other === 0 ? peers[(peers.findIndex(p => p.equals(checked.value.peerId)) + 1) % peers.length] : checked.value.peerId
        const byKey = attempt(outcomes, 'validateForRoutingKey', () => validator.validateForRoutingKey(routingKeyFor(peer), bytes), EVIDENCE_ERRORS)
        if (byKey.ok !== peer.equals(checked.value.peerId)) throw new Error('validateForRoutingKey took a proof under another peer\'s key, or refused it under its own')
        const owner = c.peers.find(p => p.peerId.equals(checked.value.peerId))!
        const pin = pinOf(owner)
        const linked = attempt(outcomes, 'pin check', () => { checkEquivocationAgainstPin(crypto, checked.value, { fingerprint: pin, mlDsaPublicKey: owner.mlDsaSigner.publicKey }) }, EVIDENCE_ERRORS)
        const bothByPin = checked.value.records.every(r => uint8ArrayEquals(fingerprint(r.mlDsaPublicKey), pin))
        if (linked.ok !== bothByPin) throw new Error(`the pin check ${linked.ok ? 'took' : 'refused'} a proof it should ${linked.ok ? 'not' : ''} take`)
      }
      const value = attempt(outcomes, 'decodePqkValue', () => decodePqkValue(bytes), VALUE_ERRORS)
      if (value.ok && (value.value.kind === 'equivocation') !== isEquivocationBytes(bytes)) throw new Error('decodePqkValue chose the decoder against the first bytes')
      if (!uint8ArrayEquals(input, bytes)) throw new Error('a decoder changed its input')
      return true
    })
    return { property, outcomes }
  }
}
