import { Libp2pRecord } from '@libp2p/record'
import { dhtRecordKey } from './record-key.js'
import type { Datastore } from 'interface-datastore'

/** The `/pqk/` value this node's own DHT store holds under `routingKey`, if any (validated when it was stored). */
export async function readOwnDhtValue (datastore: Pick<Datastore, 'get'>, routingKey: Uint8Array): Promise<Uint8Array | undefined> {
  try {
    return Libp2pRecord.deserialize(await datastore.get(dhtRecordKey(routingKey))).value
  } catch {
    return undefined
  }
}

/**
 * Put a value into this node's own DHT store as kad-dht would on a
 * PUT_VALUE. The datastore is keydir's guarded one (PqkRecordStore): it
 * keeps a value it holds that ranks higher (and counts the refusal), but
 * checks no signatures, so `value` must be one the `/pqk/` validator (or
 * the lookup's check, which runs the same) accepted.
 */
export async function writeOwnDhtValue (datastore: Pick<Datastore, 'put'>, routingKey: Uint8Array, value: Uint8Array): Promise<void> {
  await datastore.put(dhtRecordKey(routingKey), new Libp2pRecord(routingKey, value, new Date()).serialize())
}
