import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { Libp2pRecord } from '@libp2p/record'
import { selectPqCrypto } from '../../src/crypto/index.js'
import { createPqkCheck, createPqkValidator, createPqkValueCheck, dhtRecordKey, pqkSelector } from '../../src/dht/index.js'
import { createKeydirMetrics } from '../../src/metrics/index.js'
import { KeyRecordValidator, MAX_REVOCATION_BYTES, RevocationValidator, routingKeyFor } from '../../src/record/index.js'
import { concat } from '../helpers/protobuf-wire.js'
import { makeIdentity, makeRecord } from '../helpers/records.js'
import { makeRevocation } from '../helpers/revocations.js'
import type { Datastore, Key } from 'interface-datastore'

const crypto = selectPqCrypto()
const notFound = (): Error => Object.assign(new Error('Not Found'), { name: 'NotFoundError' })
const minute = 60_000

/** The `/pqk/` validator over both kinds of value, holding `held` (routing key -> value bytes). */
function validatorHolding (sync: boolean): {
  held: Map<string, Uint8Array>
  hold: (routingKey: Uint8Array, value: Uint8Array) => void
  validate: ReturnType<typeof createPqkValidator>
  recordsOnly: ReturnType<typeof createPqkCheck>
  refusals: () => Promise<Record<string, number>>
} {
  const held = new Map<string, Uint8Array>()
  const read = (key: Key): Uint8Array | undefined => held.get(key.toString())
  const datastore = { get: async (key: Key) => read(key) ?? Promise.reject(notFound()) } as unknown as Datastore
  const components = { validator: new KeyRecordValidator({ crypto }), revocationValidator: new RevocationValidator({ crypto }), datastore, readSync: sync ? read : undefined }
  const metrics = createKeydirMetrics()
  return {
    held,
    hold: (routingKey, value) => { held.set(dhtRecordKey(routingKey).toString(), new Libp2pRecord(routingKey, value, new Date()).serialize()) },
    validate: createPqkValidator({ check: createPqkValueCheck(components), metrics }),
    recordsOnly: createPqkCheck(components),
    refusals: async () => Object.fromEntries((await metrics.verificationFailures.get()).values.filter(v => v.labels.source === 'dht').map(v => [String(v.labels.reason), v.value]))
  }
}

for (const sync of [true, false]) {
  describe(`the /pqk/ DHT validator with revocations, held value read ${sync ? 'synchronously' : 'through the datastore'}`, () => {
    test('takes a valid revocation when nothing is held, and over any record, whatever its seq', async () => {
      const identity = await makeIdentity()
      const key = routingKeyFor(identity.peerId)
      const cert = await makeRevocation(identity)
      const { hold, validate, refusals } = validatorHolding(sync)
      await validate(key, cert.bytes)
      hold(key, (await makeRecord(identity, { seq: Number.MAX_SAFE_INTEGER })).bytes)
      await validate(key, cert.bytes)
      assert.deepEqual(await refusals(), {})
    })

    test('refuses every record once a revocation is held: ERR_REVOKED, counted; the record-only check too', async () => {
      const identity = await makeIdentity()
      const key = routingKeyFor(identity.peerId)
      const { hold, validate, recordsOnly, refusals } = validatorHolding(sync)
      hold(key, (await makeRevocation(identity)).bytes)
      const record = await makeRecord(identity, { seq: Number.MAX_SAFE_INTEGER })
      await assert.rejects(async () => validate(key, record.bytes), { name: 'InvalidRecordError', code: 'ERR_REVOKED' })
      await assert.rejects(recordsOnly(key, record.bytes), { name: 'InvalidRecordError', code: 'ERR_REVOKED' })
      assert.deepEqual(await refusals(), { ERR_REVOKED: 1 })
    })

    test('between revocations, the later one: an earlier one is refused (ERR_ROLLBACK), the same bytes again pass', async () => {
      const identity = await makeIdentity()
      const key = routingKeyFor(identity.peerId)
      const early = await makeRevocation(identity, { issuedAt: Date.now() - 2 * minute })
      const late = await makeRevocation(identity, { issuedAt: Date.now() - minute })
      const { hold, validate, refusals } = validatorHolding(sync)
      hold(key, early.bytes)
      await validate(key, late.bytes)
      hold(key, late.bytes)
      await validate(key, late.bytes)
      await assert.rejects(async () => validate(key, early.bytes), { name: 'RevocationError', code: 'ERR_ROLLBACK' })
      assert.deepEqual(await refusals(), { ERR_ROLLBACK: 1 })
    })

    test('refuses bad revocations with their code, counted, and they replace nothing', async () => {
      const [a, b] = await Promise.all([makeIdentity(), makeIdentity()])
      const key = routingKeyFor(a.peerId)
      const { held, hold, validate, refusals } = validatorHolding(sync)
      const record = await makeRecord(a, { seq: 5 })
      hold(key, record.bytes)
      const before = new Map(held)
      const good = await makeRevocation(a)
      const flipped = good.bytes.slice()
      flipped[flipped.length - 1] ^= 1
      const cases: Array<[Uint8Array, string]> = [
        [(await makeRevocation(b)).bytes, 'ERR_REVOCATION_PEER_MISMATCH'],
        [concat([good.bytes, new Uint8Array(MAX_REVOCATION_BYTES)]), 'ERR_REVOCATION_TOO_LARGE'],
        [flipped, 'ERR_REVOCATION_BAD_ML_DSA_SIGNATURE'],
        [good.bytes.subarray(0, 100), 'ERR_REVOCATION_MALFORMED'],
        [(await makeRevocation(a, { issuedAt: Date.now() + 60 * minute })).bytes, 'ERR_REVOCATION_ISSUED_IN_FUTURE']
      ]
      for (const [bytes, code] of cases) {
        await assert.rejects(async () => validate(key, bytes), { name: 'RevocationError', code })
      }
      assert.deepEqual(await refusals(), Object.fromEntries(cases.map(([, code]) => [code, 1])))
      assert.deepEqual(held, before)
    })

    test('records keep their rules: a newer one passes, an older one is ERR_ROLLBACK', async () => {
      const identity = await makeIdentity()
      const key = routingKeyFor(identity.peerId)
      const { hold, validate } = validatorHolding(sync)
      hold(key, (await makeRecord(identity, { seq: 2 })).bytes)
      await validate(key, (await makeRecord(identity, { seq: 3 })).bytes)
      await assert.rejects(async () => validate(key, (await makeRecord(identity, { seq: 1 })).bytes), { name: 'InvalidRecordError', code: 'ERR_ROLLBACK' })
    })
  })
}

describe('the /pqk/ DHT selector with revocations', () => {
  test('a revocation wins over records in any position; garbage never wins', async () => {
    const identity = await makeIdentity()
    const key = routingKeyFor(identity.peerId)
    const cert = (await makeRevocation(identity)).bytes
    const high = (await makeRecord(identity, { seq: Number.MAX_SAFE_INTEGER })).bytes
    const low = (await makeRecord(identity, { seq: 1 })).bytes
    const garbage = Uint8Array.from([0x82, 0x01, 0x02])
    assert.equal(pqkSelector(key, [high, low, cert]), 2)
    assert.equal(pqkSelector(key, [cert, high, garbage]), 0)
    assert.equal(pqkSelector(key, [garbage, low, high]), 2)
  })

  test('of two revocations, the later', async () => {
    const identity = await makeIdentity()
    const key = routingKeyFor(identity.peerId)
    const early = (await makeRevocation(identity, { issuedAt: Date.now() - 2 * minute })).bytes
    const late = (await makeRevocation(identity, { issuedAt: Date.now() - minute })).bytes
    assert.equal(pqkSelector(key, [early, late]), 1)
    assert.equal(pqkSelector(key, [late, early]), 0)
  })
})
