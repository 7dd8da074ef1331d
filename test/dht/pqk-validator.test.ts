import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { Libp2pRecord } from '@libp2p/record'
import { selectPqCrypto } from '../../src/crypto/index.js'
import { createPqkCheck, createPqkValidator, dhtRecordKey } from '../../src/dht/index.js'
import { createKeydirMetrics } from '../../src/metrics/index.js'
import { KeyRecordValidator, routingKeyFor } from '../../src/record/index.js'
import { makeIdentity, makeRecord } from '../helpers/records.js'
import type { Datastore, Key } from 'interface-datastore'

const notFound = (): Error => Object.assign(new Error('Not Found'), { name: 'NotFoundError' })
const dsKeyOf = (routingKey: Uint8Array): string => dhtRecordKey(routingKey).toString()

/** A validator over a map of held values, read the async way (datastore) or the sync way (readSync). */
function validatorOver (held: Map<string, Uint8Array | Error>, sync: boolean): { validate: ReturnType<typeof createPqkValidator>, refusals: () => Promise<Record<string, number>> } {
  const read = (key: Key): Uint8Array | undefined => {
    const value = held.get(key.toString())
    if (value instanceof Error) throw value
    return value
  }
  const datastore = { get: async (key: Key) => read(key) ?? Promise.reject(notFound()) } as unknown as Datastore
  const metrics = createKeydirMetrics()
  const validate = createPqkValidator({ check: createPqkCheck({ validator: new KeyRecordValidator({ crypto: selectPqCrypto() }), datastore, readSync: sync ? read : undefined }), metrics })
  const refusals = async (): Promise<Record<string, number>> => Object.fromEntries((await metrics.verificationFailures.get()).values.filter(v => v.labels.source === 'dht').map(v => [String(v.labels.reason), v.value]))
  return { validate, refusals }
}

for (const sync of [true, false]) {
  describe(`the /pqk/ DHT validator, held record read ${sync ? 'synchronously' : 'through the datastore'}`, () => {
    test('accepts a valid record when nothing is held, and a newer one than the held', async () => {
      const identity = await makeIdentity()
      const older = await makeRecord(identity, { seq: 1 })
      const newer = await makeRecord(identity, { seq: 2 })
      const key = routingKeyFor(identity.peerId)
      const held = new Map<string, Uint8Array | Error>()
      const { validate } = validatorOver(held, sync)
      await validate(key, older.bytes)
      held.set(dsKeyOf(key), new Libp2pRecord(key, older.bytes, new Date()).serialize())
      await validate(key, newer.bytes)
    })

    test('refuses a record older than the one held: ERR_ROLLBACK, counted', async () => {
      const identity = await makeIdentity()
      const older = await makeRecord(identity, { seq: 1 })
      const newer = await makeRecord(identity, { seq: 2 })
      const key = routingKeyFor(identity.peerId)
      const held = new Map<string, Uint8Array | Error>([[dsKeyOf(key), new Libp2pRecord(key, newer.bytes, new Date()).serialize()]])
      const { validate, refusals } = validatorOver(held, sync)
      await assert.rejects(async () => validate(key, older.bytes), { code: 'ERR_ROLLBACK' })
      assert.equal((await refusals()).ERR_ROLLBACK, 1)
    })

    test('a held value that does not decode does not block a valid record', async () => {
      const identity = await makeIdentity()
      const record = await makeRecord(identity, { seq: 3 })
      const key = routingKeyFor(identity.peerId)
      const held = new Map<string, Uint8Array | Error>([[dsKeyOf(key), Uint8Array.from([1, 2, 3])]])
      await validatorOver(held, sync).validate(key, record.bytes)
    })

    test('a store that cannot be read refuses the record (fails closed): ERR_HELD_RECORD_UNREADABLE, counted', async () => {
      const identity = await makeIdentity()
      const record = await makeRecord(identity, { seq: 3 })
      const key = routingKeyFor(identity.peerId)
      const held = new Map<string, Uint8Array | Error>([[dsKeyOf(key), new Error('Database is not open')]])
      const { validate, refusals } = validatorOver(held, sync)
      await assert.rejects(async () => validate(key, record.bytes), { name: 'InvalidRecordError', code: 'ERR_HELD_RECORD_UNREADABLE' })
      assert.equal((await refusals()).ERR_HELD_RECORD_UNREADABLE, 1)
    })
  })
}
