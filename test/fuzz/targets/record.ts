import fc from 'fast-check'
import { equals as uint8ArrayEquals } from 'uint8arrays/equals'
import { selectPqCrypto } from '../../../src/crypto/index.js'
import { checkChainStructure, KeyRecordValidator, marshalKeyRecord, routingKeyFor, unmarshalKeyRecord, ROUTING_KEY_PREFIX } from '../../../src/record/index.js'
import { corpus, hex } from '../corpus.js'
import { attempt, Outcomes } from '../harness.js'
import { applyMutations, hostileCase, mutations } from '../mutate.js'
import { concat } from '../../helpers/protobuf-wire.js'
import type { FuzzTarget } from '../harness.js'

const RECORD_ERRORS = ['InvalidRecordError']

/**
 * unmarshalKeyRecord and KeyRecordValidator over mutated records and noise
 * (the seeds include a record with a rotation proof, two history links and
 * a previous record hash): every refusal an InvalidRecordError with a code;
 * anything decoded is the canonical encoding of itself, with a history whose
 * links join up; anything validated is byte for byte one of the valid
 * records of the peer it was checked for (no mutation makes a second valid
 * record).
 */
export const recordTarget: FuzzTarget = {
  name: 'record',
  description: 'unmarshalKeyRecord + KeyRecordValidator.validate / validateForRoutingKey on mutated records and noise',
  ciRuns: 8000,
  async prepare () {
    const c = await corpus()
    const outcomes = new Outcomes()
    const validator = new KeyRecordValidator({ crypto: selectPqCrypto(), now: () => c.now })
    const peers = c.peers.map(p => p.peerId)
    const seeds = c.records.map(r => r.bytes)

    // Mostly checked for the peer whose record was mutated; sometimes for another.
    const property = fc.property(hostileCase(seeds, { maxNoise: 512 }), fc.nat({ max: 3 }), ({ bytes, seed }, other) => {
      const input = bytes.slice()
      const decoded = attempt(outcomes, 'unmarshal', () => unmarshalKeyRecord(bytes), RECORD_ERRORS)
      if (decoded.ok) {
        const again = marshalKeyRecord(decoded.value, decoded.value.libp2pSignature, decoded.value.mlDsaSignature)
        if (!uint8ArrayEquals(again, bytes)) throw new Error('decoded a record whose bytes are not its canonical encoding')
        checkChainStructure(decoded.value)
      }
      const peer = other === 0 ? peers[(peers.findIndex(p => p.equals(c.records[seed].peerId)) + 1) % peers.length] : c.records[seed].peerId
      const checked = attempt(outcomes, 'validate', () => validator.validate(peer, bytes), RECORD_ERRORS)
      if (checked.ok && c.validRecords.get(peer.toString())?.has(hex(bytes)) !== true) {
        throw new Error('the validator accepted bytes that are not a valid record of the peer')
      }
      const byKey = attempt(outcomes, 'validateForRoutingKey', () => validator.validateForRoutingKey(routingKeyFor(peer), bytes), RECORD_ERRORS)
      if (byKey.ok !== checked.ok) throw new Error('validate and validateForRoutingKey disagree')
      if (!uint8ArrayEquals(input, bytes)) throw new Error('a decoder changed its input')
      return true
    })
    return { property, outcomes }
  }
}

/** Routing keys: the validator must refuse every key outside `/pqk/<this peer>`, typed. */
export const routingKeyTarget: FuzzTarget = {
  name: 'routing-key',
  description: 'KeyRecordValidator.validateForRoutingKey with mutated and random routing keys',
  ciRuns: 2000,
  async prepare () {
    const c = await corpus()
    const outcomes = new Outcomes()
    const validator = new KeyRecordValidator({ crypto: selectPqCrypto(), now: () => c.now })
    const keys = c.peers.map(p => routingKeyFor(p.peerId))
    const keyArb = fc.oneof(
      fc.tuple(fc.nat({ max: keys.length - 1 }), mutations).map(([i, m]) => applyMutations(keys[i], m, keys)),
      fc.uint8Array({ maxLength: 80 }).map(b => concat([ROUTING_KEY_PREFIX, b])),
      fc.uint8Array({ maxLength: 80 })
    )
    const property = fc.property(keyArb, fc.nat({ max: c.records.length - 1 }), (key, i) => {
      const record = c.records[i]
      const result = attempt(outcomes, 'validateForRoutingKey', () => validator.validateForRoutingKey(key, record.bytes), RECORD_ERRORS)
      if (result.ok && !uint8ArrayEquals(key, routingKeyFor(record.peerId))) {
        throw new Error('a record was accepted under another routing key')
      }
      return true
    })
    return { property, outcomes }
  }
}
