import { Libp2pRecord } from '@libp2p/record'
import fc from 'fast-check'
import { selectPqCrypto } from '../../../src/crypto/index.js'
import { createPqkCheck, createPqkValidator, dhtRecordKey, pqkSelector } from '../../../src/dht/index.js'
import { createKeydirMetrics } from '../../../src/metrics/index.js'
import { compareKeyRecords, KeyRecordValidator, mlDsaRoutingKey, routingKeyFor, unmarshalKeyRecord } from '../../../src/record/index.js'
import { corpus, hex } from '../corpus.js'
import { attemptAsync, Outcomes } from '../harness.js'
import { applyMutations, hostileBytes, hostileCase, mutations } from '../mutate.js'
import type { FuzzTarget } from '../harness.js'
import type { KeyRecord } from '../../../src/record/index.js'
import type { Datastore, Key } from 'interface-datastore'

const RECORD_ERRORS = ['InvalidRecordError']

/** The little of a datastore the pqk validator reads: `get`, from a map the case fills. */
function mapDatastore (values: Map<string, Uint8Array>): Datastore {
  return {
    async get (key: Key) {
      const value = values.get(key.toString())
      if (value === undefined) throw Object.assign(new Error('Not Found'), { name: 'NotFoundError' })
      return value
    }
  } as unknown as Datastore
}

function tryDecode (value: Uint8Array): KeyRecord | undefined {
  try {
    return unmarshalKeyRecord(value)
  } catch {
    return undefined
  }
}

/**
 * The kad-dht validator for `/pqk/`, as a PUT or a GET answer meets it:
 * hostile key and value, and whatever the node already holds under the key
 * (a valid record, garbage, a Libp2pRecord wrapping garbage, nothing).
 * Every refusal is an InvalidRecordError counted once in
 * keydir_verification_failures_total{source="dht"}; an accepted value is a
 * valid record of that key's peer (or, under an ML-DSA PeerId's key, of
 * that key) and never worse than the one held.
 */
export const dhtValidatorTarget: FuzzTarget = {
  name: 'dht-validator',
  description: 'the /pqk/ kad-dht validator: hostile keys, values and held records',
  ciRuns: 3000,
  async prepare () {
    const c = await corpus()
    const outcomes = new Outcomes()
    const metrics = createKeydirMetrics()
    const held = new Map<string, Uint8Array>()
    const validate = createPqkValidator({
      check: createPqkCheck({ validator: new KeyRecordValidator({ crypto: selectPqCrypto(), now: () => c.now }), datastore: mapDatastore(held) }),
      metrics
    })
    const seeds = c.records.map(r => r.bytes)
    const keys = c.peers.map(p => routingKeyFor(p.peerId))
    // The second key of every record (issue 24): its ML-DSA PeerId's.
    const mlDsaKeys = c.records.map(r => mlDsaRoutingKey(r.mlDsaPublicKey))
    const keyArb = fc.oneof(
      { weight: 6, arbitrary: fc.constant(undefined) }, // the key of the record's own peer
      { weight: 2, arbitrary: fc.constant('own-ml-dsa' as const) }, // the ML-DSA PeerId key of the record's own key
      { weight: 1, arbitrary: fc.nat({ max: mlDsaKeys.length - 1 }).map(i => mlDsaKeys[i]) },
      { weight: 2, arbitrary: fc.nat({ max: keys.length - 1 }).map(i => keys[i]) },
      { weight: 1, arbitrary: fc.tuple(fc.nat({ max: keys.length - 1 }), mutations).map(([i, m]) => applyMutations(keys[i], m, keys)) },
      { weight: 1, arbitrary: fc.uint8Array({ maxLength: 64 }) }
    )
    const heldArb = fc.oneof(
      { weight: 3, arbitrary: fc.constant(undefined) },
      { weight: 3, arbitrary: fc.nat({ max: seeds.length - 1 }).map(i => new Libp2pRecord(keys[0], seeds[i], new Date()).serialize()) },
      { weight: 1, arbitrary: hostileBytes(seeds).map(b => new Libp2pRecord(keys[0], b, new Date()).serialize()) },
      { weight: 1, arbitrary: fc.uint8Array({ maxLength: 128 }) }
    )
    let failures = 0
    const property = fc.asyncProperty(hostileCase(seeds, { maxNoise: 512 }), keyArb, heldArb, async ({ bytes, seed }, chosenKey, heldValue) => {
      const key = chosenKey === 'own-ml-dsa' ? mlDsaRoutingKey(c.records[seed].mlDsaPublicKey) : chosenKey ?? routingKeyFor(c.records[seed].peerId)
      held.clear()
      if (heldValue !== undefined) held.set(dhtRecordKey(key).toString(), heldValue)
      const result = await attemptAsync(outcomes, 'validate', async () => validate(key, bytes), RECORD_ERRORS)
      const counted = (await metrics.verificationFailures.get()).values.filter(v => v.labels.source === 'dht' || v.labels.source === 'evidence').reduce((n, v) => n + v.value, 0)
      if (!result.ok) failures++
      if (counted !== failures) throw new Error(`refusals counted ${counted}, refused ${failures}`)
      if (result.ok) {
        const record = unmarshalKeyRecord(bytes)
        const named = hex(routingKeyFor(record.peerId)) === hex(key) || hex(mlDsaRoutingKey(record.mlDsaPublicKey)) === hex(key)
        if (!named || c.validRecords.get(record.peerId.toString())?.has(hex(bytes)) !== true) {
          throw new Error('the DHT validator accepted a value that is not a valid record of the key\'s peer')
        }
        const heldRecord = heldValue === undefined ? undefined : tryHeld(heldValue)
        if (heldRecord !== undefined && compareKeyRecords(heldRecord, record) < 0) {
          throw new Error('the DHT validator accepted a record worse than the one held')
        }
      }
      return true
    })
    return { property, outcomes }
  }
}

function tryHeld (value: Uint8Array): KeyRecord | undefined {
  try {
    return unmarshalKeyRecord(Libp2pRecord.deserialize(value).value)
  } catch {
    return undefined
  }
}

/**
 * The `/pqk/` selector over hostile value lists: never throws, returns an
 * index into the list, picks the best record that decodes whatever the
 * order, and garbage never wins over a record.
 */
export const dhtSelectorTarget: FuzzTarget = {
  name: 'dht-selector',
  description: 'the /pqk/ kad-dht selector on lists of valid, mutated and garbage values, in any order',
  ciRuns: 1500,
  async prepare () {
    const c = await corpus()
    const outcomes = new Outcomes()
    const seeds = c.records.map(r => r.bytes)
    const value = fc.oneof(
      { weight: 2, arbitrary: fc.nat({ max: seeds.length - 1 }).map(i => seeds[i]) },
      { weight: 3, arbitrary: hostileBytes(seeds) }
    )
    const key = routingKeyFor(c.peers[0].peerId)
    const property = fc.property(fc.array(value, { minLength: 1, maxLength: 8 }), fc.infiniteStream(fc.nat()), (values, randomness) => {
      const index = pqkSelector(key, values) as number // pure and synchronous
      if (!Number.isInteger(index) || index < 0 || index >= values.length) throw new Error(`selector returned ${index} for ${values.length} values`)
      const decoded = values.map(tryDecode)
      const chosen = decoded[index]
      if (decoded.some(r => r !== undefined)) {
        if (chosen === undefined) throw new Error('the selector chose a value that does not decode over one that does')
        if (decoded.some(r => r !== undefined && compareKeyRecords(r, chosen) < 0)) throw new Error('the selector did not choose the best record')
        // The same choice in another order.
        const it = randomness[Symbol.iterator]()
        const shuffled = values.map(v => ({ v, k: it.next().value as number })).sort((a, b) => a.k - b.k).map(x => x.v)
        if (hex(shuffled[pqkSelector(key, shuffled) as number]) !== hex(values[index])) throw new Error('the selector\'s choice depends on the order')
        outcomes.add('select: a record')
      } else {
        outcomes.add('select: garbage only')
      }
      return true
    })
    return { property, outcomes }
  }
}
